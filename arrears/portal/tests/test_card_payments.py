"""Card payments in the portal through Stripe.js, contract-tested against Stripe's HTTP API mocked with httpx (no
network): the amount checked before any intent is opened, the checkout page mounting the Payment Element with the
publishable key and the intent's client secret under a CSP that lets Stripe in on that page only, and the return
page reading the intent's status from Stripe while the ledger waits for the signed webhook."""

import json
import re
from dataclasses import dataclass, field

import httpx
import pytest
from django.urls import reverse

from arrears.conftest import greek_debtor
from arrears.ledger.models import Payment
from arrears.payments import psp
from arrears.payments.models import CollectionAccount
from arrears.payments.online import start_online_payment
from arrears.payments.online_models import OnlinePayment
from arrears.portfolio.models import Account

pytestmark = pytest.mark.django_db

PUBLISHABLE_KEY = "pk_test_51ArrearsPortalPublishable"
WEBHOOK_SECRET = "whsec_portalCardTests0123456789"


@dataclass
class StripeAPI:
    """Stripe's PaymentIntents endpoints as an httpx MockTransport: creates intents, reports their `statuses`."""

    requests: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    down: bool = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectTimeout("timed out", request=request)
        if request.method == "POST" and request.url.path == "/v1/payment_intents":
            intent_id = f"pi_3Card{len(self.statuses) + 1}Arrears"
            self.statuses[intent_id] = "requires_payment_method"
            return httpx.Response(200, json=self.intent(intent_id))
        intent_id = request.url.path.removeprefix("/v1/payment_intents/")
        if request.method == "GET" and intent_id in self.statuses:
            return httpx.Response(200, json=self.intent(intent_id))
        return httpx.Response(404, json={"error": {"type": "invalid_request_error", "code": "resource_missing",
                                                   "message": f"No such payment_intent: '{intent_id}'"}})

    def intent(self, intent_id: str) -> dict:
        return {"id": intent_id, "object": "payment_intent", "amount": 25000, "currency": "eur",
                "client_secret": f"{intent_id}_secret_Zq8", "status": self.statuses[intent_id]}

    def reads(self) -> list:
        return [r for r in self.requests if r.method == "GET"]


@pytest.fixture
def stripe_api(settings, monkeypatch):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_arrearsPortal"
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    api = StripeAPI()
    monkeypatch.setattr(psp.StripeProvider, "transport", httpx.MockTransport(api))
    return api


def start(client, account, amount="250.00"):
    return client.post(reverse("portal:pay", args=[account.pk]), {"amount": amount},
                       headers={"accept-language": "en"})


def return_page(client, account, online_payment, **extra):
    query = {"payment_intent": online_payment.provider_ref,
             "payment_intent_client_secret": online_payment.client_secret, "redirect_status": "succeeded", **extra}
    return client.get(reverse("portal:card_return", args=[account.pk]), query, headers={"accept-language": "en"})


def test_the_checkout_page_mounts_stripes_payment_element_for_the_intent(signed_in, account, stripe_api):
    CollectionAccount.objects.create(creditor=account.creditor, iban="GR1601101250000000012300695",
                                     holder_name="Alpha Bank Collections", currency="EUR")
    started = start(signed_in, account)
    online_payment = OnlinePayment.objects.get()
    assert started.url == reverse("portal:card_checkout", args=[account.pk, online_payment.pk])
    (opened,) = stripe_api.requests
    assert opened.method == "POST" and b"amount=25000" in opened.content
    assert online_payment.provider_ref == "pi_3Card1Arrears"

    page = signed_in.get(started.url, headers={"accept-language": "en"})
    text = page.content.decode()
    assert f'data-publishable-key="{PUBLISHABLE_KEY}"' in text
    assert 'data-client-secret="pi_3Card1Arrears_secret_Zq8"' in text
    return_url = f"http://testserver{reverse('portal:card_return', args=[account.pk])}"
    assert f'data-return-url="{return_url}"' in text
    assert '<script src="https://js.stripe.com/v3/"></script>' in text
    assert re.search(r'<script src="/static/portal/card_checkout\.js">', text)
    assert "<script>" not in text  # nothing inline: the CSP would refuse it
    assert "€250.00" in text
    # Without JavaScript: said plainly, with the bank transfer details to pay by instead.
    assert "Card payment needs JavaScript" in text and "GR16 0110 1250 0000 0001 2300 695" in text
    assert "no-store" in page.headers["Cache-Control"]  # the client secret is not kept in caches
    # Opening the intent moved no money: the ledger waits for Stripe's signed event.
    assert Account.objects.get(pk=account.pk).balance_minor == 100000
    assert not Payment.objects.exists()


