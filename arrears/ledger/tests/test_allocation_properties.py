"""The allocation waterfall as pure functions: cents conserved, order respected, excess held as credit."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.ledger.allocation import COMPONENT_FIRST, DUE_DATE_FIRST, OpenItem, Share, allocate, settlement_order
from arrears.portfolio.models import DEFAULT_WATERFALL

COMPONENTS = ["costs", "fees", "penalties", "interest", "principal"]
D1, D2, D3 = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@st.composite
def open_items(draw, max_size=12):
    count = draw(st.integers(min_value=0, max_value=max_size))
    return [
        OpenItem(id=i + 1, component=draw(st.sampled_from(COMPONENTS)),
                 due_date=dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 400))),
                 open_minor=draw(st.integers(min_value=0, max_value=100_000)))
        for i in range(count)
    ]


orders = st.permutations(COMPONENTS)
modes = st.sampled_from([COMPONENT_FIRST, DUE_DATE_FIRST])
designations = st.none() | st.lists(st.sampled_from(COMPONENTS), unique=True, max_size=3)
amounts = st.integers(min_value=1, max_value=1_000_000)


def expected_order(items, order, mode, designation):
    """The rule, written out independently of the code under test."""
    designation = designation or []

    def key(item):
        designated = designation.index(item.component) if item.component in designation else len(designation)
        position = order.index(item.component)
        if mode == DUE_DATE_FIRST:
            return designated, item.due_date, position, item.id
        return designated, position, item.due_date, item.id

    return sorted((i for i in items if i.open_minor > 0), key=key)


@given(amount=amounts, items=open_items(), order=orders, mode=modes, designation=designations)
def test_minor_units_are_conserved_and_no_item_gets_more_than_it_owes(amount, items, order, mode, designation):
    shares = allocate(amount, items, order, mode, designation)
    assert sum(s.amount_minor for s in shares) == amount
    assert all(s.amount_minor > 0 for s in shares)
    by_id = {i.id: i for i in items}
    settled = [s for s in shares if s.item_id is not None]
    assert len({s.item_id for s in settled}) == len(settled), "an item is paid at most once per payment"
    for share in settled:
        item = by_id[share.item_id]
        assert share.amount_minor <= item.open_minor
        assert share.component == item.component


@given(amount=amounts, items=open_items(), order=orders, mode=modes, designation=designations)
def test_the_excess_over_everything_owed_is_held_as_credit_never_lost(amount, items, order, mode, designation):
    shares = allocate(amount, items, order, mode, designation)
    owed = sum(i.open_minor for i in items)
    credit = [s for s in shares if s.item_id is None]
    allocated = sum(s.amount_minor for s in shares if s.item_id is not None)
    if amount > owed:
        assert credit == [Share(None, "credit", amount - owed)]
        assert allocated == owed
    else:
        assert credit == []
        assert allocated == amount
    assert allocated + sum(s.amount_minor for s in credit) == amount


@given(amount=amounts, items=open_items(), order=orders, mode=modes, designation=designations)
def test_items_are_paid_in_waterfall_order_each_in_full_before_the_next(amount, items, order, mode, designation):
    shares = [s for s in allocate(amount, items, order, mode, designation) if s.item_id is not None]
    expected = expected_order(items, order, mode, designation)
    assert [i.id for i in settlement_order(items, order, mode, designation)] == [i.id for i in expected]
    # The shares follow that order: a prefix paid in full, then at most one item paid in part.
    assert [s.item_id for s in shares] == [i.id for i in expected[:len(shares)]]
    for share, item in zip(shares[:-1], expected, strict=False):
        assert share.amount_minor == item.open_minor
    if len(shares) < len(expected):
        assert sum(s.amount_minor for s in shares) == amount


@given(items=open_items(), order=orders, mode=modes)
def test_paying_exactly_what_is_owed_clears_every_item_and_leaves_no_credit(items, order, mode):
    owed = sum(i.open_minor for i in items)
    if owed == 0:
        return
    shares = allocate(owed, items, order, mode)
    paid = {s.item_id: s.amount_minor for s in shares}
    assert None not in paid
    assert paid == {i.id: i.open_minor for i in items if i.open_minor > 0}


@given(first=amounts, second=amounts, items=open_items(), order=orders, mode=modes)
def test_two_payments_settle_what_one_payment_of_their_sum_would(first, second, items, order, mode):
    def settle(amount, items):
        shares = allocate(amount, items, order, mode)
        taken = {s.item_id: s.amount_minor for s in shares if s.item_id is not None}
        remaining = [OpenItem(i.id, i.component, i.due_date, i.open_minor - taken.get(i.id, 0)) for i in items]
        return remaining, sum(s.amount_minor for s in shares if s.item_id is None)

    once, credit_once = settle(first + second, items)
    after_first, credit_first = settle(first, items)
    twice, credit_second = settle(second, after_first)
    assert once == twice
    assert credit_once == credit_first + credit_second


def test_default_waterfall_is_costs_fees_penalties_interest_principal_oldest_first():
    assert DEFAULT_WATERFALL == ["costs", "fees", "penalties", "interest", "principal"]
    items = [OpenItem(1, "principal", D1, 10_000), OpenItem(2, "interest", D2, 500), OpenItem(3, "interest", D1, 500),
             OpenItem(4, "fees", D3, 300), OpenItem(5, "costs", D3, 200), OpenItem(6, "penalties", D2, 100)]
    assert [i.id for i in settlement_order(items, DEFAULT_WATERFALL)] == [5, 4, 6, 3, 2, 1]
    assert allocate(1_300, items, DEFAULT_WATERFALL) == [
        Share(5, "costs", 200), Share(4, "fees", 300), Share(6, "penalties", 100), Share(3, "interest", 500),
        Share(2, "interest", 200)]


def test_polish_art_451_pays_the_oldest_debt_first_interest_before_principal():
    order = ["interest", "principal", "costs", "fees", "penalties"]
    items = [OpenItem(1, "principal", D1, 10_000), OpenItem(2, "interest", D1, 500),
             OpenItem(3, "principal", D2, 10_000), OpenItem(4, "interest", D2, 500),
             OpenItem(5, "costs", D3, 2_000)]
    assert allocate(11_000, items, order, DUE_DATE_FIRST) == [
        Share(2, "interest", 500), Share(1, "principal", 10_000), Share(4, "interest", 500)]
    # The same items component-first: all interest, then principal.
    assert [s.item_id for s in allocate(11_000, items, order, COMPONENT_FIRST)] == [2, 4, 1]


def test_a_debtors_designation_pays_the_named_components_first_then_the_usual_order():
    items = [OpenItem(1, "principal", D1, 10_000), OpenItem(2, "interest", D1, 500), OpenItem(3, "costs", D2, 300)]
    assert allocate(10_200, items, DEFAULT_WATERFALL, designation=["principal"]) == [
        Share(1, "principal", 10_000), Share(3, "costs", 200)]
    assert allocate(600, items, DEFAULT_WATERFALL, designation=["interest", "principal"]) == [
        Share(2, "interest", 500), Share(1, "principal", 100)]


def test_fully_settled_items_are_skipped():
    items = [OpenItem(1, "costs", D1, 0), OpenItem(2, "principal", D2, 100)]
    assert allocate(100, items, DEFAULT_WATERFALL) == [Share(2, "principal", 100)]


def test_nothing_owed_means_the_whole_payment_is_credit():
    assert allocate(2_500, [], DEFAULT_WATERFALL) == [Share(None, "credit", 2_500)]


@pytest.mark.parametrize("amount", [0, -1, -10_000])
def test_only_a_positive_amount_is_allocated(amount):
    with pytest.raises(ValueError):
        allocate(amount, [OpenItem(1, "principal", D1, 100)], DEFAULT_WATERFALL)


@pytest.mark.parametrize("order", list(itertools.islice(itertools.permutations(COMPONENTS), 0, 120, 17)))
def test_any_configured_order_is_followed(order):
    items = [OpenItem(i, component, D1, 100) for i, component in enumerate(COMPONENTS, start=1)]
    assert [s.component for s in allocate(500, items, list(order))] == list(order)


@given(
    items=st.lists(st.tuples(st.sampled_from(["costs", "fees", "penalties", "interest", "principal"]),
                             st.integers(-90, 90), st.integers(1, 50_000)), min_size=1, max_size=10),
    amount=st.integers(1, 200_000),
    mode=st.sampled_from([COMPONENT_FIRST, DUE_DATE_FIRST]),
)
def test_what_has_fallen_due_is_paid_before_anything_not_yet_due(items, amount, mode):
    today = dt.date(2026, 11, 23)
    open_items = [OpenItem(n, component, today + dt.timedelta(days=offset), minor)
                  for n, (component, offset, minor) in enumerate(items)]
    shares = allocate(amount, open_items, ["costs", "fees", "penalties", "interest", "principal"], mode,
                      due_by=today)
    by_id = {item.id: item for item in open_items}
    paid = {share.item_id: share.amount_minor for share in shares if share.item_id is not None}
    future_touched = any(by_id[i].due_date > today for i in paid)
    if future_touched:  # then every item already due was settled in full
        assert all(paid.get(item.id) == item.open_minor for item in open_items if item.due_date <= today)
    assert sum(share.amount_minor for share in shares) == amount
