"""Days past due and buckets, worked by hand: from the oldest unpaid due date, less agreed pause days."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from arrears.conftest import greek_debtor
from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.ledger.aging import age_book
from arrears.ledger.allocation import OpenItem
from arrears.ledger.corrections import reverse_payment
from arrears.ledger.delinquency import (
    bucket_for,
    days_past_due,
    is_material_arrears,
    oldest_unpaid_due_date,
    validate_buckets,
)
from arrears.ledger.models import BucketSpell
from arrears.ledger.queries import arrears_minor, ledger_discrepancies
from arrears.ledger.services import ChargeIn, PaymentIn, post_payment
from arrears.portfolio import services as portfolio_services
from arrears.portfolio.models import DEFAULT_BUCKETS, Account, Creditor
from arrears.portfolio.services import AccountIn

SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)
TODAY = dt.date(2026, 11, 23)  # the business date of the fixtures
QUARTERLY = [  # a creditor's own table
    {"code": "current", "min": 0, "max": 0},
    {"code": "early", "min": 1, "max": 29},
    {"code": "mid", "min": 30, "max": 89},
    {"code": "late", "min": 90, "max": None},
]


# --- pure functions ------------------------------------------------------------------------------------

def test_dpd_counts_from_the_oldest_unpaid_due_date():
    items = [OpenItem(1, "principal", SEP, 0), OpenItem(2, "principal", OCT, 5_000),
             OpenItem(3, "principal", NOV, 10_000), OpenItem(4, "principal", dt.date(2026, 12, 1), 10_000)]
    assert oldest_unpaid_due_date(items, TODAY) == OCT
    assert days_past_due(OCT, TODAY) == 53
    # Not yet due items do not count; nothing due means no DPD.
    assert oldest_unpaid_due_date(items[3:], TODAY) is None
    assert days_past_due(None, TODAY) == 0
    assert days_past_due(dt.date(2026, 12, 1), TODAY) == 0
    assert days_past_due(TODAY, TODAY) == 0


@pytest.mark.parametrize(("pause_days", "dpd"), [(0, 83), (10, 73), (83, 0), (200, 0)])
def test_agreed_pause_days_are_not_counted_and_dpd_is_never_negative(pause_days, dpd):
    assert days_past_due(SEP, TODAY, pause_days) == dpd


@pytest.mark.parametrize(("dpd", "bucket"), [
    (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"),
    (91, "91-180"), (180, "91-180"), (181, "181-365"), (365, "181-365"), (366, "365+"), (10_000, "365+")])
def test_default_bucket_boundaries_are_inclusive(dpd, bucket):
    assert bucket_for(dpd, DEFAULT_BUCKETS) == bucket


@pytest.mark.parametrize(("dpd", "bucket"), [(0, "current"), (1, "early"), (29, "early"), (30, "mid"), (89, "mid"),
                                             (90, "late"), (5000, "late")])
def test_a_creditors_own_bucket_table_is_used(dpd, bucket):
    assert bucket_for(dpd, QUARTERLY) == bucket


@given(st.integers(min_value=0, max_value=100_000))
def test_every_dpd_falls_in_exactly_one_bucket_of_a_valid_table(dpd):
    for table in (DEFAULT_BUCKETS, QUARTERLY):
        assert validate_buckets(table) == []
        holding = [b for b in table if b["min"] <= dpd and (b["max"] is None or dpd <= b["max"])]
        assert len(holding) == 1 and bucket_for(dpd, table) == holding[0]["code"]


@pytest.mark.parametrize(("buckets", "problem"), [
    ([{"code": "a", "min": 0, "max": 30}, {"code": "b", "min": 32, "max": None}], "starts at 32, expected 31"),
    ([{"code": "a", "min": 0, "max": 30}, {"code": "b", "min": 30, "max": None}], "starts at 30, expected 31"),
    ([{"code": "a", "min": 1, "max": 30}, {"code": "b", "min": 31, "max": None}], "starts at 1, expected 0"),
    ([{"code": "a", "min": 0, "max": 30}, {"code": "b", "min": 31, "max": 60}], "must be open-ended"),
    ([{"code": "a", "min": 0, "max": None}, {"code": "b", "min": 31, "max": None}], "only the last"),
    ([{"code": "a", "min": 0, "max": 10}, {"code": "b", "min": 11, "max": 5}, {"code": "c", "min": 6, "max": None}],
     "ends before it starts"),
    ([{"code": "a", "min": 0}], "needs code, min and max"),
    ([], "non-empty"),
    ("1-30,31-60", "non-empty"),
])
def test_bucket_tables_with_gaps_overlaps_or_no_end_are_refused(buckets, problem):
    problems = validate_buckets(buckets)
    assert any(problem in p for p in problems), problems


def test_bucket_for_a_dpd_no_bucket_holds_is_an_error():
    with pytest.raises(ValueError):
        bucket_for(5, [{"code": "current", "min": 0, "max": 0}])


@pytest.mark.parametrize(("arrears", "exposure", "material"), [
    (10_001, 100_000, True),   # over EUR 100 and over 1%
    (10_000, 100_000, False),  # not over EUR 100
    (20_000, 2_000_000, False),  # exactly 1%: not over it
    (20_001, 2_000_000, True),
    (5_000, 10_000, False),  # 50% but under EUR 100: both must be exceeded
])
def test_eu_materiality_needs_both_thresholds_exceeded(arrears, exposure, material):
    assert is_material_arrears(arrears, exposure) is material


# --- through the services --------------------------------------------------------------------------------

def instalment_account(system, *, buckets=None, amount="100.00"):
    """Three monthly instalments of principal, due 1 September, 1 October and 1 November 2026."""
    creditor = portfolio_services.create_creditor(actor=system, code="dpd-bank", name="DPD Bank", kind="bank",
                                                  country="GR", **({"buckets": buckets} if buckets else {}))
    portfolio = portfolio_services.create_portfolio(
        actor=system, creditor=creditor, code="loans", name="Loans", original_creditor="Original Bank S.A.",
        mandate="servicing", placed_on=dt.date(2026, 1, 15), currency="EUR", jurisdiction="GR")
    charges = [ChargeIn("principal", Money.of(amount, "EUR"), due, instalment=n)
               for n, due in enumerate([SEP, OCT, NOV], start=1)]
    return portfolio_services.place_account(
        actor=system, portfolio=portfolio,
        account=AccountIn(creditor_reference="INST-1", product="personal_loan", contract_date=dt.date(2025, 8, 1),
                          debtors=[(greek_debtor(), "primary")]),
        balances=charges)


def pay(account, amount, external_id):
    return PaymentIn(account_id=account.pk, amount=Money.of(amount, "EUR"), source="bank",
                     external_id=external_id, value_date=TODAY)


def state(account):
    account.refresh_from_db()
    return account.oldest_unpaid_due_date, account.dpd, account.bucket


def spells(account):
    return [(s.bucket, s.entered_on, s.exited_on) for s in BucketSpell.objects.filter(account=account)
            .order_by("entered_on", "id")]


@pytest.mark.django_db
def test_paying_instalments_moves_dpd_to_the_next_unpaid_one(system, business_date):
    account = instalment_account(system)
    assert state(account) == (SEP, 83, "61-90")
    assert arrears_minor(account, business_date) == 30000

    post_payment(actor=system, payment=pay(account, "60.00", "p1"))  # September only partly paid
    assert state(account) == (SEP, 83, "61-90")

    post_payment(actor=system, payment=pay(account, "40.00", "p2"))  # clears September
    assert state(account) == (OCT, 53, "31-60")

    post_payment(actor=system, payment=pay(account, "150.00", "p3"))  # October and half of November
    assert state(account) == (NOV, 22, "1-30")

    last = post_payment(actor=system, payment=pay(account, "50.00", "p4"))
    assert state(account) == (None, 0, "current")
    assert arrears_minor(account, business_date) == 0

    reverse_payment(actor=system, payment=last.payment, reason="returned unpaid")
    assert state(account) == (NOV, 22, "1-30")
    assert ledger_discrepancies(business_date=business_date) == []


@pytest.mark.django_db
def test_bucket_spells_are_opened_and_closed_by_posting(system, business_date):
    account = instalment_account(system)
    post_payment(actor=system, payment=pay(account, "100.00", "p1"))
    post_payment(actor=system, payment=pay(account, "200.00", "p2"))
    assert spells(account) == [("61-90", TODAY, TODAY), ("31-60", TODAY, TODAY), ("current", TODAY, None)]
    assert BucketSpell.objects.filter(account=account, exited_on__isnull=True).count() == 1


@pytest.mark.django_db
def test_a_payment_that_keeps_the_bucket_opens_no_spell(system, business_date):
    account = instalment_account(system)
    post_payment(actor=system, payment=pay(account, "10.00", "p1"))
    assert spells(account) == [("61-90", TODAY, None)]


@pytest.mark.django_db
def test_the_creditors_bucket_table_decides_the_bucket(system, business_date):
    account = instalment_account(system, buckets=QUARTERLY)
    assert state(account) == (SEP, 83, "mid")
    # Ageing to exactly 90 days past the oldest unpaid date: the boundary belongs to "late".
    age_book(actor=system, business_date=SEP + dt.timedelta(days=90))
    assert state(account)[1:] == (90, "late")
    age_book(actor=system, business_date=SEP + dt.timedelta(days=89))
    assert state(account)[1:] == (89, "mid")


@pytest.mark.django_db
def test_ageing_the_book_opens_and_closes_spells_day_by_day(system, business_date):
    account = instalment_account(system)
    post_payment(actor=system, payment=pay(account, "100.00", "p1"))  # oldest unpaid: 1 October, 53 DPD
    assert state(account) == (OCT, 53, "31-60")
    for day in range(1, 10):
        age_book(actor=system, business_date=TODAY + dt.timedelta(days=day))
    # 53 + 7 = 60 on 30 November, 61 on 1 December: one move, on the day it happens.
    assert state(account) == (OCT, 62, "61-90")
    assert spells(account)[-2:] == [("31-60", TODAY, dt.date(2026, 12, 1)), ("61-90", dt.date(2026, 12, 1), None)]
    assert AuditEvent.objects.filter(action="book.aged").count() == 9
    assert ledger_discrepancies(business_date=TODAY + dt.timedelta(days=9)) == []


@pytest.mark.django_db
def test_ageing_subtracts_the_agreed_pause_days(system, business_date):
    account = instalment_account(system)
    Account.objects.filter(pk=account.pk).update(pause_days=30)  # agreed by an arrangement
    summary = age_book(actor=system, business_date=TODAY)
    assert state(account) == (SEP, 53, "31-60")
    assert summary["bucket_moves"] == 1
    assert spells(account) == [("61-90", TODAY, TODAY), ("31-60", TODAY, None)]
    # Posting computes the same DPD as ageing does.
    post_payment(actor=system, payment=pay(account, "1.00", "p1"))
    assert state(account) == (SEP, 53, "31-60")
    assert ledger_discrepancies(business_date=TODAY) == []


@pytest.mark.django_db
def test_ageing_leaves_accounts_no_longer_worked_alone(system, business_date):
    account = instalment_account(system)
    Account.objects.filter(pk=account.pk).update(status=Account.Status.RECALLED)
    summary = age_book(actor=system, business_date=TODAY + dt.timedelta(days=400))
    assert state(account) == (SEP, 83, "61-90")
    assert summary["accounts_aged"] == 0
    assert spells(account) == [("61-90", TODAY, None)]


@pytest.mark.django_db
def test_a_creditor_with_a_broken_bucket_table_is_refused_and_nothing_is_written(system):
    before = (Creditor.objects.count(), AuditEvent.objects.count())
    gap = [{"code": "current", "min": 0, "max": 0}, {"code": "1-30", "min": 1, "max": 30},
           {"code": "60+", "min": 60, "max": None}]
    with pytest.raises(ValidationError) as error:
        portfolio_services.create_creditor(actor=system, code="gappy", name="Gappy", kind="bank", country="GR",
                                           buckets=gap)
    assert "starts at 60, expected 31" in error.value.message_dict["buckets"][0]
    assert (Creditor.objects.count(), AuditEvent.objects.count()) == before
