"""Online payment: provider adapters, webhook handling, the test provider's checkout page, EPC QR codes."""

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs

import httpx
import pytest
import segno.helpers
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.urls import include, path

from arrears.conftest import greek_debtor
from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.core.roles import POST_PAYMENTS, Role
from arrears.ledger.models import LedgerEntry, Payment
from arrears.payments import online, psp, services
from arrears.payments.online_models import OnlinePayment
from arrears.payments.tests.statements import COLLECTION_IBAN, OTHER_IBAN
from arrears.portfolio.services import IdentifierIn

# The line arrears/urls.py carries; here so these tests do not depend on it.
urlpatterns = [path("payments/", include("arrears.payments.online_urls"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

STRIPE_WEBHOOK_SECRET = "whsec_fixtureSecretForArrearsTests0123"
TEST_PSP_SECRET = "test-psp-secret-for-the-tests"

# Signed with Stripe's own Python library (stripe 16.1.0, WebhookSignature.generate_signature_header) and
# accepted by its verify_header: one v1 made with a rolled-over secret, one with STRIPE_WEBHOOK_SECRET, and a
# v0 (legacy test-mode scheme) that must be ignored.
STRIPE_FIXTURE_TIME = 1795000000
STRIPE_FIXTURE_PAYLOAD = (
    '{\n  "id": "evt_3QfixtureA1b2C3",\n  "object": "event",\n  "type": "payment_intent.succeeded",\n'
    '  "data": {\n    "object": {\n      "id": "pi_3QfixtureA1b2C3",\n      "object": "payment_intent",\n'
    '      "amount": 2500,\n      "amount_received": 2500,\n      "currency": "eur",\n'
    '      "description": "Οφειλή ACC-00001 — παράδειγμα"\n    }\n  }\n}').encode()
STRIPE_FIXTURE_HEADER = (
    "t=1795000000,"
    "v1=3df283b57f6167ec0fca847e1bf4d46f61d8f0eb8cbcc042fcca786f274120d8,"
    "v1=a32f08d47dc3a63e849aa22ac29f2c9bbc24aa7477057991c0bfe1161d2c3add,"
    "v0=33090c4fa1658bf37bf9e1cfa18095a81936fcbf8657be71c0721e6289f3c296")


def stripe_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's documented signing, written out here apart from psp.py: HMAC-SHA256 of "<t>.<body>"."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{payload.decode('utf-8')}".encode()
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def intent_event(event_type: str, intent_id: str, amount: int, currency: str = "eur", **intent) -> bytes:
    body = {"id": f"evt_{intent_id}_{event_type}", "object": "event", "type": event_type,
            "data": {"object": {"id": intent_id, "object": "payment_intent", "amount": amount,
                                "amount_received": amount if event_type.endswith("succeeded") else 0,
                                "currency": currency, **intent}}}
    return json.dumps(body, indent=2).encode()


@pytest.fixture
def account(portfolio, collection_account, make_account):
    return make_account(portfolio, principal="1000.00")


@pytest.fixture
def test_provider(settings):
    settings.PAYMENT_PROVIDER = "test"
    settings.TEST_PSP_SECRET = TEST_PSP_SECRET


@dataclass
class StripeStub:
    """Stripe's API as an httpx MockTransport: records requests, answers with `status` and `body`."""

    requests: list
    status: int = 200
    body: dict | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        n = len(self.requests)
        body = self.body or {"id": f"pi_stub{n}", "object": "payment_intent", "client_secret": f"pi_stub{n}_secret_abc",
                             "status": "requires_payment_method"}
        return httpx.Response(self.status, json=body)


@pytest.fixture
def stripe_api(settings, monkeypatch):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_arrears"
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET
    stub = StripeStub(requests=[])
    monkeypatch.setattr(psp.StripeProvider, "transport", httpx.MockTransport(stub))
    return stub


def audit_of(online_payment):
    return AuditEvent.objects.filter(object_type="payments.onlinepayment", object_id=str(online_payment.pk))


def post_webhook(client, provider, payload: bytes, header: str | None):
    headers = {"Stripe-Signature": header} if header is not None else {}
    return client.post(f"/payments/webhooks/{provider}/", data=payload, content_type="application/json",
                       headers=headers)


# --- Stripe's signature scheme ---------------------------------------------------------------------------

def test_stripe_signed_fixture_is_accepted_and_its_v0_ignored():
    stripe = psp.StripeProvider(webhook_secret=STRIPE_WEBHOOK_SECRET)
    event = stripe.verify_webhook(STRIPE_FIXTURE_PAYLOAD, STRIPE_FIXTURE_HEADER, now=STRIPE_FIXTURE_TIME + 10)
    assert event["data"]["object"]["id"] == "pi_3QfixtureA1b2C3"
    # The v0 alone does not verify: only v1 counts.
    v0_only = "t=1795000000,v0=33090c4fa1658bf37bf9e1cfa18095a81936fcbf8657be71c0721e6289f3c296"
    with pytest.raises(psp.WebhookRefused) as refused:
        stripe.verify_webhook(STRIPE_FIXTURE_PAYLOAD, v0_only, now=STRIPE_FIXTURE_TIME)
    assert refused.value.code == "no_signature"


def test_our_signer_and_an_independent_one_agree():
    for payload in (b"{}", STRIPE_FIXTURE_PAYLOAD, "{\"name\": \"Łódź €\"}".encode()):
        assert psp.signature_header(payload, "whsec_x", 1700000000) == stripe_header(payload, "whsec_x", 1700000000)
        psp.verify_signature(payload, stripe_header(payload, "whsec_x", 1700000000), "whsec_x", now=1700000001)


@pytest.mark.parametrize(("secret", "payload", "header", "now", "code", "message"), [
    ("whsec_wrong", STRIPE_FIXTURE_PAYLOAD, STRIPE_FIXTURE_HEADER, STRIPE_FIXTURE_TIME, "bad_signature",
     "No v1 signature matches"),
    (STRIPE_WEBHOOK_SECRET, STRIPE_FIXTURE_PAYLOAD.replace(b"2500", b"2501"), STRIPE_FIXTURE_HEADER,
     STRIPE_FIXTURE_TIME, "bad_signature", "No v1 signature matches"),
    (STRIPE_WEBHOOK_SECRET, STRIPE_FIXTURE_PAYLOAD, STRIPE_FIXTURE_HEADER.replace("t=1795000000", "t=1795000001"),
     STRIPE_FIXTURE_TIME, "bad_signature", "No v1 signature matches"),
    (STRIPE_WEBHOOK_SECRET, STRIPE_FIXTURE_PAYLOAD, STRIPE_FIXTURE_HEADER, STRIPE_FIXTURE_TIME + 301, "too_old",
     "301 seconds old"),
    (STRIPE_WEBHOOK_SECRET, STRIPE_FIXTURE_PAYLOAD, "", STRIPE_FIXTURE_TIME, "missing_header",
     "no Stripe-Signature header"),
    (STRIPE_WEBHOOK_SECRET, STRIPE_FIXTURE_PAYLOAD, None, STRIPE_FIXTURE_TIME, "missing_header",
     "no Stripe-Signature header"),
    (STRIPE_WEBHOOK_SECRET, STRIPE_FIXTURE_PAYLOAD, "v1=" + "0" * 64, STRIPE_FIXTURE_TIME, "malformed_header",
     "no timestamp"),
    (STRIPE_WEBHOOK_SECRET, STRIPE_FIXTURE_PAYLOAD, "t=1795000000,v1=ü€", STRIPE_FIXTURE_TIME, "bad_signature",
     "No v1 signature matches"),
    ("", STRIPE_FIXTURE_PAYLOAD, STRIPE_FIXTURE_HEADER, STRIPE_FIXTURE_TIME, "no_secret", "No webhook signing"),
])
def test_signatures_that_do_not_verify_are_refused(secret, payload, header, now, code, message):
    with pytest.raises(psp.WebhookRefused, match=message) as refused:
        psp.StripeProvider(webhook_secret=secret).verify_webhook(payload, header, now=now)
    assert refused.value.code == code


def test_the_first_timestamp_counts_as_in_stripes_library():
    stripe = psp.StripeProvider(webhook_secret=STRIPE_WEBHOOK_SECRET)
    timestamp, rest = STRIPE_FIXTURE_HEADER.split(",", 1)
    stripe.verify_webhook(STRIPE_FIXTURE_PAYLOAD, f"{timestamp},t=1,{rest}", now=STRIPE_FIXTURE_TIME)
    with pytest.raises(psp.WebhookRefused):
        stripe.verify_webhook(STRIPE_FIXTURE_PAYLOAD, f"t=1,{timestamp},{rest}", now=STRIPE_FIXTURE_TIME)


def test_tolerance_is_300_seconds():
    stripe = psp.StripeProvider(webhook_secret=STRIPE_WEBHOOK_SECRET)
    stripe.verify_webhook(STRIPE_FIXTURE_PAYLOAD, STRIPE_FIXTURE_HEADER, now=STRIPE_FIXTURE_TIME + 300)
    with pytest.raises(psp.WebhookRefused):
        stripe.verify_webhook(STRIPE_FIXTURE_PAYLOAD, STRIPE_FIXTURE_HEADER, now=STRIPE_FIXTURE_TIME + 300.5)


def test_a_verified_body_must_be_an_event():
    header = stripe_header(b"[1, 2]", STRIPE_WEBHOOK_SECRET)
    with pytest.raises(psp.WebhookRefused) as refused:
        psp.StripeProvider(webhook_secret=STRIPE_WEBHOOK_SECRET).verify_webhook(b"[1, 2]", header)
    assert refused.value.code == "not_event"


# --- Stripe's PaymentIntents API, contract-tested ---------------------------------------------------------

def test_intent_request_carries_the_form_fields_key_and_idempotency_key():
    stub = StripeStub(requests=[])
    stripe = psp.StripeProvider(secret_key="sk_test_123", transport=httpx.MockTransport(stub))
    intent = stripe.create_intent(amount=Money(1234, "EUR"), idempotency_key="arrears-online-payment-9-1",
                                  metadata={"account": "7", "online_payment": "9"})
    assert intent == psp.Intent("pi_stub1", "pi_stub1_secret_abc", "requires_payment_method")
    (request,) = stub.requests
    assert request.method == "POST" and str(request.url) == "https://api.stripe.com/v1/payment_intents"
    assert request.headers["Authorization"] == "Bearer sk_test_123"
    assert request.headers["Idempotency-Key"] == "arrears-online-payment-9-1"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode(), strict_parsing=True) == {
        "amount": ["1234"], "currency": ["eur"], "automatic_payment_methods[enabled]": ["true"],
        "metadata[account]": ["7"], "metadata[online_payment]": ["9"]}


def test_stripe_error_json_becomes_a_clear_validation_error():
    stub = StripeStub(requests=[], status=400, body={"error": {
        "type": "invalid_request_error", "code": "amount_too_small",
        "message": "Amount must be at least €0.50 eur"}})
    stripe = psp.StripeProvider(secret_key="sk_test_123", transport=httpx.MockTransport(stub))
    with pytest.raises(ValidationError) as refused:
        stripe.create_intent(amount=Money(10, "EUR"), idempotency_key="k", metadata={})
    assert refused.value.code == "provider_refused"
    assert refused.value.messages == ["The card payment service refused to start the payment: Amount must be at "
                                      "least €0.50 eur (amount_too_small, HTTP 400)"]


def test_unreachable_stripe_is_a_validation_error_and_a_missing_key_a_configuration_error():
    def down(request):
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ValidationError, match="could not be reached") as refused:
        psp.StripeProvider(secret_key="sk_test_123", transport=httpx.MockTransport(down)).create_intent(
            amount=Money(1000, "EUR"), idempotency_key="k", metadata={})
    assert refused.value.code == "provider_unreachable"
    with pytest.raises(ImproperlyConfigured, match="STRIPE_SECRET_KEY"):
        psp.StripeProvider(secret_key="").create_intent(amount=Money(1000, "EUR"), idempotency_key="k", metadata={})


def test_amounts_are_counted_in_stripes_units():
    stripe = psp.StripeProvider(secret_key="sk", webhook_secret="whsec")
    assert stripe.to_stripe_amount(Money(1234, "EUR")) == 1234
    assert stripe.to_stripe_amount(Money(500, "JPY")) == 500
    assert stripe.to_stripe_amount(Money(500, "ISK")) == 50000  # ISO: no decimals; Stripe: two, always 00
    assert stripe.to_stripe_amount(Money(12340, "KWD")) == 12340
    with pytest.raises(ValidationError, match="fewer decimals"):
        stripe.to_stripe_amount(Money(12345, "KWD"))  # Stripe takes three-decimal amounts in tens
    assert stripe.amount_received({"id": "pi", "amount": 50000, "currency": "isk"}) == Money(500, "ISK")
    assert stripe.amount_received({"id": "pi", "amount": 9, "amount_received": 7, "currency": "eur"}) == Money(7, "EUR")
    for broken in ({"id": "pi", "amount": 50050, "currency": "isk"}, {"id": "pi", "amount": "12", "currency": "eur"},
                   {"id": "pi", "amount": 12, "currency": "zzz"}, {"id": "pi", "currency": "eur"}):
        with pytest.raises(ValidationError, match="no valid amount"):
            stripe.amount_received(broken)


# --- Starting a payment -----------------------------------------------------------------------------------

def test_starting_a_stripe_payment_opens_one_intent_keyed_by_the_payment(system, account, stripe_api):
    online_payment = online.start_online_payment(actor=system, account=account, amount=Money.of("250.00", "EUR"))
    (request,) = stripe_api.requests
    assert request.headers["Idempotency-Key"] == online.idempotency_key(online_payment)
    assert str(online_payment.pk) in online.idempotency_key(online_payment)
    form = parse_qs(request.content.decode())
    assert form["amount"] == ["25000"] and form["currency"] == ["eur"]
    assert form["metadata[account]"] == [str(account.pk)]
    assert form["metadata[online_payment]"] == [str(online_payment.pk)]
    online_payment.refresh_from_db()
    assert (online_payment.provider, online_payment.provider_ref, online_payment.status) == ("stripe", "pi_stub1",
                                                                                          "created")
    assert online_payment.client_secret == "pi_stub1_secret_abc"
    assert (online_payment.amount_minor, online_payment.currency, online_payment.creditor_id) == (
        25000, "EUR", account.creditor_id)
    events = audit_of(online_payment).order_by("pk")
    assert [e.action for e in events] == ["online_payment.started", "online_payment.opened"]
    assert all("secret" not in json.dumps([e.before, e.after]) for e in events)


def test_a_provider_refusal_leaves_the_payment_failed_with_its_reason(system, account, stripe_api):
    stripe_api.status, stripe_api.body = 402, {"error": {"type": "card_error", "message": "Your account is frozen"}}
    with pytest.raises(ValidationError, match="Your account is frozen"):
        online.start_online_payment(actor=system, account=account, amount="10.00")
    online_payment = OnlinePayment.objects.get()
    assert online_payment.status == "failed" and "Your account is frozen" in online_payment.failure_message
    assert online_payment.provider_ref == "" and online_payment.completed_at is not None
    assert audit_of(online_payment).filter(action="online_payment.failed").exists()


@pytest.mark.parametrize(("amount", "code"), [
    ("12.345", "precision"),
    ("-5.00", "not_positive"),
    ("0", "not_positive"),
    (Money(-100, "EUR"), "not_positive"),
    ("1000.01", "above_balance"),
    (Money(1000, "PLN"), "currency"),
    ("ten", "invalid"),
])
def test_amounts_that_cannot_be_paid_are_refused(system, account, test_provider, amount, code):
    with pytest.raises(ValidationError) as refused:
        online.start_online_payment(actor=system, account=account, amount=amount)
    assert [e.code for e in refused.value.error_dict["amount"]] == [code]
    assert not OnlinePayment.objects.exists()


def test_the_whole_balance_may_be_paid_but_not_on_a_paid_account(system, account, test_provider):
    online_payment = online.start_online_payment(actor=system, account=account, amount="1000.00")
    assert online_payment.provider_ref.startswith("test_pi_") and online_payment.client_secret == ""
    account.status = account.Status.RECALLED
    account.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="not in collection"):
        online.start_online_payment(actor=system, account=account, amount="1.00")


