"""Sending webhook deliveries: one signed POST per attempt, retries on a backoff kept in the database.

Policy (also in docs/webhooks.md):
- success is any 2xx answer; redirects are not followed (a 3xx is a failure);
- after failed attempt n the next one is due after a delay drawn uniformly from
  [BASE_DELAY, min(MAX_DELAY, BASE_DELAY * 2**(n-1))] ("full jitter" above a floor of one base delay);
- after MAX_ATTEMPTS failed attempts the delivery is abandoned;
- DISABLE_AFTER deliveries abandoned in a row (no success in between) disable the subscription,
  which takes about a day of an endpoint failing everything, not one burst of errors.

An attempt first claims its delivery with a conditional UPDATE (due, still to send, subscription
active) that pushes `next_attempt_at` a lease ahead, so the minute sweep, the fan-out and a manual
redelivery may all pick the same row without sending it twice; a worker that dies mid-attempt
leaves the row due again once the lease runs out.
"""

import datetime as dt
import random
import time
from collections.abc import Iterable

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from arrears.portfolio.models import Creditor
from arrears.webhooks import services
from arrears.webhooks.models import WebhookDelivery, WebhookSubscription
from arrears.webhooks.signing import SIGNATURE_HEADER, encode_payload, sign

BASE_DELAY = 60  # seconds
MAX_DELAY = 6 * 3600
MAX_ATTEMPTS = 12  # retries spread over up to ~20 h
DISABLE_AFTER = 5  # abandoned deliveries in a row
LEASE = dt.timedelta(minutes=2)  # longer than any attempt (the timeout is 10 s)
SWEEP_LIMIT = 1000
BATCH = 50  # deliveries per task: one HTTP client, one endpoint's connection reused
LOG_LENGTH = 20
RESPONSE_PEEK = 300  # bytes of a failing answer kept in last_error
USER_AGENT = "arrears-webhooks/1"
TO_SEND = [WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED]

_jitter = random.random  # replaced in tests to make the schedule predictable


def retry_delay(failed_attempts: int) -> dt.timedelta:
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(failed_attempts - 1, 0))
    return dt.timedelta(seconds=BASE_DELAY + _jitter() * (ceiling - BASE_DELAY))


def timeout() -> httpx.Timeout:
    seconds = float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10.0))
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


def build_request(delivery: WebhookDelivery, creditor_code: str) -> tuple[bytes, dict[str, str]]:
    """The exact bytes to send and the headers that sign them."""
    event = delivery.event
    body = encode_payload(event_id=event.pk, event_type=event.type, created=event.occurred_at.isoformat(),
                          creditor=creditor_code, data=event.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(services.signing_secrets(delivery.subscription), body),
        "Arrears-Event-Id": str(event.pk),
        "Arrears-Event-Type": event.type,
        "Arrears-Delivery-Id": str(delivery.pk),
    }
    return body, headers


def claim(delivery_id: int, now: dt.datetime) -> bool:
    return bool(WebhookDelivery.objects.filter(
        pk=delivery_id, status__in=TO_SEND, next_attempt_at__lte=now, subscription__is_active=True,
    ).update(next_attempt_at=now + LEASE))


def post(client: httpx.Client, url: str, body: bytes, headers: dict) -> tuple[int | None, str, int]:
    """(status code or None, error text or "", milliseconds). Reads at most a peek of the answer."""
    started = time.monotonic()
    status, error = None, ""
    try:
        with client.stream("POST", url, content=body, headers=headers) as response:
            status = response.status_code
            if not 200 <= status < 300:
                peek = b""
                for chunk in response.iter_bytes():
                    peek += chunk
                    if len(peek) >= RESPONSE_PEEK:
                        break
                text = peek[:RESPONSE_PEEK].decode("utf-8", "replace").strip()
                error = f"HTTP {status}" + (f": {text}" if text else "")
    except httpx.TimeoutException as exc:
        error = f"timeout ({type(exc).__name__})"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return status, error, int((time.monotonic() - started) * 1000)


