"""Property: whatever the policy and the account, every offer computed keeps to every limit of the policy and
its schedule adds up exactly. Checked against the schedule rebuilt here, not the offer's own figures."""

import datetime as dt
import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.arrangements.models import ArrangementPolicy
from arrears.arrangements.offers import _candidates
from arrears.arrangements.policy import percent_of, settlement_discount_percent
from arrears.arrangements.schedule import build_schedule
from arrears.portfolio.models import Account

TODAY = dt.date(2026, 11, 23)

policies = st.builds(
    ArrangementPolicy,
    plan_frequencies=st.lists(st.sampled_from(["weekly", "fortnightly", "monthly"]), min_size=1, max_size=3,
                              unique=True),
    plan_min_instalment_minor=st.integers(100, 20_000),
    plan_max_instalments=st.integers(1, 120),
    plan_max_months=st.integers(1, 60),
    plan_min_down_payment_percent=st.decimals(0, 50, places=2),
    plan_annual_rate=st.decimals(0, 20, places=2),
    settlement_max_payments=st.integers(1, 6),
    settlement_max_days=st.integers(30, 365),
    settlement_discounts=st.lists(st.fixed_dictionaries({
        "min_dpd": st.integers(0, 720), "min_balance_minor": st.integers(0, 1_000_000),
        "discount_percent": st.decimals(0, 60, places=1).map(str)}), max_size=4),
)


def _months(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + (1 if last.day > first.day else 0)


@settings(max_examples=150, deadline=None)
@given(policy=policies, balance=st.integers(100, 50_000_000), dpd=st.integers(0, 1500))
def test_every_offer_keeps_to_the_policy_and_sums_exactly(policy, balance, dpd):
    account = Account(currency="EUR", principal_minor=balance, dpd=dpd, status="active")
    for offer in _candidates(account, policy, TODAY):
        rows = build_schedule(principal_minor=offer.principal_minor, count=offer.count, first_due=offer.first_due,
                              frequency=offer.frequency, method=offer.method, annual_rate=offer.annual_rate,
                              down_payment_minor=offer.down_payment_minor)
        assert sum(r.principal_minor for r in rows) == offer.principal_minor
        assert sum(r.amount_minor for r in rows) == offer.total_minor
        assert offer.first_due >= TODAY
        if offer.kind == "plan":
            regular = rows[1:] if offer.down_payment_minor else rows
            assert offer.principal_minor == balance and offer.discount_minor == 0
            assert offer.frequency in policy.plan_frequencies
            assert offer.count <= policy.plan_max_instalments
            assert _months(offer.first_due, rows[-1].due_date) <= policy.plan_max_months
            assert min(r.amount_minor for r in regular) >= min(policy.plan_min_instalment_minor, balance)
            least_down = math.ceil(balance * Decimal(policy.plan_min_down_payment_percent) / 100)
            assert offer.down_payment_minor >= least_down
            assert offer.annual_rate == policy.plan_annual_rate
        else:
            allowed = settlement_discount_percent(dpd, balance, policy)
            assert offer.principal_minor >= balance - percent_of(balance, allowed)
            assert offer.principal_minor + offer.discount_minor == balance
            assert 0 < offer.discount_minor  # a settlement is only offered with a discount
            assert offer.count <= policy.settlement_max_payments
            assert rows[-1].due_date <= TODAY + dt.timedelta(days=policy.settlement_max_days)