@dataclass(frozen=True)
class Debtor:
    """A portal debtor as services see one (the portal's own actor has this shape)."""

    debtor_id: int
    creditors: frozenset
    is_authenticated = True
    sees_all_creditors = False
    audit_label = "debtor:test"

    def may(self, action):
        return action == POST_PAYMENTS

    def creditor_ids(self):
        return self.creditors


def test_only_the_accounts_debtors_and_the_creditors_staff_may_start(system, account, portfolio, make_account,
                                                                     make_creditor, make_user, test_provider):
    own = Debtor(account.debtor_links.get().debtor_id, frozenset({account.creditor_id}))
    assert online.start_online_payment(actor=own, account=account, amount="5.00").account_id == account.pk
    other_account = make_account(portfolio, debtor=greek_debtor(identifiers=[IdentifierIn("GR-AFM", "100000003")]))
    other = Debtor(other_account.debtor_links.get().debtor_id, frozenset({account.creditor_id}))
    with pytest.raises(PermissionDenied):
        online.start_online_payment(actor=other, account=account, amount="5.00")
    outsider = make_user("outsider", Role.AGENT, creditors=[make_creditor("beta-bank")])
    with pytest.raises(PermissionDenied):
        online.start_online_payment(actor=outsider, account=account, amount="5.00")
    assert OnlinePayment.objects.count() == 1


