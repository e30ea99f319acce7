"""Deliveries to a real HTTP server on 127.0.0.1: signatures, retries, abandonment, disabling,
redelivery, tenancy and idempotency. Events come from posting payments through the ledger."""

import datetime as dt
import hashlib
import hmac
import json
import time

import pytest

from arrears.core.events import run_subscriber
from arrears.core.models import AuditEvent, DomainEvent
from arrears.webhooks import delivery, services
from arrears.webhooks.models import WebhookDelivery
from arrears.webhooks.subscribers import fan_out_webhooks

pytestmark = pytest.mark.django_db


def verify_as_receiver(secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """The recipe of docs/webhooks.md, written apart from arrears' own signing code."""
    timestamp, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


def test_payment_reaches_the_endpoint_signed_and_verifiable(book, subscribe, pay, receiver):
    creditor, account = book
    subscription, secret = subscribe(creditor, receiver.url)
    outcome = pay(account, "25.00")

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    event = DomainEvent.objects.get(type="payment.posted")
    assert request["path"] == "/hooks/arrears"
    assert headers["Content-Type"] == "application/json"
    assert headers["Arrears-Event-Id"] == str(event.pk)
    assert headers["Arrears-Event-Type"] == "payment.posted"
    sent = json.loads(body)
    assert sent == {"id": event.pk, "type": "payment.posted", "created": event.occurred_at.isoformat(),
                    "creditor": creditor.code, "data": event.payload}
    assert sent["data"]["payment"]["id"] == outcome.payment.pk
    assert (sent["data"]["payment"]["amount"], sent["data"]["payment"]["currency"]) == ("25.00", "EUR")

    header = headers["Arrears-Signature"]
    assert verify_as_receiver(secret, header, body)
    assert b'"25.00"' in body
    assert not verify_as_receiver(secret, header, body.replace(b'"25.00"', b'"95.00"'))  # tampered body
    assert not verify_as_receiver("whsec_other", header, body)
    replayed_at = int(header.split(",")[0][2:]) + 301
    assert not verify_as_receiver(secret, header, body, now=replayed_at)  # outside the window

    row = WebhookDelivery.objects.get()
    assert (row.subscription, row.event, row.status, row.attempts) == (subscription, event, "succeeded", 1)
    assert row.last_status_code == 200 and row.delivered_at and row.response_time_ms is not None
    assert len(row.attempt_log) == 1 and row.attempt_log[0]["status_code"] == 200


def test_failing_endpoint_is_retried_with_growing_delays_until_abandoned(
        book, subscribe, pay, receiver, sweep, settings, monkeypatch):
    monkeypatch.setattr(delivery, "_jitter", lambda: 1.0)  # the top of each jitter range
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    creditor, account = book
    subscribe(creditor, receiver.url)
    receiver.status = 500
    pay(account)

    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 1, 500)
    delays, attempted_at = [], None
    for attempt in range(2, delivery.MAX_ATTEMPTS + 1):
        if attempt == 4:
            receiver.delay = 1.0  # slower than the timeout
        if attempt == 5:
            receiver.server.shutdown()
            receiver.server.server_close()  # connection refused from now on
        previous = row.attempt_log[-1]["at"]
        delays.append(row.next_attempt_at - dt.datetime.fromisoformat(previous))
        attempted_at = row.next_attempt_at
        assert sweep(attempted_at - dt.timedelta(seconds=1)) == 0  # not due yet
        assert sweep(attempted_at) == 1
        row.refresh_from_db()
        assert row.attempts == attempt
        if attempt == 4:
            assert row.last_error.startswith("timeout") and row.last_status_code is None
        if attempt >= 5:
            assert row.last_error.startswith("ConnectError") and row.last_status_code is None

    assert row.status == "abandoned" and row.next_attempt_at is None
    assert len(receiver.requests) == 4
    seconds = [delay.total_seconds() for delay in delays]
    assert seconds[0] == delivery.BASE_DELAY and all(b >= a for a, b in zip(seconds, seconds[1:], strict=False))
    assert seconds[-1] == delivery.MAX_DELAY and seconds[1] == 2 * seconds[0]
    assert [entry["attempt"] for entry in row.attempt_log] == list(range(1, delivery.MAX_ATTEMPTS + 1))
    assert row.subscription.consecutive_failures == 1 and row.subscription.is_active


def test_jitter_keeps_each_delay_within_its_range():
    for failed in range(1, 15):
        ceiling = min(delivery.MAX_DELAY, delivery.BASE_DELAY * 2 ** (failed - 1))
        for _ in range(20):
            assert delivery.BASE_DELAY <= delivery.retry_delay(failed).total_seconds() <= ceiling


