"""Paying from the portal: by card through the configured provider, or by bank transfer with the account's
RF reference and, for euro accounts, an EPC QR code a banking app can scan.

With the test provider the card form goes to its local checkout page. With Stripe the amount is checked and the
PaymentIntent opened here; the card checkout page then mounts Stripe's Payment Element (Stripe.js, from a static
file) with the intent's client secret, and stripe.confirmPayment sends the debtor back to the return page, which
asks Stripe for the intent's status. The ledger is posted only by Stripe's signed webhook."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET

from arrears.core.money import from_minor
from arrears.payments import psp
from arrears.payments.online import card_payment_outcome, start_online_payment, transfer_instructions
from arrears.payments.online_models import OnlinePayment
from arrears.portal.forms import PayForm
from arrears.portal.views import form_errors, own_account, render, signed_in

STRIPE_JS = "https://js.stripe.com/v3/"
# What Stripe.js needs (Stripe's integration security guide): its script, the frames it draws the card fields and
# 3-D Secure challenges in, and its API. Only the card checkout page is given these.
STRIPE_SOURCES = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def stripe_checkout_policy(policy: dict) -> dict:
    """The site's CSP with Stripe's sources added. A directive the site leaves to default-src starts from it,
    so the page keeps what it was allowed from its own origin."""
    merged = {directive: list(sources) for directive, sources in policy.items()}
    for directive, sources in STRIPE_SOURCES.items():
        base = merged.get(directive, merged.get("default-src", []))
        merged[directive] = [*base, *(source for source in sources if source not in base)]
    return merged


@signed_in
def pay(request, pk: int):
    account = own_account(request, pk)
    cards = psp.portal_card_provider()
    form = PayForm(request.POST or None, initial={"amount": from_minor(account.balance_minor, account.currency)})
    if cards and request.method == "POST" and form.is_valid():
        try:
            started = start_online_payment(actor=request.debtor_actor, account=account,
                                           amount=str(form.cleaned_data["amount"]))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if cards == psp.STRIPE:
                return redirect("portal:card_checkout", pk=account.pk, payment=started.pk)
            checkout = reverse("online_payments:test_psp", args=[started.provider_ref])
            return redirect(f"{checkout}?{urlencode({'next': reverse('portal:overview')})}")
    return render(request, "portal/pay.html", {"account": account, "form": form if cards else None,
                                               "test_provider": cards == psp.TEST,
                                               "transfer": transfer_instructions(account)})


def _stripe_payments(request, account):
    return OnlinePayment.objects.visible_to(request.debtor_actor).filter(account=account, provider=psp.STRIPE)


@signed_in
@require_GET
@never_cache  # the page carries the intent's client secret
@csp_override(stripe_checkout_policy(settings.SECURE_CSP))
def card_checkout(request, pk: int, payment: int):
    account = own_account(request, pk)
    if psp.portal_card_provider() != psp.STRIPE:
        return redirect("portal:pay", pk=account.pk)
    online_payment = get_object_or_404(_stripe_payments(request, account).exclude(client_secret=""), pk=payment)
    if online_payment.status in (OnlinePayment.Status.SUCCEEDED, OnlinePayment.Status.CANCELED):
        # Ended: the return page says how, from Stripe's word.
        return redirect(f"{reverse('portal:card_return', args=[account.pk])}?"
                        f"{urlencode({'payment_intent': online_payment.provider_ref})}")
    return render(request, "portal/card_checkout.html", {
        "account": account, "online_payment": online_payment, "stripe_js": STRIPE_JS,
        "publishable_key": psp.setting("STRIPE_PUBLISHABLE_KEY"),
        "return_url": request.build_absolute_uri(reverse("portal:card_return", args=[account.pk])),
        "transfer": transfer_instructions(account)})


@signed_in
@require_GET
@never_cache
def card_return(request, pk: int):
    """Where stripe.confirmPayment sends the debtor, with ?payment_intent=...&payment_intent_client_secret=...
    appended. Only an intent opened for this account is looked up at Stripe; nothing is written here."""
    account = own_account(request, pk)
    provider_ref = request.GET.get("payment_intent", "")
    secret = request.GET.get("payment_intent_client_secret")
    online_payment = provider_ref and _stripe_payments(request, account).filter(provider_ref=provider_ref).first()
    # Stripe.js appends the client secret too: one that does not match was not written by Stripe.
    if not online_payment or (secret is not None and not constant_time_compare(secret, online_payment.client_secret)):
        response = render(request, "portal/card_return.html", {"account": account, "unknown": True})
        response.status_code = 404
        return response
    outcome, problem = None, ""
    try:
        outcome = card_payment_outcome(online_payment)
    except ValidationError as exc:
        problem = " ".join(exc.messages)
    return render(request, "portal/card_return.html", {
        "account": account, "online_payment": online_payment, "outcome": outcome,
        "problem": problem, "credited": online_payment.status == OnlinePayment.Status.SUCCEEDED})
