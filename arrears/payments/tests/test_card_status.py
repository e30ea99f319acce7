"""Reading a card payment's status back from Stripe (GET /v1/payment_intents/{id}), contract-tested with httpx's
MockTransport, and which provider the portal's card form goes to."""

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from arrears.core.models import AuditEvent
from arrears.payments import online, psp
from arrears.payments.online_models import OnlinePayment


def stripe_answering(status: int, body, seen: list | None = None) -> psp.StripeProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, json=body)

    return psp.StripeProvider(secret_key="sk_test_reader", transport=httpx.MockTransport(answer))


def test_the_intent_is_read_with_the_secret_key_and_its_status_returned():
    seen = []
    stripe = stripe_answering(200, {"id": "pi_3Read", "object": "payment_intent", "status": "processing",
                                    "client_secret": "pi_3Read_secret_q"}, seen)
    assert stripe.retrieve_intent("pi_3Read") == psp.Intent("pi_3Read", "pi_3Read_secret_q", "processing")
    (request,) = seen
    assert request.method == "GET" and str(request.url) == "https://api.stripe.com/v1/payment_intents/pi_3Read"
    assert request.headers["Authorization"] == "Bearer sk_test_reader" and request.content == b""


def test_an_id_cannot_reach_another_stripe_endpoint():
    seen = []
    with pytest.raises(ValidationError):
        stripe_answering(404, {"error": {"message": "No such payment_intent"}}, seen).retrieve_intent(
            "pi_x/../../customers?limit=100")
    assert seen[0].url.raw_path == b"/v1/payment_intents/pi_x%2F..%2F..%2Fcustomers%3Flimit%3D100"


def test_stripes_refusal_and_an_answer_about_another_intent_are_clear_errors():
    missing = stripe_answering(404, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                               "message": "No such payment_intent: 'pi_3Gone'"}})
    with pytest.raises(ValidationError) as refused:
        missing.retrieve_intent("pi_3Gone")
    assert refused.value.code == "provider_refused"
    assert refused.value.messages == ["The card payment service did not report the payment: No such "
                                      "payment_intent: 'pi_3Gone' (resource_missing, HTTP 404)"]
    other = stripe_answering(200, {"id": "pi_3Other", "object": "payment_intent", "status": "succeeded"})
    with pytest.raises(ValidationError, match="a payment other than pi_3Asked"):
        other.retrieve_intent("pi_3Asked")


def test_unreachable_stripe_is_a_validation_error_and_a_missing_key_a_configuration_error():
    def down(request):
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(ValidationError, match="could not be reached") as refused:
        psp.StripeProvider(secret_key="sk_test", transport=httpx.MockTransport(down)).retrieve_intent("pi_3Read")
    assert refused.value.code == "provider_unreachable"
    with pytest.raises(ImproperlyConfigured, match="STRIPE_SECRET_KEY"):
        psp.StripeProvider(secret_key="").retrieve_intent("pi_3Read")


def test_the_portal_takes_cards_with_stripe_only_once_both_keys_are_set(settings):
    settings.PAYMENT_PROVIDER, settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "test", "", ""
    assert psp.portal_card_provider() == psp.TEST
    settings.PAYMENT_PROVIDER = "stripe"
    assert psp.portal_card_provider() is None
    settings.STRIPE_SECRET_KEY = "sk_live_x"
    assert psp.portal_card_provider() is None  # no publishable key: Stripe.js could not mount the card form
    settings.STRIPE_PUBLISHABLE_KEY = "pk_live_x"
    assert psp.portal_card_provider() == psp.STRIPE


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "outcome"), [
    ("succeeded", "received"), ("processing", "processing"), ("requires_capture", "processing"),
    ("requires_payment_method", "failed"), ("requires_action", "failed"), ("requires_confirmation", "failed"),
    ("canceled", "failed"), ("a_status_stripe_adds_later", "processing"),
])
def test_the_outcome_follows_stripes_status_and_writes_nothing(system, portfolio, make_account, settings,
                                                               monkeypatch, status, outcome):
    settings.PAYMENT_PROVIDER, settings.STRIPE_SECRET_KEY = "stripe", "sk_test_reader"
    answers = {"status": "requires_payment_method"}
    monkeypatch.setattr(psp.StripeProvider, "transport", httpx.MockTransport(lambda request: httpx.Response(
        200, json={"id": "pi_3Outcome", "object": "payment_intent", "client_secret": "pi_3Outcome_secret_a",
                   **answers})))
    online_payment = online.start_online_payment(actor=system, account=make_account(portfolio), amount="40.00")
    audited = AuditEvent.objects.count()
    answers["status"] = status
    assert online.card_payment_outcome(online_payment) == outcome
    assert OnlinePayment.objects.get().status == OnlinePayment.Status.CREATED
    assert AuditEvent.objects.count() == audited
