"""The ledger through its services: balance = sum of entries, cents conserved, nothing paid twice.

Random sequences of charges, payments (under-, exact and overpayments, designated or not), repeats of a
payment already posted and reversals run against the database; after each step the running balances,
the entries, the due items and the allocations must tell the same story.
"""

import datetime as dt
from collections import defaultdict

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.conftest import BUSINESS_DATE, greek_debtor
from arrears.core.money import Money
from arrears.ledger.allocation import DUE_DATE_FIRST, OpenItem, allocate
from arrears.ledger.corrections import reverse_payment
from arrears.ledger.models import OWED_COMPONENTS, Allocation, Component, DueItem, EntryKind, LedgerEntry, Payment
from arrears.ledger.queries import balance_by_component, ledger_discrepancies
from arrears.ledger.services import BALANCE_FIELD, ChargeIn, PaymentIn, post_charges, post_payment
from arrears.portfolio import services as portfolio_services
from arrears.portfolio.models import Account
from arrears.portfolio.services import AccountIn, balance_charges

pytestmark = pytest.mark.django_db

COMPONENTS = [str(c) for c in OWED_COMPONENTS]
DB_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

charge_op = st.tuples(st.just("charge"), st.sampled_from(COMPONENTS), st.integers(1, 60_000),
                      st.integers(-150, 40))  # due date relative to the business date
pay_op = st.tuples(st.just("pay"), st.integers(1, 90_000),
                   st.none() | st.lists(st.sampled_from(COMPONENTS), unique=True, min_size=1, max_size=2))
repeat_op = st.tuples(st.just("repeat"), st.integers(0, 50))
reverse_op = st.tuples(st.just("reverse"), st.integers(0, 50))
operations = st.lists(st.one_of(charge_op, pay_op, pay_op, repeat_op, reverse_op), min_size=1, max_size=10)
waterfalls = st.tuples(st.permutations(COMPONENTS), st.sampled_from(["component_first", "due_date_first"]))


def place(system, *, currency="EUR", order=None, mode="component_first", opening=None):
    creditor = portfolio_services.create_creditor(
        actor=system, code="prop-bank", name="Property Bank", kind="bank", country="GR",
        **({"allocation_order": list(order)} if order else {}), allocation_mode=mode)
    portfolio = portfolio_services.create_portfolio(
        actor=system, creditor=creditor, code="book", name="Book", original_creditor="Original Bank S.A.",
        mandate="servicing", placed_on=dt.date(2026, 1, 15), currency=currency, jurisdiction="GR")
    account = portfolio_services.place_account(
        actor=system, portfolio=portfolio,
        account=AccountIn(creditor_reference="P-1", product="personal_loan", contract_date=dt.date(2022, 5, 2),
                          debtors=[(greek_debtor(), "primary")]),
        balances=opening or [])
    return account


def check_ledger(account_id):
    """Every way of adding up the account gives the same numbers."""
    account = Account.objects.get(pk=account_id)
    assert ledger_discrepancies(account_ids=[account_id], business_date=BUSINESS_DATE) == []

    # Balance per component == the sum of its ledger entries, summed here straight from the rows.
    sums = defaultdict(int)
    for entry in LedgerEntry.objects.filter(account_id=account_id):
        assert entry.currency == account.currency
        sums[entry.component] += entry.amount_minor
    assert balance_by_component(account) == sums
    for component, field_name in BALANCE_FIELD.items():
        assert getattr(account, field_name) == sums.get(component, 0), component

    # Each owed component == what its due items still have open; never negative, never overpaid.
    items = list(DueItem.objects.filter(account_id=account_id))
    for component in COMPONENTS:
        open_minor = sum(i.amount_minor - i.settled_minor for i in items if i.component == component)
        assert getattr(account, BALANCE_FIELD[component]) == open_minor >= 0
    assert all(0 <= i.settled_minor <= i.amount_minor for i in items)
    assert account.credit_minor <= 0

    # Charged - live payments == what is owed net of credit.
    charged = sum(i.amount_minor for i in items)
    live = Payment.objects.filter(account_id=account_id, status=Payment.Status.POSTED)
    received = live.aggregate(total=Sum("amount_minor"))["total"] or 0
    assert account.balance_minor == charged - received

    # Each live payment: its entries take off exactly its amount = allocated to due items + credit held.
    credit_held = 0
    for payment in Payment.objects.filter(account_id=account_id):
        entries = list(payment.entries.all())
        if payment.status == Payment.Status.REVERSED:
            assert sum(e.amount_minor for e in entries) == 0
            assert all(e.reverses_id for e in entries if e.kind == EntryKind.REVERSAL)
            continue
        assert {e.kind for e in entries} == {EntryKind.PAYMENT}
        assert -sum(e.amount_minor for e in entries) == payment.amount_minor
        allocated = Allocation.objects.filter(entry__payment=payment).aggregate(total=Sum("amount_minor"))["total"]
        credit = -sum(e.amount_minor for e in entries if e.component == Component.CREDIT)
        assert (allocated or 0) + credit == payment.amount_minor
        credit_held += credit
    # Credit moved onto later charges (and back when the payment behind it was reversed) nets off.
    applied = LedgerEntry.objects.filter(account_id=account_id, component=Component.CREDIT,
                                         kind=EntryKind.CREDIT_APPLIED).aggregate(total=Sum("amount_minor"))["total"]
    assert -account.credit_minor == credit_held - (applied or 0)
    return account


