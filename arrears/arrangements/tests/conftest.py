import datetime as dt

import pytest

from arrears.core.money import Money
from arrears.ledger.services import PaymentIn, post_payments


@pytest.fixture
def account(make_creditor, make_portfolio, make_account, business_date):
    """1,000.00 EUR owed since 2026-08-01: 114 days past due on the business date, 2026-11-23."""
    return make_account(make_portfolio(make_creditor()), principal="1000.00")


@pytest.fixture
def pay(system, django_capture_on_commit_callbacks):
    """Post a payment as the bank would and let the subscribers (promise and plan tracking) run."""
    counter = iter(range(1, 10_000))

    def post(account, amount, value_date=dt.date(2026, 11, 23)):
        with django_capture_on_commit_callbacks(execute=True):
            return post_payments(actor=system, payments=[PaymentIn(
                account_id=account.pk, amount=Money.of(amount, account.currency), source="bank",
                external_id=f"pay-{next(counter)}", value_date=value_date)])[0].payment

    return post
