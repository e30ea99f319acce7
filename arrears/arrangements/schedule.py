"""Instalment-plan schedules for payment arrangements and settlements.

Pure functions, no database: given a debt in integer minor units, they lay out who pays what and when, either as
equal instalments or as an annuity with interest. Every schedule sums exactly to the principal; the last instalment
absorbs whatever rounding to whole minor units left over. Bad input raises ValueError, which callers turn into form
errors.
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

# Enough digits that (1 + r) ** -n for n up to a few hundred periods is exact to well below a minor unit.
PRECISION = 40


class Frequency(TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")


class Method(TextChoices):
    EQUAL = "equal", _("Equal instalments")
    ANNUITY = "annuity", _("Annuity (equal payments with interest)")


@dataclass(frozen=True)
class ScheduledInstalment:
    number: int  # 1-based
    due_date: datetime.date
    amount_minor: int  # what the debtor pays
    principal_minor: int  # part that reduces the debt
    interest_minor: int  # part that is interest


_PERIODS_PER_YEAR = {Frequency.WEEKLY: 52, Frequency.FORTNIGHTLY: 26, Frequency.MONTHLY: 12}
_DAYS_PER_PERIOD = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14}


def _check_frequency(frequency: str) -> None:
    if frequency not in Frequency.values:
        raise ValueError(f"Unknown frequency {frequency!r}; expected one of {', '.join(Frequency.values)}.")


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def periods_per_year(frequency: str) -> int:
    _check_frequency(frequency)
    return _PERIODS_PER_YEAR[frequency]


def due_dates(first_due: datetime.date, frequency: str, count: int) -> list[datetime.date]:
    """`count` due dates starting on `first_due`. Monthly dates keep first_due's day of month, clamped to short
    months; each is computed from first_due so Jan 31 -> Feb 28 -> Mar 31, not Mar 28."""
    _check_frequency(frequency)
    if frequency != Frequency.MONTHLY:
        step = datetime.timedelta(days=_DAYS_PER_PERIOD[frequency])
        return [first_due + step * i for i in range(count)]
    dates = []
    for i in range(count):
        year, month0 = divmod(first_due.month - 1 + i, 12)
        year += first_due.year
        day = min(first_due.day, calendar.monthrange(year, month0 + 1)[1])
        dates.append(datetime.date(year, month0 + 1, day))
    return dates


def annuity_payment_minor(principal_minor: int, periodic_rate: Decimal, count: int) -> int:
    """The level payment P*r / (1 - (1+r)^-n) that repays `principal_minor` in `count` periods, rounded half up."""
    if count < 1:
        raise ValueError("The number of instalments must be at least 1.")
    if periodic_rate < 0:
        raise ValueError("The interest rate cannot be negative.")
    with localcontext() as ctx:
        ctx.prec = PRECISION
        principal = Decimal(principal_minor)
        if periodic_rate == 0:
            return _round_half_up(principal / count)
        return _round_half_up(principal * periodic_rate / (1 - (1 + periodic_rate) ** -count))


def build_schedule(
    *,
    principal_minor: int,
    count: int,
    first_due: datetime.date,
    frequency: str,
    method: str,
    annual_rate: Decimal = Decimal(0),
    down_payment_minor: int = 0,
) -> list[ScheduledInstalment]:
    """Lay out a plan: an optional down payment due on `first_due`, then `count` instalments of the rest, the
    first of them on `first_due` (or one period later if there is a down payment). `annual_rate` is a percentage,
    used only by the annuity method."""
    annual_rate = Decimal(annual_rate)
    if principal_minor <= 0:
        raise ValueError("The amount to repay must be positive.")
    if count < 1:
        raise ValueError("The number of instalments must be at least 1.")
    if not annual_rate.is_finite() or annual_rate < 0:
        raise ValueError("The interest rate must be a number of percent, zero or more.")
    if down_payment_minor < 0:
        raise ValueError("The down payment cannot be negative.")
    if down_payment_minor >= principal_minor:
        raise ValueError("The down payment must be less than the amount to repay.")
    _check_frequency(frequency)
    if method not in Method.values:
        raise ValueError(f"Unknown method {method!r}; expected one of {', '.join(Method.values)}.")
    remaining = principal_minor - down_payment_minor
    if remaining < count:
        raise ValueError(f"{remaining} minor units cannot be spread over {count} instalments of at least one "
                         "minor unit each; use fewer instalments.")

    has_down = down_payment_minor > 0
    dates = due_dates(first_due, frequency, count + 1 if has_down else count)
    rows: list[tuple[int, int]] = []  # (principal, interest) per instalment after the down payment
    if method == Method.EQUAL or annual_rate == 0:
        share = remaining // count
        rows = [(share, 0)] * (count - 1) + [(remaining - share * (count - 1), 0)]
    else:
        with localcontext() as ctx:
            ctx.prec = PRECISION
            rate = annual_rate / 100 / periods_per_year(frequency)
            payment = annuity_payment_minor(remaining, rate, count)
            balance = remaining
            for _period in range(count - 1):
                interest = _round_half_up(balance * rate)
                rows.append((payment - interest, interest))
                balance -= payment - interest
            # The payment is rounded to a whole minor unit; for small balances over many periods the rounding
            # adds up and would repay the debt before the last instalment, which would then be zero or a refund.
            if balance <= 0:
                raise ValueError(f"{remaining} minor units are too little to spread over {count} instalments "
                                 "at this rate; use fewer instalments.")
            rows.append((balance, _round_half_up(balance * rate)))

    if has_down:
        rows.insert(0, (down_payment_minor, 0))
    return [
        ScheduledInstalment(number=number, due_date=due, amount_minor=principal + interest,
                            principal_minor=principal, interest_minor=interest)
        for number, (due, (principal, interest)) in enumerate(zip(dates, rows, strict=True), start=1)
    ]
