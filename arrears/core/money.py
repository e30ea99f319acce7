"""Exact money: integer minor units per ISO 4217 currency, half-up rounding, never float."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_precision, get_territory_currencies, list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Far beyond any consumer or SME debt (a trillion major units); larger input is a mistake.
MAX_MAJOR_UNITS = Decimal(10) ** 12


# Metals, drawing rights and test codes carry ISO 4217 codes but no debt is kept in them.
NOT_MONEY = frozenset({"XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "XTS", "XXX"})


@cache
def known_currencies() -> frozenset[str]:
    """Currencies legal tender somewhere today (no drachmas, no gold): what a debt can be kept in."""
    from babel.core import get_global

    in_use = set()
    for territory in get_global("territory_currencies"):
        in_use.update(get_territory_currencies(territory, datetime.now(UTC).date(), non_tender=True))
    return frozenset(in_use & set(list_currencies())) - NOT_MONEY


def check_currency(code: str, field: str = "currency") -> str:
    if not isinstance(code, str) or code.upper() != code or code not in known_currencies():
        raise ValidationError(
            {field: ValidationError(_("“%(value)s” is not an ISO 4217 currency code.") % {"value": code},
                                    code="currency")}
        )
    return code


@cache
def exponent(currency: str) -> int:
    """Minor-unit exponent of an ISO 4217 currency (EUR 2, JPY 0, BHD 3)."""
    return get_currency_precision(check_currency(currency))


def to_minor(amount, currency: str, field: str = "amount", exact: bool = False) -> int:
    """Parse an amount in major units (Decimal, int or string; never float) to integer minor units.

    Sub-minor digits are rounded half-up (computed amounts), or with `exact` refused (what a sender
    typed: 12.345 EUR is a mistake to report, not a cent to round away)."""
    if isinstance(amount, float) or isinstance(amount, bool):
        raise ValidationError({field: ValidationError(_("Amounts must be given as decimal text, not a float."),
                                                      code="float")})
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field: ValidationError(_("“%(value)s” is not a decimal amount.") % {"value": amount}, code="invalid")}
        ) from None
    if not value.is_finite():
        raise ValidationError(
            {field: ValidationError(_("“%(value)s” is not a decimal amount.") % {"value": amount}, code="invalid")}
        )
    if abs(value) >= MAX_MAJOR_UNITS:
        raise ValidationError(
            {field: ValidationError(_("%(value)s is beyond any amount arrears accepts.") % {"value": amount},
                                    code="too_large")}
        )
    exp = exponent(currency)
    minor = value * (Decimal(10) ** exp)
    if exact and minor != minor.to_integral_value():
        raise ValidationError({field: ValidationError(
            _("%(value)s has more decimals than %(currency)s has (%(places)s).")
            % {"value": amount, "currency": currency, "places": exp}, code="precision")})
    return int(minor.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(minor: int, currency: str) -> Decimal:
    exp = exponent(currency)
    return (Decimal(minor) / (Decimal(10) ** exp)).quantize(Decimal(1).scaleb(-exp))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount in one currency, held as integer minor units."""

    minor: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int")
        exponent(self.currency)

    @classmethod
    def of(cls, amount, currency: str, field: str = "amount", exact: bool = False) -> "Money":
        return cls(to_minor(amount, currency, field, exact), currency)

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(0, currency)

    @property
    def amount(self) -> Decimal:
        return from_minor(self.minor, self.currency)

    def _same(self, other: "Money") -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {getattr(other, 'currency', other)!r}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.minor, self.currency)

    def __lt__(self, other: "Money") -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: "Money") -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def format(self, locale: str = "en") -> str:
        return format_currency(self.amount, self.currency, locale=locale)


def split_evenly(total_minor: int, parts: int) -> list[int]:
    """Split minor units into `parts` shares that differ by at most one minor unit and sum exactly;
    the last shares take the remainder, one minor unit each."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    sign = -1 if total_minor < 0 else 1
    share, remainder = divmod(abs(total_minor), parts)
    return [sign * share] * (parts - remainder) + [sign * (share + 1)] * remainder