# --- Provider events --------------------------------------------------------------------------------------

@pytest.fixture
def stripe_payment(system, account, stripe_api):
    return online.start_online_payment(actor=system, account=account, amount="250.00")


def test_a_succeeded_event_posts_the_payment_once_however_often_it_comes(client, account, stripe_payment,
                                                                          business_date):
    payload = intent_event("payment_intent.succeeded", stripe_payment.provider_ref, 25000)
    header = stripe_header(payload, STRIPE_WEBHOOK_SECRET)
    response = post_webhook(client, "stripe", payload, header)
    assert (response.status_code, response.content) == (200, b"posted")
    account.refresh_from_db()
    assert account.balance_minor == 100000 - 25000
    payment = Payment.objects.get()
    assert (payment.source, payment.external_id, payment.method, payment.amount_minor, payment.currency) == (
        "stripe", stripe_payment.provider_ref, "card", 25000, "EUR")
    assert payment.value_date == business_date
    stripe_payment.refresh_from_db()
    assert (stripe_payment.status, stripe_payment.payment_id) == ("succeeded", payment.pk)
    assert stripe_payment.completed_at is not None
    entries = LedgerEntry.objects.count()

    for attempt in range(10):  # the same delivery, and redeliveries signed afresh
        again = header if attempt % 2 else stripe_header(payload, STRIPE_WEBHOOK_SECRET)
        response = post_webhook(client, "stripe", payload, again)
        assert (response.status_code, response.content) == (200, b"already_posted")
    account.refresh_from_db()
    assert account.balance_minor == 75000
    assert Payment.objects.count() == 1 and LedgerEntry.objects.count() == entries
    assert AuditEvent.objects.filter(action="payment.posted").count() == 1
    assert AuditEvent.objects.filter(action="online_payment.succeeded").count() == 1