def test_only_the_checkout_page_lets_stripe_js_in(signed_in, account, stripe_api):
    checkout = signed_in.get(start(signed_in, account).url)
    policy = dict(part.strip().split(" ", 1) for part in checkout.headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"].split() == ["'self'", "https://js.stripe.com", "https://*.js.stripe.com"]
    assert "https://js.stripe.com" in policy["frame-src"].split()
    assert policy["connect-src"].split() == ["'self'", "https://api.stripe.com"]
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'self'"
    online_payment = OnlinePayment.objects.get()
    others = [signed_in.get(reverse("portal:pay", args=[account.pk])),
              signed_in.get(reverse("portal:overview")),
              return_page(signed_in, account, online_payment)]
    for page in others:
        assert page.status_code == 200
        assert "stripe.com" not in page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("status", "says", "retry"), [
    ("succeeded", "Payment received: thank you. €250.00 was paid on account ACC-00001.", False),
    ("processing", "Your payment of €250.00 is being processed.", False),
    ("requires_capture", "Your payment of €250.00 is being processed.", False),
    ("requires_payment_method", "The payment of €250.00 did not go through. Nothing was taken from your card.", True),
    ("requires_action", "The payment of €250.00 did not go through. Nothing was taken from your card.", True),
    ("canceled", "The payment of €250.00 did not go through. Nothing was taken from your card.", True),
])
def test_the_return_page_tells_the_intents_status_as_stripe_reports_it(signed_in, account, stripe_api, status, says,
                                                                       retry):
    start(signed_in, account)
    online_payment = OnlinePayment.objects.get()
    stripe_api.statuses[online_payment.provider_ref] = status
    # The browser's redirect_status is not believed: Stripe is asked.
    page = return_page(signed_in, account, online_payment, redirect_status="succeeded")
    text = page.content.decode()
    assert page.status_code == 200 and says in text
    assert ("Try again" in text) is retry
    (read,) = stripe_api.reads()
    assert str(read.url) == f"https://api.stripe.com/v1/payment_intents/{online_payment.provider_ref}"
    assert read.headers["Authorization"] == "Bearer sk_test_arrearsPortal"
    # Whatever the status, the page posts nothing and changes nothing.
    assert Account.objects.get(pk=account.pk).balance_minor == 100000
    assert not Payment.objects.exists()
    assert OnlinePayment.objects.get().status == OnlinePayment.Status.CREATED


def test_once_the_signed_webhook_posted_the_payment_the_return_page_says_it_is_credited(signed_in, account,
                                                                                        stripe_api):
    start(signed_in, account)
    online_payment = OnlinePayment.objects.get()
    stripe_api.statuses[online_payment.provider_ref] = "succeeded"
    event = json.dumps({"id": "evt_card1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {
        "id": online_payment.provider_ref, "object": "payment_intent", "amount": 25000, "amount_received": 25000,
        "currency": "eur", "status": "succeeded"}}}).encode()
    posted = signed_in.post("/payments/webhooks/stripe/", data=event, content_type="application/json",
                            headers={"Stripe-Signature": psp.signature_header(event, WEBHOOK_SECRET)})
    assert posted.content == b"posted"
    text = return_page(signed_in, account, online_payment).content.decode()
    assert "Payment received" in text and "It has been credited to your account." in text
    assert Account.objects.get(pk=account.pk).balance_minor == 75000
    # Coming back to the checkout page of a paid intent leads to the return page, not a second card form.
    again = signed_in.get(reverse("portal:card_checkout", args=[account.pk, online_payment.pk]))
    assert again.url.endswith(f"?payment_intent={online_payment.provider_ref}")


def test_an_unknown_or_tampered_intent_on_the_return_page_is_refused_plainly(signed_in, account, stripe_api,
                                                                             make_account, system):
    other = make_account(account.portfolio, debtor=greek_debtor(
        given_name="Μαρία", family_name="Κωνσταντίνου", identifiers=[], contact_points=[]))
    foreign = start_online_payment(actor=system, account=other, amount="10.00")  # another debtor's intent
    start(signed_in, account)
    mine = OnlinePayment.objects.get(account=account)
    url = reverse("portal:card_return", args=[account.pk])
    attempts = [
        {"payment_intent": "pi_3NeverOpenedHere", "payment_intent_client_secret": "pi_3NeverOpenedHere_secret_x"},
        {"payment_intent": foreign.provider_ref, "payment_intent_client_secret": foreign.client_secret},
        {"payment_intent": mine.provider_ref, "payment_intent_client_secret": "pi_3Card1Arrears_secret_forged"},
        {"payment_intent": "pi_3Card1Arrears/../../customers"},
        {},
    ]
    reads_before, payments_before = len(stripe_api.reads()), OnlinePayment.objects.count()
    for query in attempts:
        page = signed_in.get(url, query, headers={"accept-language": "en"})
        assert page.status_code == 404
        assert "does not match a card payment on this account" in page.content.decode()
    assert len(stripe_api.reads()) == reads_before  # Stripe is not even asked
    assert OnlinePayment.objects.count() == payments_before and not Payment.objects.exists()
    # Another debtor's checkout page is not found either.
    assert signed_in.get(reverse("portal:card_checkout", args=[account.pk, foreign.pk])).status_code == 404


def test_when_stripe_cannot_be_asked_the_return_page_says_so_and_claims_nothing(signed_in, account, stripe_api):
    start(signed_in, account)
    stripe_api.down = True
    text = return_page(signed_in, account, OnlinePayment.objects.get()).content.decode()
    assert "We could not check this payment just now." in text and "could not be reached" in text
    assert "Payment received" not in text and "did not go through" not in text


@pytest.mark.parametrize("amount", ["10.005", "-5", "0", "1000.01", "ten"])
def test_amounts_that_cannot_be_paid_are_refused_before_any_intent(signed_in, account, stripe_api, amount):
    page = start(signed_in, account, amount)
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert not OnlinePayment.objects.exists() and stripe_api.requests == []


def test_amount_messages_say_what_is_wrong(signed_in, account, stripe_api):
    assert "more than the balance" in start(signed_in, account, "1000.01").content.decode()
    assert "decimal" in start(signed_in, account, "10.005").content.decode()


def test_without_the_publishable_key_stripe_mode_offers_bank_transfer_only(signed_in, account, stripe_api, settings):
    settings.STRIPE_PUBLISHABLE_KEY = ""
    page = signed_in.get(reverse("portal:pay", args=[account.pk]), headers={"accept-language": "en"})
    assert "not available here yet" in page.content.decode() and 'name="amount"' not in page.content.decode()
    start(signed_in, account)
    assert not OnlinePayment.objects.exists() and stripe_api.requests == []
