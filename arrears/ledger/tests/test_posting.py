import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.ledger.corrections import reverse_payment
from arrears.ledger.models import LedgerEntry, Payment
from arrears.ledger.queries import balance_by_component, ledger_discrepancies
from arrears.ledger.services import PaymentConflict, PaymentIn, post_payment

pytestmark = pytest.mark.django_db


def pay(account, amount, external_id="p-1", value_date=dt.date(2026, 11, 20), **extra):
    return PaymentIn(account_id=account.pk, amount=Money.of(amount, account.currency), source="api",
                     external_id=external_id, value_date=value_date, **extra)


def test_payment_settles_costs_then_fees_then_interest_then_principal(
        system, make_creditor, make_portfolio, make_account, business_date):
    account = make_account(make_portfolio(make_creditor()), principal="1000.00", interest="50.00",
                           fees="20.00", costs="30.00")
    post_payment(actor=system, payment=pay(account, "90.00"))
    account.refresh_from_db()
    assert (account.costs_minor, account.fees_minor, account.interest_minor, account.principal_minor) == (
        0, 0, 1000, 100000)
    assert balance_by_component(account)["interest"] == 1000
    assert account.dpd == (business_date - dt.date(2026, 8, 1)).days
    assert ledger_discrepancies(business_date=business_date) == []


def test_overpayment_is_held_as_credit_and_account_is_current(
        system, make_creditor, make_portfolio, make_account, business_date):
    account = make_account(make_portfolio(make_creditor()), principal="100.00")
    post_payment(actor=system, payment=pay(account, "150.00"))
    account.refresh_from_db()
    assert account.principal_minor == 0
    assert account.credit_minor == -5000
    assert account.balance_minor == -5000
    assert (account.dpd, account.bucket) == (0, "current")
    assert ledger_discrepancies(business_date=business_date) == []


def test_same_payment_twice_posts_once_and_different_content_is_a_conflict(
        system, make_creditor, make_portfolio, make_account, business_date):
    account = make_account(make_portfolio(make_creditor()))
    first = post_payment(actor=system, payment=pay(account, "10.00"))
    again = post_payment(actor=system, payment=pay(account, "10.00"))
    assert first.created and not again.created and again.payment.pk == first.payment.pk
    with pytest.raises(PaymentConflict) as conflict:
        post_payment(actor=system, payment=pay(account, "11.00"))
    assert "external_id" in conflict.value.message_dict
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


@pytest.mark.parametrize(
    ("amount", "currency", "value_date", "field"),
    [("-5.00", "EUR", dt.date(2026, 11, 1), "amount"),
     ("0", "EUR", dt.date(2026, 11, 1), "amount"),
     ("5.00", "PLN", dt.date(2026, 11, 1), "currency"),
     ("5.00", "EUR", dt.date(2027, 1, 1), "value_date")],
)
def test_bad_payments_are_rejected_naming_the_field_and_nothing_is_written(
        system, make_creditor, make_portfolio, make_account, business_date, amount, currency, value_date, field):
    account = make_account(make_portfolio(make_creditor()))
    payment = PaymentIn(account_id=account.pk, amount=Money.of(amount, currency), source="api", external_id="x",
                        value_date=value_date)
    with pytest.raises(ValidationError) as error:
        post_payment(actor=system, payment=payment)
    assert field in error.value.message_dict
    assert Payment.objects.count() == 0


def test_reversal_reopens_the_due_items_and_restores_the_balance(
        system, make_creditor, make_portfolio, make_account, business_date):
    account = make_account(make_portfolio(make_creditor()), principal="100.00")
    outcome = post_payment(actor=system, payment=pay(account, "100.00"))
    account.refresh_from_db()
    assert account.dpd == 0
    reverse_payment(actor=system, payment=outcome.payment, reason="returned by the bank")
    account.refresh_from_db()
    assert account.principal_minor == 10000
    assert account.dpd == (business_date - dt.date(2026, 8, 1)).days
    assert AuditEvent.objects.filter(action="payment.reversed").count() == 1
    assert ledger_discrepancies(business_date=business_date) == []