def test_a_redelivery_on_a_later_business_day_is_the_same_payment(client, settings, stripe_payment,
                                                                   business_date):
    payload = intent_event("payment_intent.succeeded", stripe_payment.provider_ref, 25000)
    assert post_webhook(client, "stripe", payload, stripe_header(payload, STRIPE_WEBHOOK_SECRET)).content == b"posted"
    settings.BUSINESS_DATE = "2026-11-24"
    response = post_webhook(client, "stripe", payload, stripe_header(payload, STRIPE_WEBHOOK_SECRET))
    assert (response.status_code, response.content) == (200, b"already_posted")
    assert Payment.objects.get().value_date == business_date


def test_a_conflicting_event_is_refused_and_nothing_is_posted(client, account, stripe_payment):
    def send(amount, currency="eur"):
        payload = intent_event("payment_intent.succeeded", stripe_payment.provider_ref, amount, currency)
        return post_webhook(client, "stripe", payload, stripe_header(payload, STRIPE_WEBHOOK_SECRET))

    wrong_currency = send(25000, "pln")
    assert wrong_currency.status_code == 409 and b"kept in EUR" in wrong_currency.content
    assert not Payment.objects.exists()
    assert send(25000).content == b"posted"
    conflict = send(30000)
    assert conflict.status_code == 409
    assert "already received with different details" in conflict.content.decode()
    assert Payment.objects.count() == 1 and Payment.objects.get().amount_minor == 25000
    account.refresh_from_db()
    assert account.balance_minor == 75000
    refusals = audit_of(stripe_payment).filter(action="online_payment.event_refused")
    assert [e.after["amount"] for e in refusals.order_by("pk")] == [25000, 30000]


