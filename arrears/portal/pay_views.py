"""Paying from the portal: by card through the configured provider, or by bank transfer with the account's
RF reference and, for euro accounts, an EPC QR code a banking app can scan."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from arrears.core.money import from_minor
from arrears.payments import psp
from arrears.payments.online import start_online_payment, transfer_instructions
from arrears.portal.forms import PayForm
from arrears.portal.views import form_errors, own_account, render, signed_in


@signed_in
def pay(request, pk: int):
    """The card form runs through the test provider; Stripe's card element (Stripe.js) is not built into the
    portal yet, so with Stripe configured the page offers bank transfer only."""
    account = own_account(request, pk)
    cards = psp.configured_name() == psp.TEST
    form = PayForm(request.POST or None, initial={"amount": from_minor(account.balance_minor, account.currency)})
    if cards and request.method == "POST" and form.is_valid():
        try:
            started = start_online_payment(actor=request.debtor_actor, account=account,
                                           amount=str(form.cleaned_data["amount"]))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            checkout = reverse("online_payments:test_psp", args=[started.provider_ref])
            return redirect(f"{checkout}?{urlencode({'next': reverse('portal:overview')})}")
    return render(request, "portal/pay.html", {"account": account, "form": form if cards else None,
                                               "transfer": transfer_instructions(account)})