def attempt(delivery_id: int, *, client: httpx.Client, now: dt.datetime | None = None,
            creditor_codes: dict[int, str] | None = None) -> str | None:
    """Try one delivery if it is due; return its new status, or None if it was not ours to send."""
    now = now or timezone.now()
    if not claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("subscription", "event").get(pk=delivery_id)
    creditor_id = delivery.subscription.creditor_id
    code = (creditor_codes or {}).get(creditor_id) or Creditor.objects.values_list("code", flat=True).get(
        pk=creditor_id)
    try:
        body, headers = build_request(delivery, code)
    except Exception as exc:  # e.g. a secret that no longer decrypts: a failed attempt, not a stuck row
        return record_attempt(delivery, now=now, status_code=None, error=f"request not built: {exc!r}",
                              elapsed_ms=0)
    status, error, elapsed_ms = post(client, delivery.subscription.url, body, headers)
    return record_attempt(delivery, now=now, status_code=status, error=error, elapsed_ms=elapsed_ms)


def record_attempt(delivery: WebhookDelivery, *, now: dt.datetime, status_code: int | None, error: str,
                   elapsed_ms: int) -> str:
    succeeded = not error and status_code is not None and 200 <= status_code < 300
    delivery.attempts += 1
    entry = {"at": now.isoformat(), "attempt": delivery.attempts, "status_code": status_code,
             "error": error[:200], "ms": elapsed_ms}
    delivery.attempt_log = [*delivery.attempt_log, entry][-LOG_LENGTH:]
    delivery.last_status_code, delivery.last_error, delivery.response_time_ms = status_code, error[:500], elapsed_ms
    subscription_id = delivery.subscription_id
    disable = False
    with transaction.atomic():
        if succeeded:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                WebhookDelivery.Status.SUCCEEDED, now, None)
            WebhookSubscription.objects.filter(pk=subscription_id, consecutive_failures__gt=0).update(
                consecutive_failures=0)
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.ABANDONED, None
            WebhookSubscription.objects.filter(pk=subscription_id).update(
                consecutive_failures=F("consecutive_failures") + 1)
            disable = WebhookSubscription.objects.filter(
                pk=subscription_id, is_active=True, consecutive_failures__gte=DISABLE_AFTER).exists()
        else:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save(update_fields=["status", "attempts", "attempt_log", "last_status_code", "last_error",
                                     "response_time_ms", "delivered_at", "next_attempt_at"])
        if disable:
            subscription = WebhookSubscription.objects.get(pk=subscription_id)
            services.disable_subscription(
                actor=services.WEBHOOKS, subscription=subscription,
                reason=ngettext("%(count)d delivery abandoned; last error: %(error)s",
                                "%(count)d deliveries abandoned in a row; last error: %(error)s",
                                DISABLE_AFTER) % {"count": DISABLE_AFTER, "error": error})
    return delivery.status


def deliver(delivery_ids: Iterable[int], *, now: dt.datetime | None = None) -> dict[str, int]:
    """Attempt these deliveries (those due and still to send), one after another on one client."""
    ids = list(delivery_ids)
    creditor_codes = dict(Creditor.objects.filter(
        webhook_subscriptions__deliveries__in=ids).values_list("pk", "code").distinct())
    outcome: dict[str, int] = {}
    with httpx.Client(timeout=timeout(), follow_redirects=False) as client:
        for delivery_id in ids:
            status = attempt(delivery_id, client=client, now=now, creditor_codes=creditor_codes)
            key = status or "skipped"
            outcome[key] = outcome.get(key, 0) + 1
    return outcome


def batches(rows: Iterable[tuple[int, int]]) -> list[list[int]]:
    """(delivery id, subscription id) pairs in task-sized batches, one subscription per batch, so that a
    slow endpoint holds up only its own deliveries."""
    by_subscription: dict[int, list[int]] = {}
    for delivery_id, subscription_id in rows:
        by_subscription.setdefault(subscription_id, []).append(delivery_id)
    return [ids[start:start + BATCH] for ids in by_subscription.values() for start in range(0, len(ids), BATCH)]


def due_batches(now: dt.datetime, limit: int = SWEEP_LIMIT) -> list[list[int]]:
    """Deliveries due now, oldest due first, in one query."""
    rows = WebhookDelivery.objects.filter(
        status__in=TO_SEND, next_attempt_at__lte=now, subscription__is_active=True,
    ).order_by("next_attempt_at").values_list("pk", "subscription_id")[:limit]
    return batches(rows)