def test_failed_and_canceled_events_mark_the_payment(account, system, stripe_payment, stripe_api):
    ref = stripe_payment.provider_ref

    def handle(event_type, **intent):
        payload = intent_event(event_type, ref, 25000, **intent)
        return online.handle_provider_event(provider_name="stripe", payload=payload,
                                            signature_header=stripe_header(payload, STRIPE_WEBHOOK_SECRET))

    declined = {"last_payment_error": {"message": "Your card was declined."}}
    assert handle("payment_intent.payment_failed", **declined) == "marked_failed"
    stripe_payment.refresh_from_db()
    assert (stripe_payment.status, stripe_payment.failure_message) == ("failed", "Your card was declined.")
    assert handle("payment_intent.payment_failed", **declined) == "already_recorded"
    assert handle("payment_intent.canceled", cancellation_reason="abandoned") == "marked_canceled"
    stripe_payment.refresh_from_db()
    assert (stripe_payment.status, stripe_payment.failure_message) == ("canceled", "abandoned")
    assert handle("payment_intent.payment_failed", **declined) == "stale"
    assert not Payment.objects.exists()
    actions = list(audit_of(stripe_payment).values_list("action", flat=True))
    assert actions.count("online_payment.failed") == 1 and actions.count("online_payment.canceled") == 1

    # A failed attempt may be followed by a success (another card); a late failure leaves the success alone.
    retried = online.start_online_payment(actor=system, account=account, amount="100.00")
    ref = retried.provider_ref
    assert handle("payment_intent.payment_failed", **declined) == "marked_failed"
    payload = intent_event("payment_intent.succeeded", ref, 10000)
    assert online.handle_provider_event(provider_name="stripe", payload=payload, signature_header=stripe_header(
        payload, STRIPE_WEBHOOK_SECRET)) == "posted"
    assert handle("payment_intent.payment_failed", **declined) == "stale"
    retried.refresh_from_db()
    assert retried.status == "succeeded" and retried.failure_message == ""


