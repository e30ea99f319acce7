"""Instalment schedules: worked examples, exact sums for any plan, and annuity payments that match numpy-financial."""

import calendar
import datetime
import math
import sys
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import assume, given, note
from hypothesis import strategies as st

from arrears.arrangements.schedule import (
    Frequency,
    Method,
    ScheduledInstalment,
    annuity_payment_minor,
    build_schedule,
    due_dates,
    periods_per_year,
)

D = datetime.date

# Rounding each annuity payment to a whole minor unit drifts the balance by under one minor unit a period, compounded.
# Over at most 120 periods at up to 30% a year that drift stays below 232 minor units per instalment (worst case,
# monthly at 30% over 120 months), so plans with at least this much per instalment can always be built.
SAFE_MINOR_PER_INSTALMENT = 250

frequencies = st.sampled_from(list(Frequency))
methods = st.sampled_from(list(Method))
rates = st.decimals(min_value=0, max_value=30, places=2)
counts = st.integers(min_value=1, max_value=120)
first_dues = st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31))


def schedule(principal, count, method=Method.EQUAL, frequency=Frequency.MONTHLY, first_due=D(2026, 1, 31), **kwargs):
    return build_schedule(principal_minor=principal, count=count, first_due=first_due, frequency=frequency,
                          method=method, **kwargs)


def amounts(rows):
    return [row.amount_minor for row in rows]


@pytest.mark.parametrize(("frequency", "periods"), [("weekly", 52), ("fortnightly", 26), ("monthly", 12)])
def test_periods_per_year(frequency, periods):
    assert periods_per_year(frequency) == periods


def test_equal_monthly_split_puts_the_remainder_last():
    rows = schedule(100000, 3)
    assert rows == [
        ScheduledInstalment(1, D(2026, 1, 31), 33333, 33333, 0),
        ScheduledInstalment(2, D(2026, 2, 28), 33333, 33333, 0),
        ScheduledInstalment(3, D(2026, 3, 31), 33334, 33334, 0),
    ]


@pytest.mark.parametrize(
    ("first_due", "frequency", "expected"),
    [
        # monthly dates are clamped to short months but always computed from first_due
        (D(2026, 1, 31), "monthly", [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)]),
        (D(2028, 1, 30), "monthly", [D(2028, 1, 30), D(2028, 2, 29), D(2028, 3, 30)]),
        (D(2026, 11, 30), "monthly", [D(2026, 11, 30), D(2026, 12, 30), D(2027, 1, 30), D(2027, 2, 28)]),
        (D(2026, 1, 1), "weekly", [D(2026, 1, 1), D(2026, 1, 8), D(2026, 1, 15)]),
        (D(2026, 12, 24), "fortnightly", [D(2026, 12, 24), D(2027, 1, 7), D(2027, 1, 21)]),
    ],
)
def test_due_dates(first_due, frequency, expected):
    assert due_dates(first_due, frequency, len(expected)) == expected


def test_down_payment_comes_first_and_the_rest_starts_one_period_later():
    rows = schedule(100000, 3, down_payment_minor=10000)
    assert [(row.number, row.due_date, row.amount_minor) for row in rows] == [
        (1, D(2026, 1, 31), 10000),
        (2, D(2026, 2, 28), 30000),
        (3, D(2026, 3, 31), 30000),
        (4, D(2026, 4, 30), 30000),
    ]
    assert rows[0].interest_minor == 0


def test_annuity_worked_example():
    # 1000.00 over 3 months at 12% a year: 1% a month, payment 340.022... -> 340.02; the last row absorbs rounding
    rows = schedule(100000, 3, Method.ANNUITY, annual_rate=Decimal(12))
    assert [(row.amount_minor, row.principal_minor, row.interest_minor) for row in rows] == [
        (34002, 33002, 1000),
        (34002, 33332, 670),
        (34003, 33666, 337),
    ]


def test_annuity_payment_matches_the_textbook_value():
    assert annuity_payment_minor(100000, Decimal("0.01"), 12) == 8885  # 88.85, the standard 12% / 12 months loan
    assert annuity_payment_minor(100000, Decimal(0), 3) == 33333
    assert annuity_payment_minor(5, Decimal(0), 2) == 3  # 2.5 rounds half up


def test_annuity_without_interest_is_an_equal_split():
    assert amounts(schedule(100000, 3, Method.ANNUITY)) == [33333, 33333, 33334]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"principal": 0, "count": 3}, "positive"),
        ({"principal": -5, "count": 3}, "positive"),
        ({"principal": 100, "count": 0}, "at least 1"),
        ({"principal": 100, "count": 3, "annual_rate": Decimal("-0.01")}, "rate"),
        ({"principal": 100, "count": 3, "annual_rate": Decimal("NaN")}, "rate"),
        ({"principal": 100, "count": 3, "down_payment_minor": -1}, "negative"),
        ({"principal": 100, "count": 3, "down_payment_minor": 100}, "less than"),
        ({"principal": 100, "count": 3, "frequency": "daily"}, "frequency"),
        ({"principal": 100, "count": 3, "method": "balloon"}, "method"),
        # fewer minor units than instalments
        ({"principal": 2, "count": 3}, "fewer instalments"),
        ({"principal": 100, "count": 3, "down_payment_minor": 98}, "fewer instalments"),
        # 1.00 over 60 months at 0.01%: each payment of 1.67 rounds up to 2 cents and repays the debt after 50 months
        ({"principal": 100, "count": 60, "method": "annuity", "annual_rate": Decimal("0.01")}, "fewer instalments"),
    ],
)
def test_bad_plans_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        schedule(kwargs.pop("principal"), kwargs.pop("count"), **kwargs)


