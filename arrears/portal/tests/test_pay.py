"""Paying from the portal: by card through the test provider (the balance falls), by bank transfer with the RF
reference and an EPC QR code for euro accounts; bad amounts explained, nothing started."""

import re

import pytest
from django.urls import reverse

from arrears.payments.models import CollectionAccount
from arrears.payments.online_models import OnlinePayment
from arrears.portfolio.models import Account

pytestmark = pytest.mark.django_db


def test_paying_by_card_with_the_test_provider_lowers_the_balance(signed_in, account, settings):
    settings.PAYMENT_PROVIDER = "test"
    started = signed_in.post(reverse("portal:pay", args=[account.pk]), {"amount": "250.00"})
    checkout = started.url
    assert checkout.startswith("/payments/test-psp/")
    page = signed_in.get(checkout).content.decode()
    assert "no real money" in page.lower()
    done = signed_in.post(checkout, {"action": "pay", "next": reverse("portal:overview")})
    assert done.url == reverse("portal:overview")
    assert Account.objects.get(pk=account.pk).balance_minor == 75000
    assert OnlinePayment.objects.get().status == "succeeded"
    assert "€750.00" in signed_in.get(done.url, headers={"accept-language": "en"}).content.decode()


def test_an_amount_with_too_many_decimals_or_above_the_balance_is_refused(signed_in, account, settings):
    settings.PAYMENT_PROVIDER = "test"
    for amount in ("10.005", "1000.01"):
        page = signed_in.post(reverse("portal:pay", args=[account.pk]), {"amount": amount})
        assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert not OnlinePayment.objects.exists()


def test_bank_transfer_details_carry_the_rf_reference_and_a_qr_code_for_euro(signed_in, account, settings):
    settings.PAYMENT_PROVIDER = "stripe"  # no card element yet: the page offers transfer only
    CollectionAccount.objects.create(creditor=account.creditor, iban="GR1601101250000000012300695",
                                     holder_name="Alpha Bank Collections", currency="EUR")
    page = signed_in.get(reverse("portal:pay", args=[account.pk]), headers={"accept-language": "en"})
    text = page.content.decode()
    assert "GR16 0110 1250 0000 0001 2300 695" in text
    assert re.sub(r"\s", "", account.rf_reference) in re.sub(r"\s", "", text)
    assert "<svg" in text and "not available here yet" in text
    assert not OnlinePayment.objects.exists()