def test_events_for_unknown_intents_or_of_other_types_are_ignored(client, stripe_payment):
    for payload in (intent_event("payment_intent.succeeded", "pi_not_ours", 25000),
                    intent_event("payment_intent.created", stripe_payment.provider_ref, 25000),
                    intent_event("charge.refunded", stripe_payment.provider_ref, 25000)):
        response = post_webhook(client, "stripe", payload, stripe_header(payload, STRIPE_WEBHOOK_SECRET))
        assert (response.status_code, response.content) == (200, b"ignored")
    assert not Payment.objects.exists()


def test_the_endpoint_refuses_unsigned_requests_in_plain_words(client, stripe_payment):
    payload = intent_event("payment_intent.succeeded", stripe_payment.provider_ref, 25000)
    header = stripe_header(payload, STRIPE_WEBHOOK_SECRET)
    tampered = post_webhook(client, "stripe", payload.replace(b"25000", b"2500000"), header)
    assert tampered.status_code == 400 and tampered["Content-Type"].startswith("text/plain")
    assert tampered.content.decode().startswith("No v1 signature matches the request body")
    missing = post_webhook(client, "stripe", payload, None)
    assert (missing.status_code, missing.content.decode()) == (400, "The request has no Stripe-Signature header.")
    old = post_webhook(client, "stripe", payload, stripe_header(payload, STRIPE_WEBHOOK_SECRET, int(time.time()) - 600))
    assert old.status_code == 400 and "seconds old" in old.content.decode()
    assert not Payment.objects.exists()


