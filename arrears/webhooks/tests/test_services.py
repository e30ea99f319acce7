"""Subscription services: validation, authorization, encrypted secrets and one audit event per write;
the signing module's own verify()."""

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from arrears.core.crypto import decrypt
from arrears.core.models import AuditEvent
from arrears.core.roles import Role
from arrears.webhooks import services, signing
from arrears.webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.com/arrears"


def audit_actions(subscription) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(subscription.pk), object_type__startswith="webhooks.")
                .order_by("pk").values_list("action", flat=True))


def test_each_service_writes_its_audit_event(system, make_creditor):
    creditor = make_creditor()
    subscription, secret = services.create_subscription(actor=system, creditor=creditor, url=URL,
                                                        event_types=["payment.posted", "payment.reversed"])
    services.update_subscription(actor=system, subscription=subscription, event_types=["*"])
    services.rotate_secret(actor=system, subscription=subscription)
    services.disable_subscription(actor=system, subscription=subscription, reason="Endpoint moved")
    services.enable_subscription(actor=system, subscription=subscription)
    assert audit_actions(subscription) == [
        "webhook_subscription.created", "webhook_subscription.updated", "webhook_subscription.secret_rotated",
        "webhook_subscription.disabled", "webhook_subscription.enabled"]
    created = AuditEvent.objects.get(action="webhook_subscription.created")
    assert created.creditor_id == creditor.pk and created.after["url"] == URL
    assert secret not in str(list(AuditEvent.objects.values_list("before", "after")))


def test_secret_is_encrypted_at_rest_and_shown_once(system, make_creditor):
    subscription, secret = services.create_subscription(actor=system, creditor=make_creditor(), url=URL,
                                                        event_types=["*"])
    stored = WebhookSubscription.objects.get().secret_encrypted
    assert secret.startswith("whsec_") and secret not in stored
    assert decrypt(stored, services.SECRET_CONTEXT) == secret
    assert services.signing_secrets(subscription) == [secret]


def test_enable_resets_the_failure_count(system, make_creditor):
    subscription, _ = services.create_subscription(actor=system, creditor=make_creditor(), url=URL,
                                                   event_types=["*"])
    WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=4)
    subscription.refresh_from_db()
    services.disable_subscription(actor=system, subscription=subscription, reason="maintenance")
    with pytest.raises(ValidationError):
        services.disable_subscription(actor=system, subscription=subscription, reason="again")
    services.enable_subscription(actor=system, subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 0 and not subscription.disabled_reason


@pytest.mark.parametrize("url", [
    "http://hooks.example.com/x",  # not HTTPS
    "https://user:pw@hooks.example.com/x",
    "https://10.1.2.3/x",  # private address
    "https://169.254.169.254/latest",  # cloud metadata
    "ftp://hooks.example.com/x",
    "not a url",
])
def test_endpoint_must_be_a_public_https_url(system, make_creditor, url):
    with pytest.raises(ValidationError) as error:
        services.create_subscription(actor=system, creditor=make_creditor(), url=url, event_types=["*"])
    assert "url" in error.value.message_dict


def test_local_http_is_allowed_only_in_development_or_tests(system, make_creditor, settings):
    creditor = make_creditor()
    services.create_subscription(actor=system, creditor=creditor, url="http://127.0.0.1:8080/h", event_types=["*"])
    settings.DEBUG, settings.TESTING = False, False
    for url in ("http://127.0.0.1:8080/h", "https://localhost/h"):
        with pytest.raises(ValidationError):
            services.create_subscription(actor=system, creditor=creditor, url=url, event_types=["*"])


def test_event_types_are_checked(system, make_creditor):
    creditor = make_creditor()
    for types in ([], ["payment.exploded"]):
        with pytest.raises(ValidationError) as error:
            services.create_subscription(actor=system, creditor=creditor, url=URL, event_types=types)
        assert "event_types" in error.value.message_dict
    subscription, _ = services.create_subscription(actor=system, creditor=creditor, url=URL,
                                                   event_types=["payment.posted", "*"])
    assert subscription.event_types == ["*"]


def test_only_creditor_managers_of_that_creditor_may_subscribe(system, make_creditor, make_user):
    creditor = make_creditor()
    for user in (make_user("agent1", Role.AGENT, [creditor]), make_user("bank1", Role.CREDITOR, [creditor])):
        with pytest.raises(PermissionDenied):
            services.create_subscription(actor=user, creditor=creditor, url=URL, event_types=["*"])
    admin = make_user("admin1", Role.ADMIN)
    subscription, _ = services.create_subscription(actor=admin, creditor=creditor, url=URL, event_types=["*"])
    assert subscription.created_by == admin
    assert AuditEvent.objects.get(action="webhook_subscription.created").actor == admin


def test_subscriptions_and_deliveries_are_scoped_to_the_users_creditors(system, make_creditor, make_user):
    alpha, beta = make_creditor(), make_creditor(code="beta-fund")
    services.create_subscription(actor=system, creditor=alpha, url=URL, event_types=["*"])
    services.create_subscription(actor=system, creditor=beta, url=URL, event_types=["*"])
    user = make_user("alpha-user", Role.CREDITOR, [alpha])
    assert list(WebhookSubscription.objects.visible_to(user).values_list("creditor", flat=True)) == [alpha.pk]
    assert WebhookDelivery.objects.visible_to(user).count() == 0


def test_redelivery_needs_an_active_subscription(system, make_creditor, book_event):
    subscription, _ = services.create_subscription(actor=system, creditor=make_creditor(), url=URL,
                                                   event_types=["*"])
    row = WebhookDelivery.objects.create(subscription=subscription, event=book_event(subscription.creditor_id),
                                         event_type="account.placed", status="abandoned", attempts=12)
    services.disable_subscription(actor=system, subscription=subscription, reason="gone")
    with pytest.raises(ValidationError):
        services.redeliver(actor=system, delivery=row)


@pytest.fixture
def book_event():
    from arrears.core.events import emit

    return lambda creditor_id: emit("account.placed", creditor_id=creditor_id, payload={})


def test_verify_accepts_a_fresh_signature_and_rejects_the_rest():
    body = b'{"id":1}'
    now = int(time.time())
    header = signing.sign(["whsec_new", "whsec_old"], body, timestamp=now)
    assert signing.verify("whsec_old", header, body) == now
    assert signing.verify("whsec_new", header, body, now=now + 300) == now
    bad = [("whsec_new", header, b'{"id":2}', now),  # tampered
           ("whsec_other", header, body, now),  # wrong secret
           ("whsec_new", header, body, now + 301),  # replayed after the window
           ("whsec_new", header, body, now - 301),  # from the future
           ("whsec_new", "v1=abc", body, now),  # no timestamp
           ("whsec_new", f"t={now}", body, now),  # no signature
           ("whsec_new", "t=soon,v1=abc", body, now)]
    for secret, value, payload, at in bad:
        with pytest.raises(signing.SignatureError):
            signing.verify(secret, value, payload, now=at)
