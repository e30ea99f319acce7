"""How promises and arrangements stand, given the payments that count towards them: pure functions.

Both are decided from the payments' value dates and amounts alone, never from the order in which they
arrived, so a bank file and an API call posting the same money in a different order agree.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

PENDING, KEPT, PARTIALLY_KEPT, BROKEN = "pending", "kept", "partially_kept", "broken"
ON_TRACK, LATE, COMPLETED = "on_track", "late", "completed"

Paid = tuple[dt.date, int]  # (value date, amount in minor units)


def _by_date(payments: Iterable[Paid]) -> list[Paid]:
    return sorted(payments, key=lambda p: p[0])


def _reached_on(payments: list[Paid], target: int) -> dt.date | None:
    """The value date on which the running total of the (date-sorted) payments first reaches `target`."""
    total = 0
    for day, amount in payments:
        total += amount
        if total >= target:
            return day
    return None


@dataclass(frozen=True)
class PromiseOutcome:
    status: str
    paid_minor: int
    resolved_on: dt.date | None


def kept_threshold(amount_minor: int, tolerance_percent: Decimal) -> int:
    """The least payment that keeps a promise: its amount less the tolerated shortfall (rounded down, so the
    tolerance never grows past what the policy says)."""
    shortfall = (Decimal(amount_minor) * Decimal(tolerance_percent) / 100).to_integral_value(ROUND_FLOOR)
    return amount_minor - int(shortfall)


def promise_outcome(*, amount_minor: int, due_date: dt.date, grace_days: int, tolerance_percent: Decimal,
                    payments: Iterable[Paid], today: dt.date) -> PromiseOutcome:
    """A promise is kept once the payments value-dated up to its date plus grace reach its amount (less the
    tolerance); past that deadline it is partly kept if something was paid, else broken."""
    deadline = due_date + dt.timedelta(days=grace_days)
    counted = _by_date(p for p in payments if p[0] <= deadline)
    paid = sum(amount for _, amount in counted)
    threshold = kept_threshold(amount_minor, tolerance_percent)
    if paid >= threshold:
        return PromiseOutcome(KEPT, paid, _reached_on(counted, threshold))
    if today > deadline:
        return PromiseOutcome(PARTIALLY_KEPT if paid > 0 else BROKEN, paid, deadline + dt.timedelta(days=1))
    return PromiseOutcome(PENDING, paid, None)


@dataclass(frozen=True)
class InstalmentState:
    paid_minor: int
    paid_on: dt.date | None


@dataclass(frozen=True)
class ArrangementOutcome:
    status: str
    paid_minor: int
    instalments: list[InstalmentState]
    missed: int
    ended_on: dt.date | None


def arrangement_outcome(*, instalments: list[tuple[dt.date, int]], payments: Iterable[Paid], grace_days: int,
                        missed_to_break: int, today: dt.date) -> ArrangementOutcome:
    """Fill the instalments (due date, amount), oldest first, with the payments made since the arrangement
    was agreed. Completed when all are paid; broken when `missed_to_break` instalments are past due beyond
    the grace days; late when at least one is; else on track."""
    ordered = _by_date(payments)
    paid_total = sum(amount for _, amount in ordered)
    left = paid_total
    states, cumulative = [], 0
    for _due, amount in instalments:
        share = min(amount, max(left, 0))
        left -= share
        cumulative += amount
        states.append(InstalmentState(share, _reached_on(ordered, cumulative) if share == amount else None))
    grace = dt.timedelta(days=grace_days)
    overdue = [due + grace for (due, amount), state in zip(instalments, states, strict=True)
               if state.paid_minor < amount and due + grace < today]
    if all(state.paid_on is not None for state in states):
        return ArrangementOutcome(COMPLETED, paid_total, states, 0, states[-1].paid_on)
    if len(overdue) >= missed_to_break:
        # Broken the day after the grace of the instalment that made the count ran out.
        return ArrangementOutcome(BROKEN, paid_total, states, len(overdue),
                                  overdue[missed_to_break - 1] + dt.timedelta(days=1))
    return ArrangementOutcome(LATE if overdue else ON_TRACK, paid_total, states, len(overdue), None)
