"""An account month by month, rebuilt from the ledger: the running month agrees with the account's balances
and days past due, earlier months show what stood then, and a bounced payment counts in no month."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.money import Money
from arrears.ledger.corrections import reverse_payment
from arrears.ledger.history import month_ends, monthly_history, months_of
from arrears.ledger.services import PaymentIn, post_payment

TODAY = dt.date(2026, 11, 23)


def test_month_ends_run_back_from_today():
    assert month_ends(TODAY, 4) == [dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31), TODAY]
    assert month_ends(dt.date(2026, 3, 1), 2) == [dt.date(2026, 2, 28), dt.date(2026, 3, 1)]


@given(today=st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)), count=st.integers(1, 36))
def test_month_ends_are_month_ends_one_a_month(today, count):
    ends = month_ends(today, count)
    assert len(ends) == count and ends[-1] == today
    for earlier, later in zip(ends, ends[1:], strict=False):
        assert (earlier + dt.timedelta(days=1)).day == 1
        assert (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == 1


@given(amounts=st.lists(st.integers(1, 10**9), min_size=1, max_size=8), paid=st.integers(0, 10**9))
def test_with_nothing_but_charges_and_one_payment_owed_and_overdue_agree(amounts, paid):
    due = [(i, dt.date(2026, 1 + i, 1), a) for i, a in enumerate(amounts)]
    entries = [(d, a) for _i, d, a in due] + [(dt.date(2026, 10, 15), -paid)]
    settled, left, allocations = 0, paid, []
    for item_id, _d, amount in due:  # oldest first, as allocation does
        take = min(amount, left)
        if take:
            allocations.append((item_id, dt.date(2026, 10, 15), take))
        left -= take
        settled += take
    [now] = months_of(entries=entries, due_items=due, allocations=allocations, payments=[(dt.date(2026, 10, 15),
                                                                                        paid)],
                      today=dt.date(2026, 10, 31), count=1)
    assert now.overdue_minor == sum(amounts) - settled
    assert now.owed_minor == max(sum(amounts) - paid, 0)
    assert now.paid_minor == paid
    assert (now.dpd == 0) == (now.overdue_minor == 0)


@pytest.mark.django_db
def test_the_running_month_is_the_account_as_it_stands_and_a_bounced_payment_counts_nowhere(
        system, make_creditor, make_portfolio, make_account, business_date, settings):
    settings.BUSINESS_DATE = "2026-07-15"  # placed in July, due on 1 August
    account = make_account(make_portfolio(make_creditor()), principal="1000.00", interest="50.00",
                           due=dt.date(2026, 8, 1))
    settings.BUSINESS_DATE = TODAY.isoformat()
    kept = post_payment(actor=system, payment=PaymentIn(account_id=account.pk, amount=Money.of("300.00", "EUR"),
                                                         source="bank", external_id="p-1",
                                                         value_date=dt.date(2026, 9, 10)))
    bounced = post_payment(actor=system, payment=PaymentIn(account_id=account.pk, amount=Money.of("200.00", "EUR"),
                                                            source="bank", external_id="p-2",
                                                            value_date=dt.date(2026, 10, 5)))
    reverse_payment(actor=system, payment=bounced.payment, reason="returned unpaid")
    account.refresh_from_db()
    months = monthly_history(account, TODAY, 12)
    assert [m.end for m in months] == [dt.date(2026, 7, 31), dt.date(2026, 8, 31), dt.date(2026, 9, 30),
                                       dt.date(2026, 10, 31), TODAY]
    july, august, september, october, now = months
    assert (july.owed_minor, july.overdue_minor, july.dpd) == (105000, 0, 0)  # placed, not yet due
    assert (august.owed_minor, august.overdue_minor, august.dpd, august.paid_minor) == (105000, 105000, 30, 0)
    assert (september.owed_minor, september.overdue_minor, september.dpd, september.paid_minor) == (
        75000, 75000, 60, kept.payment.amount_minor)
    assert (october.owed_minor, october.paid_minor) == (75000, 0)  # the October payment bounced
    assert (now.owed_minor, now.overdue_minor, now.dpd) == (account.balance_minor, 75000, account.dpd)