def test_webhooks_of_providers_not_configured_are_not_found(client, settings, stripe_payment):
    payload = intent_event("payment_intent.succeeded", stripe_payment.provider_ref, 25000)
    # The test provider's endpoint is closed while Stripe is the provider.
    assert post_webhook(client, "test", payload, stripe_header(payload, TEST_PSP_SECRET)).status_code == 404
    assert post_webhook(client, "paypal", payload, "t=1,v1=0").status_code == 404
    assert client.get("/payments/webhooks/stripe/").status_code == 405
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert post_webhook(client, "stripe", payload, stripe_header(payload, "")).status_code == 404


def test_test_provider_events_take_the_same_signed_path(client, system, account, test_provider):
    online_payment = online.start_online_payment(actor=system, account=account, amount="40.00")
    payload = intent_event("payment_intent.succeeded", online_payment.provider_ref, 4000)
    forged = post_webhook(client, "test", payload, stripe_header(payload, "guessed-secret"))
    assert forged.status_code == 400
    signed = post_webhook(client, "test", payload, stripe_header(payload, TEST_PSP_SECRET))
    assert (signed.status_code, signed.content) == (200, b"posted")
    assert Payment.objects.get().source == "test"


# --- The test provider's checkout page -------------------------------------------------------------------

@pytest.fixture
def test_payment(system, account, test_provider):
    return online.start_online_payment(actor=system, account=account, amount="100.00")


