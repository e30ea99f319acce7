"""Every write to webhook subscriptions and deliveries made on someone's behalf: validated, audited.

Managing a creditor's endpoints is part of managing the creditor, so these services ask for
`manage_creditors` on that creditor.
"""

import datetime as dt
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import SystemActor, authorize
from arrears.core.audit import record, snapshot
from arrears.core.crypto import decrypt, encrypt
from arrears.core.events import EVENT_TYPES, WILDCARD
from arrears.webhooks.models import WebhookDelivery, WebhookSubscription
from arrears.webhooks.signing import generate_secret

SUBSCRIPTION_FIELDS = ["url", "event_types", "is_active", "disabled_reason", "consecutive_failures"]
SECRET_CONTEXT = "webhook-secret"  # noqa: S105 - associated data for encryption, not a secret
# After a rotation the old secret keeps signing this long, so receivers can switch without a gap.
ROTATION_OVERLAP = dt.timedelta(hours=24)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
WEBHOOKS = SystemActor("webhooks")


def _allows_local_endpoints() -> bool:
    return bool(settings.DEBUG or getattr(settings, "TESTING", False))


def clean_url(url: str) -> str:
    """HTTPS only. Plain HTTP, and local or private addresses, only for localhost while developing or
    testing: in production an endpoint must be a public HTTPS address (no requests into our network)."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": _("Enter a valid URL.")}) from None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        raise ValidationError({"url": _("The URL must not contain a user name or password.")})
    local = host in LOCAL_HOSTS
    if local and not _allows_local_endpoints():
        raise ValidationError({"url": _("Local addresses may receive webhooks only in development.")})
    if parts.scheme != "https" and not (local and _allows_local_endpoints()):
        raise ValidationError({"url": _("The URL must use HTTPS.")})
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and not local and not address.is_global:
        raise ValidationError({"url": _("The URL must not point to a private or reserved address.")})
    return url


def clean_event_types(event_types) -> list[str]:
    names = list(dict.fromkeys(event_types or []))
    if not names:
        raise ValidationError({"event_types": _("Choose at least one event type.")})
    unknown = [name for name in names if name != WILDCARD and name not in EVENT_TYPES]
    if unknown:
        raise ValidationError({"event_types": _("Unknown event types: %(names)s.") % {"names": ", ".join(unknown)}})
    return [WILDCARD] if WILDCARD in names else sorted(names)


def clean_subscription_values(values: dict) -> dict:
    """The admin form's validation, the same as the service's."""
    errors = {}
    for name, clean in (("url", clean_url), ("event_types", clean_event_types)):
        if name in values:
            try:
                values[name] = clean(values[name])
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return values


def signing_secrets(subscription: WebhookSubscription, now: dt.datetime | None = None) -> list[str]:
    """The secrets that sign a request now: the current one, then the previous one during a rotation."""
    now = now or timezone.now()
    found = [decrypt(subscription.secret_encrypted, SECRET_CONTEXT)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_encrypted and expires and expires > now:
        found.append(decrypt(subscription.previous_secret_encrypted, SECRET_CONTEXT))
    return found


def _user_or_none(actor):
    return actor if getattr(actor, "_meta", None) is not None else None


def create_subscription(*, actor, creditor, url: str, event_types: list[str]) -> tuple[WebhookSubscription, str]:
    """Subscribe an endpoint; returns the subscription and its signing secret, which is never shown again."""
    authorize(actor, roles.MANAGE_CREDITORS, creditor.pk)
    values = clean_subscription_values({"url": url, "event_types": event_types})
    secret = generate_secret()
    subscription = WebhookSubscription(creditor=creditor, secret_encrypted=encrypt(secret, SECRET_CONTEXT),
                                       created_by=_user_or_none(actor), **values)
    with transaction.atomic():
        subscription.save()
        record(actor=actor, action="webhook_subscription.created", obj=subscription, creditor_id=creditor.pk,
               after=snapshot(subscription, SUBSCRIPTION_FIELDS))
    return subscription, secret


def update_subscription(*, actor, subscription: WebhookSubscription, **changes) -> WebhookSubscription:
    """Change the URL or the event types."""
    authorize(actor, roles.MANAGE_CREDITORS, subscription.creditor_id)
    changes = clean_subscription_values({k: v for k, v in changes.items() if k in ("url", "event_types")})
    before = snapshot(subscription, SUBSCRIPTION_FIELDS)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(subscription, name, value)
        subscription.save(update_fields=list(changes))
        record(actor=actor, action="webhook_subscription.updated", obj=subscription,
               creditor_id=subscription.creditor_id, before=before, after=snapshot(subscription, SUBSCRIPTION_FIELDS))
    return subscription


def rotate_secret(*, actor, subscription: WebhookSubscription) -> str:
    """Give the subscription a new secret (returned once); the old one also signs for ROTATION_OVERLAP."""
    authorize(actor, roles.MANAGE_CREDITORS, subscription.creditor_id)
    secret = generate_secret()
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        locked.previous_secret_encrypted = locked.secret_encrypted
        locked.previous_secret_expires_at = now + ROTATION_OVERLAP
        locked.secret_encrypted = encrypt(secret, SECRET_CONTEXT)
        locked.save(update_fields=["previous_secret_encrypted", "previous_secret_expires_at", "secret_encrypted"])
        record(actor=actor, action="webhook_subscription.secret_rotated", obj=locked,
               creditor_id=locked.creditor_id, after={"previous_secret_expires_at": now.isoformat()})
    for name in ("previous_secret_encrypted", "previous_secret_expires_at", "secret_encrypted"):
        setattr(subscription, name, getattr(locked, name))
    return secret


def disable_subscription(*, actor, subscription: WebhookSubscription, reason: str) -> WebhookSubscription:
    """Stop sending. Deliveries still waiting are abandoned: the receiver catches up from the event
    feed or by manual redelivery, rather than by a flood of stale events on re-enabling."""
    authorize(actor, roles.MANAGE_CREDITORS, subscription.creditor_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the subscription is disabled.")})
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if not locked.is_active:
            raise ValidationError(_("The subscription is already disabled."))
        before = snapshot(locked, SUBSCRIPTION_FIELDS)
        locked.is_active, locked.disabled_at, locked.disabled_reason = False, now, reason[:200]
        locked.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
        abandoned = WebhookDelivery.objects.filter(
            subscription=locked, status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED],
        ).update(status=WebhookDelivery.Status.ABANDONED, next_attempt_at=None,
                 last_error=_("Subscription disabled.")[:500])
        after = {**snapshot(locked, SUBSCRIPTION_FIELDS), "deliveries_abandoned": abandoned}
        record(actor=actor, action="webhook_subscription.disabled", obj=locked, creditor_id=locked.creditor_id,
               before=before, after=after)
    subscription.is_active, subscription.disabled_at, subscription.disabled_reason = False, now, reason[:200]
    return subscription


def enable_subscription(*, actor, subscription: WebhookSubscription) -> WebhookSubscription:
    """Send again, with a clean failure count."""
    authorize(actor, roles.MANAGE_CREDITORS, subscription.creditor_id)
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.is_active:
            raise ValidationError(_("The subscription is already active."))
        before = snapshot(locked, SUBSCRIPTION_FIELDS)
        locked.is_active, locked.disabled_at, locked.disabled_reason, locked.consecutive_failures = True, None, "", 0
        locked.save(update_fields=["is_active", "disabled_at", "disabled_reason", "consecutive_failures"])
        record(actor=actor, action="webhook_subscription.enabled", obj=locked, creditor_id=locked.creditor_id,
               before=before, after=snapshot(locked, SUBSCRIPTION_FIELDS))
    subscription.is_active, subscription.disabled_at, subscription.disabled_reason = True, None, ""
    subscription.consecutive_failures = 0
    return subscription


def redeliver(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever its status (the receiver lost it, or has recovered)."""
    subscription = delivery.subscription
    authorize(actor, roles.MANAGE_CREDITORS, subscription.creditor_id)
    if not WebhookSubscription.objects.filter(pk=subscription.pk, is_active=True).exists():
        raise ValidationError(_("Enable the subscription before redelivering its events."))
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        before = {"status": locked.status, "attempts": locked.attempts}
        locked.status, locked.next_attempt_at = WebhookDelivery.Status.PENDING, now
        locked.save(update_fields=["status", "next_attempt_at"])
        record(actor=actor, action="webhook_delivery.redelivered", obj=locked,
               creditor_id=subscription.creditor_id, before=before, after={"status": locked.status})
        from arrears.webhooks.tasks import deliver_webhooks  # tasks → delivery → services

        deliver_webhooks.enqueue([locked.pk])  # the backend enqueues on commit
    delivery.status, delivery.next_attempt_at = locked.status, locked.next_attempt_at
    return delivery