@DB_SETTINGS
@given(ops=operations, waterfall=waterfalls, currency=st.sampled_from(["EUR", "JPY"]))
def test_balances_equal_the_sum_of_entries_after_any_sequence_of_postings(system, business_date, ops, waterfall,
                                                                         currency):
    order, mode = waterfall
    with transaction.atomic():
        account = place(system, currency=currency, order=order, mode=mode,
                        opening=balance_charges(currency, business_date - dt.timedelta(days=45), principal="500"))
        payments: list = []  # (PaymentIn, Payment)
        for n, op in enumerate(ops):
            if op[0] == "charge":
                _, component, minor, offset = op
                post_charges(actor=system, account=account, charges=[
                    ChargeIn(component, Money(minor, currency), business_date + dt.timedelta(days=offset))])
            elif op[0] == "pay":
                _, minor, designation = op
                before = Account.objects.get(pk=account.pk)
                incoming = PaymentIn(account_id=account.pk, amount=Money(minor, currency), source="bank",
                                     external_id=f"pay-{n}", value_date=business_date,
                                     designation=tuple(designation) if designation else None)
                outcome = post_payment(actor=system, payment=incoming)
                assert outcome.created
                payments.append((incoming, outcome.payment))
                after = Account.objects.get(pk=account.pk)
                assert after.balance_minor == before.balance_minor - minor
            elif op[0] == "repeat" and payments:
                incoming, payment = payments[op[1] % len(payments)]
                before = (LedgerEntry.objects.count(), Account.objects.get(pk=account.pk).balance_minor)
                again = post_payment(actor=system, payment=incoming)
                assert (again.created, again.payment.pk) == (False, payment.pk)
                assert (LedgerEntry.objects.count(), Account.objects.get(pk=account.pk).balance_minor) == before
            elif op[0] == "reverse" and payments:
                _, payment = payments[op[1] % len(payments)]
                payment.refresh_from_db()
                before = Account.objects.get(pk=account.pk).balance_minor
                if payment.status == Payment.Status.REVERSED:
                    with pytest.raises(ValidationError) as error:
                        reverse_payment(actor=system, payment=payment, reason="returned twice?")
                    assert "payment" in error.value.message_dict
                    assert Account.objects.get(pk=account.pk).balance_minor == before
                else:
                    reverse_payment(actor=system, payment=payment, reason="returned by the bank")
                    assert Account.objects.get(pk=account.pk).balance_minor == before + payment.amount_minor
            check_ledger(account.pk)
        transaction.set_rollback(True)


@DB_SETTINGS
@given(
    charges=st.lists(st.tuples(st.sampled_from(COMPONENTS), st.integers(1, 20_000), st.integers(-200, 30)),
                     min_size=1, max_size=8),
    amount=st.integers(1, 150_000), waterfall=waterfalls,
    designation=st.none() | st.lists(st.sampled_from(COMPONENTS), unique=True, min_size=1, max_size=3),
)
def test_the_service_settles_exactly_what_the_waterfall_says(system, business_date, charges, amount, waterfall,
                                                             designation):
    """The allocations written by post_payment are the pure waterfall's shares over the open items."""
    order, mode = waterfall
    with transaction.atomic():
        account = place(system, order=order, mode=mode, opening=[
            ChargeIn(component, Money(minor, "EUR"), business_date + dt.timedelta(days=offset))
            for component, minor, offset in charges])
        items = [OpenItem(i.pk, i.component, i.due_date, i.open_minor) for i in DueItem.objects.filter(account=account)]
        expected = allocate(amount, items, list(order), mode, designation, due_by=business_date)
        outcome = post_payment(actor=system, payment=PaymentIn(
            account_id=account.pk, amount=Money(amount, "EUR"), source="bank", external_id="one",
            value_date=business_date, designation=tuple(designation) if designation else None))
        written = sorted((a.due_item_id, a.amount_minor)
                         for a in Allocation.objects.filter(entry__payment=outcome.payment))
        assert written == sorted((s.item_id, s.amount_minor) for s in expected if s.item_id is not None)
        credit = sum(s.amount_minor for s in expected if s.item_id is None)
        assert Account.objects.get(pk=account.pk).credit_minor == -credit
        check_ledger(account.pk)
        transaction.set_rollback(True)


def pay(account, amount, external_id, **extra):
    return PaymentIn(account_id=account.pk, amount=Money.of(amount, account.currency), source="bank",
                     external_id=external_id, value_date=BUSINESS_DATE, **extra)


def balances(account):
    account.refresh_from_db()
    return {c: getattr(account, BALANCE_FIELD[c]) for c in ["costs", "fees", "interest", "principal", "credit"]}