@given(first_due=first_dues, frequency=frequencies, count=counts)
def test_due_dates_step_by_one_period(first_due, frequency, count):
    dates = due_dates(first_due, frequency, count)
    assert len(dates) == count
    assert dates[0] == first_due
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    if frequency == Frequency.MONTHLY:
        for i, due in enumerate(dates):
            assert (due.year * 12 + due.month) - (first_due.year * 12 + first_due.month) == i
            assert due.day == min(first_due.day, calendar.monthrange(due.year, due.month)[1])
    else:
        step = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14}[frequency]
        assert all((b - a).days == step for a, b in zip(dates, dates[1:], strict=False))


@st.composite
def plans(draw):
    """Any plan whose remaining principal gives each instalment at least one minor unit."""
    count = draw(counts)
    principal = draw(st.integers(min_value=count, max_value=10**9))
    down = 0
    if principal > count:
        down = draw(st.one_of(st.just(0), st.integers(min_value=1, max_value=principal - count)))
    return {"principal_minor": principal, "count": count, "down_payment_minor": down, "first_due": draw(first_dues),
            "frequency": draw(frequencies), "method": draw(methods), "annual_rate": draw(rates)}


@given(plan=plans())
def test_any_plan_repays_the_principal_exactly(plan):
    remaining = plan["principal_minor"] - plan["down_payment_minor"]
    try:
        rows = build_schedule(**plan)
    except ValueError:
        # only an annuity can be refused here: rounded payments repay a small debt before the last instalment
        assert plan["method"] == Method.ANNUITY and plan["annual_rate"] > 0
        assert remaining < SAFE_MINOR_PER_INSTALMENT * plan["count"]
        return

    has_down = plan["down_payment_minor"] > 0
    assert len(rows) == plan["count"] + has_down
    assert [row.number for row in rows] == list(range(1, len(rows) + 1))
    assert sum(row.principal_minor for row in rows) == plan["principal_minor"]
    for row in rows:
        assert row.amount_minor == row.principal_minor + row.interest_minor
        assert row.amount_minor > 0
        assert row.principal_minor >= 0 and row.interest_minor >= 0
    assert rows[0].due_date == plan["first_due"]
    assert all(a.due_date < b.due_date for a, b in zip(rows, rows[1:], strict=False))

    if has_down:
        assert (rows[0].amount_minor, rows[0].interest_minor) == (plan["down_payment_minor"], 0)
    spread = rows[1:] if has_down else rows
    if plan["method"] == Method.EQUAL or plan["annual_rate"] == 0:
        assert all(row.interest_minor == 0 for row in spread)
        assert len(set(amounts(spread[:-1]))) <= 1
        assert spread[-1].amount_minor >= spread[0].amount_minor
        assert spread[-1].amount_minor - spread[0].amount_minor < plan["count"]
    else:
        assert len(set(amounts(spread[:-1]))) <= 1


@given(
    count=counts,
    per_instalment=st.integers(min_value=SAFE_MINOR_PER_INSTALMENT, max_value=10**9 // 120),
    frequency=frequencies,
    annual_rate=st.decimals(min_value=Decimal("0.01"), max_value=30, places=2),
    first_due=first_dues,
)
def test_annuity_payments_match_numpy_financial(count, per_instalment, frequency, annual_rate, first_due):
    principal = count * per_instalment
    rate = float(annual_rate) / 100 / periods_per_year(frequency)
    cents = -npf.pmt(rate, count, principal / 100) * 100
    # float pmt computes (1 + r)^n - 1, which loses digits when r is small: its relative error is about
    # eps * (n + (1 + r)^n / r). Near a half cent float and exact Decimal arithmetic may round differently.
    float_error = abs(cents) * sys.float_info.epsilon * (count + (1 + rate) ** count / rate) * 4
    assume(abs(cents - math.floor(cents) - 0.5) > max(1e-6, float_error))
    note(f"numpy-financial payment: {cents} cents")

    expected = round(round(cents / 100, 2) * 100)
    assert annuity_payment_minor(principal, annual_rate / 100 / periods_per_year(frequency), count) == expected
    rows = build_schedule(principal_minor=principal, count=count, first_due=first_due, frequency=frequency,
                          method=Method.ANNUITY, annual_rate=annual_rate)
    assert all(row.amount_minor == expected for row in rows[:-1])
