"""Money is exact: minor units per ISO 4217 exponent, half-up rounding, never float, bad input named."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.money import MAX_MAJOR_UNITS, Money, check_currency, exponent, from_minor, split_evenly, to_minor

# Currencies by ISO 4217 exponent: the ones arrears serves, plus 0-, 3- and 4-decimal ones.
EXPONENTS = {"EUR": 2, "PLN": 2, "RUB": 2, "MXN": 2, "USD": 2, "GBP": 2, "JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3,
             "CLF": 4}
currencies = st.sampled_from(sorted(EXPONENTS))


def minor_in_range(currency):
    """Every minor amount below the accepted ceiling of MAX_MAJOR_UNITS major units."""
    bound = int(MAX_MAJOR_UNITS) * 10 ** EXPONENTS[currency] - 1
    return st.integers(min_value=-bound, max_value=bound)


@pytest.mark.parametrize(("currency", "places"), sorted(EXPONENTS.items()))
def test_exponent_follows_iso_4217(currency, places):
    assert exponent(currency) == places


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("1234.56", "EUR", 123456), ("0.01", "EUR", 1), ("1000", "JPY", 1000), ("1.234", "BHD", 1234),
     ("  950.00 ", "PLN", 95000), (12, "RUB", 1200), (Decimal("0.5"), "JPY", 1), ("1E+3", "USD", 100000),
     # half-up: ties go away from zero, the rest to the nearest minor unit
     ("10.005", "EUR", 1001), ("10.004", "EUR", 1000), ("-10.005", "EUR", -1001), ("2.5", "JPY", 3),
     ("0.0005", "BHD", 1)],
)
def test_to_minor_worked_values(amount, currency, minor):
    assert to_minor(amount, currency) == minor


@given(data=st.data(), currency=currencies)
def test_minor_units_round_trip_through_major_units(data, currency):
    minor = data.draw(minor_in_range(currency))
    major = from_minor(minor, currency)
    assert major.as_tuple().exponent == -EXPONENTS[currency]
    assert to_minor(major, currency) == minor
    assert to_minor(str(major), currency) == minor
    assert Money.of(str(major), currency) == Money(minor, currency)
    assert Money(minor, currency).amount == major


@given(currency=currencies,
       amount=st.decimals(min_value=-10 ** 11, max_value=10 ** 11, allow_nan=False, allow_infinity=False, places=6))
def test_parsing_rounds_to_the_nearest_minor_unit_half_up(currency, amount):
    minor = to_minor(amount, currency)
    unit = Decimal(1).scaleb(-EXPONENTS[currency])
    error = from_minor(minor, currency) - amount
    assert abs(error) <= unit / 2
    if abs(error) == unit / 2:  # a tie is rounded away from zero
        assert abs(from_minor(minor, currency)) > abs(amount)


@pytest.mark.parametrize("amount", [0.1, 1.0, 19.99, True])
def test_floats_are_refused(amount):
    with pytest.raises(ValidationError) as error:
        to_minor(amount, "EUR")
    assert error.value.error_dict["amount"][0].code == "float"


@pytest.mark.parametrize("amount", ["abc", "", "1,50", "NaN", "Infinity", "-inf", "12.3.4", None])
def test_text_that_is_not_an_amount_is_refused_naming_the_value(amount):
    with pytest.raises(ValidationError) as error:
        to_minor(amount, "EUR", "balances.principal")
    assert error.value.error_dict["balances.principal"][0].code == "invalid"
    assert str(amount) in error.value.message_dict["balances.principal"][0]


@pytest.mark.parametrize("amount", ["1000000000000", "-1000000000000", "1e15", "99999999999999999999.99"])
def test_absurd_amounts_are_refused(amount):
    with pytest.raises(ValidationError) as error:
        Money.of(amount, "EUR")
    assert error.value.error_dict["amount"][0].code == "too_large"
    assert amount in error.value.message_dict["amount"][0]


def test_the_largest_accepted_amount_is_just_below_a_trillion():
    assert to_minor("999999999999.99", "EUR") == 99999999999999


@pytest.mark.parametrize("code", ["XYZ", "eur", "EURO", "", "€", None, 978])
def test_unknown_currencies_are_refused_naming_the_value(code):
    with pytest.raises(ValidationError) as error:
        check_currency(code, "payment.currency")
    assert error.value.error_dict["payment.currency"][0].code == "currency"
    assert str(code) in error.value.message_dict["payment.currency"][0]
    with pytest.raises(ValidationError):
        Money.of("1.00", code)
    with pytest.raises(ValidationError):
        Money(100, code)


def test_money_in_different_currencies_does_not_mix():
    with pytest.raises(ValueError, match="EUR"):
        Money(100, "EUR") + Money(100, "PLN")
    with pytest.raises(ValueError):
        Money(100, "EUR") < Money(100, "JPY")  # noqa: B015 - the comparison itself must fail


def test_money_holds_integers_only():
    with pytest.raises(TypeError):
        Money(1.5, "EUR")
    with pytest.raises(TypeError):
        Money(True, "EUR")


def test_money_arithmetic_and_display():
    total = Money.of("10.10", "EUR") + Money.of("0.20", "EUR") - Money.of("0.05", "EUR")
    assert total == Money(1025, "EUR")
    assert -total == Money(-1025, "EUR")
    assert str(total) == "10.25 EUR"
    assert str(Money.of("1500", "JPY")) == "1500 JPY"
    assert Money.zero("EUR") < total and not Money.zero("EUR")
    assert total.format("el") == "10,25\xa0€"


@given(total=st.integers(min_value=-10 ** 15, max_value=10 ** 15), parts=st.integers(min_value=1, max_value=500))
def test_split_evenly_sums_exactly_and_shares_differ_by_at_most_one_minor_unit(total, parts):
    shares = split_evenly(total, parts)
    assert len(shares) == parts
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1
    assert all(share >= 0 for share in shares) if total >= 0 else all(share <= 0 for share in shares)


@pytest.mark.parametrize(("total", "parts", "shares"),
                         [(100, 3, [33, 33, 34]), (5, 3, [1, 2, 2]), (19, 10, [1] + [2] * 9),
                          (-7, 3, [-2, -2, -3]), (0, 4, [0, 0, 0, 0]), (1, 1, [1])])
def test_split_evenly_worked_cases(total, parts, shares):
    assert split_evenly(total, parts) == shares


@pytest.mark.parametrize("parts", [0, -1])
def test_split_evenly_needs_at_least_one_part(parts):
    with pytest.raises(ValueError):
        split_evenly(100, parts)


@pytest.mark.parametrize("code", ["GRD", "DEM", "ESP", "XAU", "XTS"])
def test_withdrawn_currencies_metals_and_test_codes_are_refused(code):
    with pytest.raises(ValidationError) as error:
        check_currency(code)
    assert code in error.value.message_dict["currency"][0]
    assert error.value.error_dict["currency"][0].code == "currency"
