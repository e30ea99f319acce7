"""Instalment plans and settlements: agreed within policy, filled by payments in order, late, broken or
completed; a paid settlement writes off the rest and closes the account as settled."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from arrears.arrangements.models import Arrangement, ArrangementPolicy, ArrangementTally, Channel, Instalment
from arrears.arrangements.services import cancel_arrangement, create_arrangement
from arrears.arrangements.tracking import evaluate_accounts
from arrears.core.models import AuditEvent, DomainEvent
from arrears.core.money import Money
from arrears.ledger.models import EntryKind, LedgerEntry
from arrears.portfolio.models import Account

pytestmark = pytest.mark.django_db


def plan(system, account, count=4, frequency="monthly", first_due=dt.date(2026, 12, 1), **extra):
    return create_arrangement(actor=system, account=account, kind="plan", count=count, frequency=frequency,
                              first_due=first_due, channel=Channel.PORTAL, **extra)


def settle(system, account, amount, count=1, first_due=dt.date(2026, 12, 1)):
    return create_arrangement(actor=system, account=account, kind="settlement", count=count, frequency="monthly",
                              first_due=first_due, settlement_amount=Money.of(amount, "EUR"))


def amounts(arrangement):
    return [(i.due_date, i.amount_minor) for i in arrangement.instalments.order_by("number")]


def test_a_plan_spreads_the_balance_and_puts_the_account_under_arrangement(system, account):
    made = plan(system, account, count=3)
    assert amounts(made) == [(dt.date(2026, 12, 1), 33333), (dt.date(2027, 1, 1), 33333), (dt.date(2027, 2, 1), 33334)]
    assert (made.total_minor, made.balance_minor, made.method, made.status) == (100000, 100000, "equal", "on_track")
    assert Account.objects.get(pk=account.pk).status == "arrangement"
    assert AuditEvent.objects.filter(action="arrangement.created", object_id=str(made.pk)).exists()
    assert DomainEvent.objects.filter(type="arrangement.created", account_id=account.pk).exists()
    assert ArrangementTally.objects.get(debtor=account.debtors.first()).plans_made == 1


def test_payments_fill_instalments_in_order_until_the_plan_completes(system, account, pay):
    made = plan(system, account, count=4)  # 4 × 250.00
    pay(account, "300.00")
    rows = list(made.instalments.order_by("number"))
    assert [(r.paid_minor, r.paid_on) for r in rows] == [
        (25000, dt.date(2026, 11, 23)), (5000, None), (0, None), (0, None)]
    pay(account, "700.00")
    made.refresh_from_db()
    assert (made.status, made.paid_minor, made.ended_on) == ("completed", 100000, dt.date(2026, 11, 23))
    assert Account.objects.get(pk=account.pk).status == "paid"
    assert DomainEvent.objects.filter(type="arrangement.completed").count() == 1


def test_an_instalment_missed_beyond_grace_makes_the_plan_late_and_two_break_it(system, account, pay):
    made = plan(system, account, count=4)
    evaluate_accounts([account.pk], business_date=dt.date(2026, 12, 6))  # first due 12-01, 5 days' grace
    made.refresh_from_db()
    assert made.status == "on_track"
    evaluate_accounts([account.pk], business_date=dt.date(2026, 12, 7))
    made.refresh_from_db()
    assert made.status == "late"
    assert DomainEvent.objects.filter(type="arrangement.updated", payload__status="late").exists()

    evaluate_accounts([account.pk], business_date=dt.date(2027, 1, 7))
    made.refresh_from_db()
    assert (made.status, made.ended_on) == ("broken", dt.date(2027, 1, 7))
    assert Account.objects.get(pk=account.pk).status == "active"
    tally = ArrangementTally.objects.get(debtor=account.debtors.first())
    assert (tally.plans_broken, tally.last_broken_on) == (1, dt.date(2027, 1, 7))
    assert DomainEvent.objects.filter(type="arrangement.broken").count() == 1


def test_a_paid_settlement_writes_off_the_rest_and_closes_the_account_as_settled(system, account, pay):
    made = settle(system, account, "900.00")  # 114 days past due: the default table allows 10%
    assert (made.total_minor, made.discount_minor) == (90000, 10000)
    pay(account, "900.00")
    made.refresh_from_db()
    closed = Account.objects.get(pk=account.pk)
    assert made.status == "completed"
    assert (closed.status, closed.balance_minor) == ("settled", 0)
    write_off = LedgerEntry.objects.get(account=account, kind=EntryKind.WRITE_OFF)
    assert write_off.amount_minor == -10000


def test_a_settlement_below_the_policy_discount_or_past_its_limits_is_refused(system, account):
    with pytest.raises(ValidationError) as refused:
        settle(system, account, "850.00")
    assert "amount" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        settle(system, account, "900.00", count=4)
    assert "count" in refused.value.message_dict
    assert not Arrangement.objects.exists() and not Instalment.objects.exists()
    assert Account.objects.get(pk=account.pk).status == "placed"


@pytest.mark.parametrize(("changes", "field"), [
    ({"count": 25}, "count"),                                    # more than 24 instalments
    ({"count": 60}, "count"),                                    # instalments under 20.00 as well
    ({"frequency": "weekly"}, "frequency"),                      # only monthly is offered by default
    ({"first_due": dt.date(2026, 11, 20)}, "first_due"),        # in the past
])
def test_a_plan_outside_the_policy_is_refused_at_its_field(system, account, changes, field):
    with pytest.raises(ValidationError) as refused:
        plan(system, account, **changes)
    assert field in refused.value.message_dict
    assert not Arrangement.objects.exists()


def test_an_annuity_plan_charges_its_interest_to_the_account(system, account):
    ArrangementPolicy.objects.create(creditor=account.creditor, plan_annual_rate=Decimal("12"))
    made = plan(system, account, count=12)
    rows = list(made.instalments.order_by("number"))
    interest = sum(r.interest_minor for r in rows)
    assert made.method == "annuity" and interest > 0
    assert sum(r.principal_minor for r in rows) == 100000
    assert made.total_minor == 100000 + interest
    assert rows[0].amount_minor == 8885  # 1,000.00 at 1% a month over 12 months
    assert Account.objects.get(pk=account.pk).interest_minor == interest


def test_one_running_arrangement_per_account_and_cancelling_returns_it_to_collection(system, account):
    made = plan(system, account)
    with pytest.raises(ValidationError, match="already has an arrangement"):
        plan(system, account)
    cancel_arrangement(actor=system, arrangement=made, reason="debtor asked for a settlement instead")
    made.refresh_from_db()
    assert made.status == "cancelled" and Account.objects.get(pk=account.pk).status == "active"
    assert settle(system, account, "900.00").status == "on_track"