def test_default_waterfall_through_the_service_pays_costs_fees_interest_then_principal_oldest_first(
        system, business_date):
    account = place(system, opening=[
        *balance_charges("EUR", dt.date(2026, 9, 1), principal="100.00", interest="10.00"),
        *balance_charges("EUR", dt.date(2026, 10, 1), principal="100.00", interest="10.00", fees="5.00"),
        *balance_charges("EUR", dt.date(2026, 11, 1), costs="20.00"),
    ])
    post_payment(actor=system, payment=pay(account, "40.00", "p1"))
    assert balances(account) == {"costs": 0, "fees": 0, "interest": 500, "principal": 20000, "credit": 0}
    # The interest left open is October's: September's, the oldest, was paid first.
    open_interest = DueItem.objects.get(account=account, component="interest", settled_minor__lt=1000)
    assert open_interest.due_date == dt.date(2026, 10, 1)
    post_payment(actor=system, payment=pay(account, "105.00", "p2"))
    assert balances(account) == {"costs": 0, "fees": 0, "interest": 0, "principal": 10000, "credit": 0}
    account.refresh_from_db()
    assert account.oldest_unpaid_due_date == dt.date(2026, 10, 1)
    check_ledger(account.pk)


def test_due_date_first_creditor_pays_the_oldest_instalment_whole_before_the_next(system, business_date):
    """Polish civil code art. 451: overdue interest, then principal, oldest debt first."""
    account = place(system, mode=DUE_DATE_FIRST, order=["interest", "principal", "costs", "fees", "penalties"],
                    opening=[*balance_charges("EUR", dt.date(2026, 9, 1), principal="100.00", interest="10.00"),
                             *balance_charges("EUR", dt.date(2026, 10, 1), principal="100.00", interest="10.00")])
    post_payment(actor=system, payment=pay(account, "115.00", "p1"))
    assert balances(account) == {"costs": 0, "fees": 0, "interest": 500, "principal": 10000, "credit": 0}
    account.refresh_from_db()
    assert account.oldest_unpaid_due_date == dt.date(2026, 10, 1)
    assert account.dpd == (business_date - dt.date(2026, 10, 1)).days
    check_ledger(account.pk)


def test_a_debtors_designation_is_honoured(system, business_date):
    account = place(system, opening=balance_charges("EUR", dt.date(2026, 9, 1), principal="100.00",
                                                    interest="10.00", costs="20.00"))
    outcome = post_payment(actor=system, payment=pay(account, "100.00", "p1", designation=("principal",)))
    assert balances(account) == {"costs": 2000, "fees": 0, "interest": 1000, "principal": 0, "credit": 0}
    assert outcome.payment.designation == ["principal"]
    check_ledger(account.pk)


@pytest.mark.parametrize("designation", [("credit",), ("capital",), ("principal", "tips")])
def test_a_designation_of_something_not_owed_is_refused(system, business_date, designation):
    account = place(system, opening=balance_charges("EUR", dt.date(2026, 9, 1), principal="100.00"))
    with pytest.raises(ValidationError) as error:
        post_payment(actor=system, payment=pay(account, "10.00", "p1", designation=designation))
    assert "designation" in error.value.message_dict
    assert not Payment.objects.exists()


def test_overpayment_is_held_as_credit_and_reversal_gives_it_back(system, business_date):
    account = place(system, opening=balance_charges("EUR", dt.date(2026, 9, 1), principal="100.00"))
    outcome = post_payment(actor=system, payment=pay(account, "130.00", "p1"))
    assert balances(account) == {"costs": 0, "fees": 0, "interest": 0, "principal": 0, "credit": -3000}
    assert account.balance_minor == -3000
    reverse_payment(actor=system, payment=outcome.payment, reason="chargeback")
    assert balances(account) == {"costs": 0, "fees": 0, "interest": 0, "principal": 10000, "credit": 0}
    check_ledger(account.pk)


def test_credit_held_pays_a_charge_posted_later(system, business_date):
    account = place(system, opening=balance_charges("EUR", dt.date(2026, 9, 1), principal="100.00"))
    post_payment(actor=system, payment=pay(account, "150.00", "p1"))
    post_charges(actor=system, account=account, charges=[ChargeIn("fees", Money.of("20.00", "EUR"),
                                                                  dt.date(2026, 11, 1))])
    account.refresh_from_db()
    assert (account.fees_minor, account.credit_minor, account.dpd) == (0, -3000, 0)


def test_ledger_entries_cannot_be_changed_or_deleted(system, business_date):
    account = place(system, opening=balance_charges("EUR", dt.date(2026, 9, 1), principal="100.00"))
    entry = LedgerEntry.objects.get(account=account)
    entry.amount_minor = 1
    for attempt in (entry.save, entry.delete, lambda: LedgerEntry.objects.filter(pk=entry.pk).update(amount_minor=1),
                    lambda: LedgerEntry.objects.filter(pk=entry.pk).delete()):
        with pytest.raises(PermissionError):
            attempt()
    assert LedgerEntry.objects.get(pk=entry.pk).amount_minor == 10000
