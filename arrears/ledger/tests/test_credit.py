"""Credit held for the debtor: applied to what is charged later, moved back when its payment bounces."""

import datetime as dt

import pytest

from arrears.core.money import Money
from arrears.ledger.corrections import reverse_payment
from arrears.ledger.models import DueItem, EntryKind, LedgerEntry
from arrears.ledger.queries import ledger_discrepancies
from arrears.ledger.services import ChargeIn, PaymentIn, post_charges, post_payment

pytestmark = pytest.mark.django_db


def test_bounced_overpayment_takes_back_the_credit_it_had_applied(
        system, make_creditor, make_portfolio, make_account, business_date):
    account = make_account(make_portfolio(make_creditor()), principal="100.00", due=dt.date(2026, 9, 1))
    paid = post_payment(actor=system, payment=PaymentIn(
        account_id=account.pk, amount=Money.of("150.00", "EUR"), source="bank", external_id="OVER-1",
        value_date=dt.date(2026, 11, 2)))
    post_charges(actor=system, account=account,
                 charges=[ChargeIn("fees", Money.of("20.00", "EUR"), dt.date(2026, 11, 10))])
    account.refresh_from_db()
    assert (account.principal_minor, account.fees_minor, account.credit_minor) == (0, 0, -3000)
    assert account.status == "paid"

    reverse_payment(actor=system, payment=paid.payment, reason="Cheque bounced")
    account.refresh_from_db()
    assert (account.principal_minor, account.fees_minor, account.credit_minor) == (10000, 2000, 0)
    assert account.oldest_unpaid_due_date == dt.date(2026, 9, 1)
    assert account.dpd == (business_date - dt.date(2026, 9, 1)).days
    assert account.status == "active"
    fee = DueItem.objects.get(account=account, component="fees")
    assert fee.settled_minor == 0
    moved = LedgerEntry.objects.filter(account=account, kind=EntryKind.CREDIT_APPLIED)
    assert sorted(e.amount_minor for e in moved) == [-2000, -2000, 2000, 2000]
    assert ledger_discrepancies(account_ids=[account.pk], business_date=business_date) == []


def test_credit_smaller_than_the_charge_pays_part_of_it(
        system, make_creditor, make_portfolio, make_account, business_date):
    account = make_account(make_portfolio(make_creditor()), principal="100.00", due=dt.date(2026, 9, 1))
    post_payment(actor=system, payment=PaymentIn(
        account_id=account.pk, amount=Money.of("105.00", "EUR"), source="bank", external_id="OVER-2",
        value_date=dt.date(2026, 11, 2)))
    post_charges(actor=system, account=account,
                 charges=[ChargeIn("interest", Money.of("12.00", "EUR"), dt.date(2026, 11, 1))])
    account.refresh_from_db()
    assert (account.interest_minor, account.credit_minor) == (700, 0)
    assert account.dpd == (business_date - dt.date(2026, 11, 1)).days
    assert ledger_discrepancies(account_ids=[account.pk], business_date=business_date) == []
