"""Promises to pay: made within policy, kept, partly kept or broken by the payments that follow, counted
per debtor."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from arrears.arrangements import evaluation
from arrears.arrangements.models import ArrangementTally, Channel, Promise
from arrears.arrangements.services import cancel_promise, make_promise
from arrears.arrangements.tracking import evaluate_accounts
from arrears.core.models import AuditEvent, DomainEvent
from arrears.core.money import Money
from arrears.portfolio.services import set_debtor_flags

TODAY = dt.date(2026, 11, 23)


def promise(system, account, amount="300.00", due=dt.date(2026, 12, 5), currency="EUR"):
    return make_promise(actor=system, account=account, amount=Money.of(amount, currency), due_date=due,
                        channel=Channel.PORTAL, debtor=account.debtors.first())


def tally(account) -> ArrangementTally:
    return ArrangementTally.objects.get(debtor=account.debtors.first())


@pytest.mark.django_db
def test_a_promise_within_policy_is_recorded_audited_announced_and_counted(system, account):
    made = promise(system, account)
    assert (made.status, made.amount_minor, made.grace_days, made.tolerance_percent) == (
        "pending", 30000, 3, Decimal("5.00"))
    assert AuditEvent.objects.filter(action="promise.made", object_id=str(made.pk)).exists()
    assert DomainEvent.objects.filter(type="promise.made", account_id=account.pk).exists()
    assert tally(account).promises_made == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "due", "currency", "field"), [
    ("300.00", dt.date(2026, 11, 22), "EUR", "due_date"),   # yesterday
    ("300.00", dt.date(2027, 1, 5), "EUR", "due_date"),     # beyond 30 days ahead
    ("50.00", dt.date(2026, 12, 5), "EUR", "amount"),       # under 10% of the 1,000.00 in arrears
    ("1000.01", dt.date(2026, 12, 5), "EUR", "amount"),     # more than owed
    ("300.00", dt.date(2026, 12, 5), "PLN", "amount"),      # not the account's currency
])
def test_a_promise_outside_policy_is_refused_at_its_field_and_nothing_is_written(
        system, account, amount, due, currency, field):
    with pytest.raises(ValidationError) as refused:
        promise(system, account, amount, due, currency)
    assert field in refused.value.message_dict
    assert not Promise.objects.exists()
    assert not ArrangementTally.objects.filter(promises_made__gt=0).exists()


@pytest.mark.django_db
def test_a_second_pending_promise_and_a_promise_on_a_disputed_debt_are_refused(system, account):
    promise(system, account)
    with pytest.raises(ValidationError, match="already a promise"):
        promise(system, account, "200.00")
    other = account.debtors.first()
    set_debtor_flags(actor=system, debtor=other, disputed=True)
    cancel_promise(actor=system, promise=Promise.objects.get(), reason="debtor asked")
    with pytest.raises(ValidationError, match="disputed"):
        promise(system, account)


@pytest.mark.django_db
def test_paying_the_promised_amount_keeps_the_promise_at_once(system, account, pay):
    made = promise(system, account)
    pay(account, "100.00", dt.date(2026, 11, 23))
    made.refresh_from_db()
    assert (made.status, made.paid_minor) == ("pending", 10000)
    pay(account, "200.00", dt.date(2026, 11, 24))
    made.refresh_from_db()
    assert (made.status, made.paid_minor, made.resolved_on) == ("kept", 30000, dt.date(2026, 11, 24))
    assert tally(account).promises_kept == 1
    assert DomainEvent.objects.filter(type="promise.kept", account_id=account.pk).exists()


@pytest.mark.django_db
def test_a_shortfall_within_the_tolerance_still_keeps_the_promise(system, account, pay):
    made = promise(system, account)  # 300.00 with 5% tolerated: 285.00 keeps it
    pay(account, "285.00")
    made.refresh_from_db()
    assert made.status == "kept"


@pytest.mark.django_db
def test_past_its_date_and_grace_a_promise_is_partly_kept_or_broken(system, account, make_account, pay):
    part = promise(system, account)
    pay(account, "100.00")
    other = make_account(account.portfolio, principal="500.00")
    none = promise(system, other, "100.00")
    evaluate_accounts([account.pk, other.pk], business_date=dt.date(2026, 12, 8))  # due 12-05 + 3 days grace
    part.refresh_from_db(), none.refresh_from_db()
    assert (part.status, none.status) == ("pending", "pending")

    counts = evaluate_accounts([account.pk, other.pk], business_date=dt.date(2026, 12, 9))
    part.refresh_from_db(), none.refresh_from_db()
    assert (part.status, part.paid_minor, part.resolved_on) == ("partially_kept", 10000, dt.date(2026, 12, 9))
    assert (none.status, none.paid_minor) == ("broken", 0)
    assert counts == {"promises_partially_kept": 1, "promises_broken": 1}
    assert tally(other).promises_broken == 1 and tally(other).last_broken_on == dt.date(2026, 12, 9)
    assert DomainEvent.objects.filter(type="promise.broken").count() == 2
    assert evaluate_accounts([account.pk, other.pk], business_date=dt.date(2026, 12, 10)) == {}  # settled once


@pytest.mark.django_db
def test_payments_made_before_the_promise_do_not_count_towards_it(system, account, pay):
    pay(account, "300.00")
    made = promise(system, account, "200.00")
    evaluate_accounts([account.pk])
    made.refresh_from_db()
    assert (made.status, made.paid_minor) == ("pending", 0)


payments_strategy = st.lists(st.tuples(st.dates(dt.date(2026, 11, 1), dt.date(2027, 1, 31)),
                                       st.integers(1, 50_000)), max_size=12)


@given(amount=st.integers(1, 200_000), payments=payments_strategy, grace=st.integers(0, 10),
       tolerance=st.decimals(0, 20, places=2), seed=st.integers(0, 2**32 - 1))
def test_a_promise_is_judged_the_same_whatever_order_its_payments_arrive_in(amount, payments, grace, tolerance,
                                                                            seed):
    shuffled = list(payments)
    random.Random(seed).shuffle(shuffled)
    kwargs = {"amount_minor": amount, "due_date": dt.date(2026, 12, 15), "grace_days": grace,
              "tolerance_percent": tolerance, "today": dt.date(2027, 2, 1)}
    first = evaluation.promise_outcome(payments=payments, **kwargs)
    assert evaluation.promise_outcome(payments=shuffled, **kwargs) == first
    counted = sum(a for d, a in payments if d <= dt.date(2026, 12, 15) + dt.timedelta(days=grace))
    assert first.paid_minor == counted
    assert (first.status == "kept") == (counted >= evaluation.kept_threshold(amount, tolerance))
    assert first.status != "pending"  # judged after the deadline, every promise is resolved