def test_repeated_abandonment_disables_the_subscription(book, subscribe, pay, closed_port_url, sweep):
    creditor, account = book
    subscription, _ = subscribe(creditor, closed_port_url)
    for _ in range(delivery.DISABLE_AFTER):
        pay(account)
    start = dt.datetime.now(dt.UTC)
    for day in range(1, delivery.MAX_ATTEMPTS):
        sweep(start + dt.timedelta(days=day))
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_at
    assert "abandoned in a row" in subscription.disabled_reason
    assert subscription.consecutive_failures == delivery.DISABLE_AFTER
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"abandoned"}
    audit = AuditEvent.objects.get(action="webhook_subscription.disabled")
    assert audit.actor_label == "system:webhooks" and audit.object_id == str(subscription.pk)

    pay(account)  # a disabled subscription receives nothing
    assert WebhookDelivery.objects.count() == delivery.DISABLE_AFTER


def test_a_success_resets_the_count_of_abandoned_deliveries(book, subscribe, pay, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 1)
    creditor, account = book
    subscription, _ = subscribe(creditor, receiver.url)
    receiver.status = 503
    pay(account)
    pay(account)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 2
    receiver.status = 204
    pay(account)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0 and subscription.is_active


def test_manual_redelivery_succeeds_once_the_endpoint_recovers(
        book, subscribe, pay, receiver, system, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", 2)
    creditor, account = book
    subscribe(creditor, receiver.url)
    receiver.status = 500
    pay(account)
    row = WebhookDelivery.objects.get()
    row.next_attempt_at = dt.datetime.now(dt.UTC)
    assert delivery.deliver([row.pk], now=row.next_attempt_at + dt.timedelta(hours=1)) == {"abandoned": 1}

    receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        services.redeliver(actor=system, delivery=WebhookDelivery.objects.get())
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code) == ("succeeded", 3, 200)
    assert len(receiver.requests) == 3
    assert AuditEvent.objects.filter(action="webhook_delivery.redelivered", object_id=str(row.pk)).exists()


def test_events_of_another_creditor_never_reach_a_subscription(
        book, subscribe, pay, receiver, make_creditor, make_portfolio, make_account):
    creditor, _ = book
    subscribe(creditor, receiver.url, ["*"])
    other = make_creditor(code="beta-fund", kind="fund")
    other_account = make_account(make_portfolio(other, code="beta-1"))
    pay(other_account)
    assert DomainEvent.objects.filter(type="payment.posted", creditor_id=other.pk).exists()
    # The dispatcher also handed out the creditor's own placement, still waiting in the outbox; only that
    # reached the subscription.
    assert [d.event.creditor_id for d in WebhookDelivery.objects.select_related("event")] == [creditor.pk]
    assert [json.loads(r["body"])["type"] for r in receiver.requests] == ["account.placed"]


def test_unwanted_event_types_are_not_delivered(book, subscribe, pay, receiver):
    creditor, account = book
    subscribe(creditor, receiver.url, ["payment.reversed"])
    pay(account)
    assert WebhookDelivery.objects.count() == 0 and receiver.requests == []


def test_a_repeated_subscriber_task_creates_one_delivery_and_sends_once(
        book, subscribe, pay, receiver, django_capture_on_commit_callbacks):
    creditor, account = book
    subscribe(creditor, receiver.url)
    pay(account)
    event = DomainEvent.objects.get(type="payment.posted")
    key = f"{fan_out_webhooks.__module__}.{fan_out_webhooks.__qualname__}"
    with django_capture_on_commit_callbacks(execute=True):
        run_subscriber.enqueue(key, [event.pk])
    assert WebhookDelivery.objects.count() == 1 and len(receiver.requests) == 1

    # Twice more before anything is sent: still one delivery and one request.
    pay(account)
    second = DomainEvent.objects.filter(type="payment.posted").latest("pk")
    WebhookDelivery.objects.filter(event=second).delete()
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fan_out_webhooks([second])
        fan_out_webhooks([second])
    assert WebhookDelivery.objects.filter(event=second).count() == 1 and len(receiver.requests) == 1


def test_rotation_signs_with_both_secrets_until_the_overlap_ends(book, subscribe, pay, receiver, system):
    creditor, account = book
    subscription, old_secret = subscribe(creditor, receiver.url)
    new_secret = services.rotate_secret(actor=system, subscription=subscription)
    pay(account)
    request = receiver.requests[-1]
    header = request["headers"]["Arrears-Signature"]
    assert header.count("v1=") == 2
    assert verify_as_receiver(new_secret, header, request["body"])
    assert verify_as_receiver(old_secret, header, request["body"])
    later = dt.datetime.now(dt.UTC) + services.ROTATION_OVERLAP + dt.timedelta(seconds=1)
    subscription.refresh_from_db()
    assert services.signing_secrets(subscription, now=later) == [new_secret]


def test_a_redirect_is_a_failure_and_is_not_followed(book, subscribe, pay, receiver):
    creditor, account = book
    subscribe(creditor, receiver.url)
    receiver.status = 302
    pay(account)
    row = WebhookDelivery.objects.get()
    assert (row.status, row.last_status_code, row.attempts) == ("failed", 302, 1)
    assert row.last_error.startswith("HTTP 302") and len(receiver.requests) == 1
    assert row.next_attempt_at > row.created_at