def test_checkout_page_pay_posts_the_payment(client, account, test_payment):
    url = f"/payments/test-psp/{test_payment.provider_ref}/"
    page = client.get(url, {"next": "/portal/"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Test payment provider — no real money moves" in text
    assert 'value="pay">Pay</button>' in text and 'value="decline">Decline</button>' in text
    assert '<input type="hidden" name="next" value="/portal/">' in text

    response = client.post(url, {"action": "pay", "next": "/portal/"})
    assert (response.status_code, response["Location"]) == (302, "/portal/")
    account.refresh_from_db()
    assert account.balance_minor == 100000 - 10000
    test_payment.refresh_from_db()
    assert test_payment.status == "succeeded" and test_payment.payment.source == "test"
    again = client.post(url, {"action": "pay"})
    assert "had been received already" in again.content.decode()
    assert Payment.objects.count() == 1


def test_checkout_page_decline_marks_the_payment_failed(client, account, test_payment):
    url = f"/payments/test-psp/{test_payment.provider_ref}/"
    page = client.post(url, {"action": "decline"})
    assert page.status_code == 200 and "The payment was declined." in page.content.decode()
    test_payment.refresh_from_db()
    assert test_payment.status == "failed" and "test payment provider" in test_payment.failure_message
    account.refresh_from_db()
    assert account.balance_minor == 100000 and not Payment.objects.exists()
    assert client.post(url, {"action": "refund"}).status_code == 400


@pytest.mark.parametrize("next_url", ["https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)",
                                      "portal/"])
def test_checkout_page_redirects_only_to_local_paths(client, test_payment, next_url):
    response = client.post(f"/payments/test-psp/{test_payment.provider_ref}/", {"action": "pay", "next": next_url})
    assert response.status_code == 200 and "Payment received." in response.content.decode()
    assert "elsewhere" not in response.content.decode()


def test_checkout_page_exists_only_for_the_test_provider(client, settings, test_payment):
    assert client.get("/payments/test-psp/test_pi_unknown/").status_code == 404
    settings.PAYMENT_PROVIDER = "stripe"
    assert client.get(f"/payments/test-psp/{test_payment.provider_ref}/").status_code == 404
    assert client.post(f"/payments/test-psp/{test_payment.provider_ref}/", {"action": "pay"}).status_code == 404
    assert not Payment.objects.exists()


# --- Bank transfer and the EPC QR code --------------------------------------------------------------------

def test_epc_payload_for_a_worked_example():
    payload = online.epc_qr_payload(name="Alpha Servicing S.A.", iban="GR16 0110 1250 0000 0001 2300 695",
                                    bic="ETHNGRAA", reference="RF18 5390 0754 7034", amount=Money(1234, "EUR"))
    lines = payload.split("\n")
    assert lines[0] == "BCD"  # service tag
    assert lines[1] == "002"  # version
    assert lines[2] == "1"  # character set: UTF-8
    assert lines[3] == "SCT"  # SEPA credit transfer
    assert lines[4] == "ETHNGRAA"  # BIC
    assert lines[5] == "Alpha Servicing S.A."  # beneficiary
    assert lines[6] == COLLECTION_IBAN  # IBAN, compact
    assert lines[7] == "EUR12.34"  # amount
    assert lines[8] == ""  # purpose
    assert lines[9] == "RF18539007547034"  # structured (RF) reference
    assert len(lines) == 10  # no unstructured remittance, no note: the text ends with the reference
    no_amount = online.epc_qr_payload(name="Alpha", iban=COLLECTION_IBAN, reference="RF18539007547034")
    assert no_amount == f"BCD\n002\n1\nSCT\n\nAlpha\n{COLLECTION_IBAN}\n\n\nRF18539007547034"


def test_epc_names_are_one_line_of_at_most_70_characters_and_331_bytes():
    long = online.epc_qr_payload(name="Alpha\nServicing   " + "x" * 100, iban=COLLECTION_IBAN, reference="RF18")
    assert long.split("\n")[5] == ("Alpha Servicing " + "x" * 100)[:70]
    wide = online.epc_qr_payload(name="𝔄" * 70, iban=COLLECTION_IBAN, bic="ETHNGRAAXXX", reference="RF18" + "1" * 21,
                                 amount=Money(99_999_999_999, "EUR"))
    assert len(wide.encode()) <= 331 and wide.split("\n")[5].startswith("𝔄" * 40)
    with pytest.raises(ValueError, match="EUR"):
        online.epc_qr_payload(name="A", iban=COLLECTION_IBAN, reference="RF18", amount=Money(100, "PLN"))


def _qr_path(svg: str) -> str:
    return re.search(r' d="([^"]+)"', svg).group(1)


def test_transfer_instructions_carry_an_epc_qr_code_for_eur(account, collection_account):
    instructions = online.transfer_instructions(account, amount=Money(1234, "EUR"))
    assert instructions["iban"] == COLLECTION_IBAN and instructions["rf_reference"] == account.rf_reference
    svg = instructions["epc_qr_svg"]
    assert svg.startswith("<svg") and "<title>QR code for a bank transfer</title>" in svg
    # segno's own EPC helper, an implementation apart from ours, encodes the same transfer into the same code.
    reference = segno.helpers.make_epc_qr(name="Alpha Servicing S.A.", iban=COLLECTION_IBAN, amount="12.34",
                                          reference=account.rf_reference, bic="ETHNGRAA", encoding="utf-8")
    assert reference.error == "M"
    assert _qr_path(svg) == _qr_path(reference.svg_inline(**online.EPC_SVG_OPTIONS))
    assert online.transfer_instructions(account)["epc_qr_svg"].startswith("<svg")


def test_no_qr_code_for_a_pln_account_or_without_a_collection_account(system, creditor, make_portfolio,
                                                                        make_account, portfolio):
    pln_account = make_account(make_portfolio(creditor, code="pln-2026", currency="PLN", jurisdiction="PL"))
    services.create_collection_account(actor=system, creditor=creditor, iban=OTHER_IBAN, holder_name="Alpha PL",
                                       currency="PLN")
    pln = online.transfer_instructions(pln_account)
    assert pln["iban"] == OTHER_IBAN and pln["epc_qr_svg"] is None
    eur = online.transfer_instructions(make_account(portfolio))  # no EUR collection account yet
    assert eur["iban"] is None and eur["epc_qr_svg"] is None
