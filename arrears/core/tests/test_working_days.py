"""Working days follow each country's own calendar: Orthodox Easter in Greece, observed days, never weekends."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.countries import COUNTRIES
from arrears.core.working_days import add_working_days, is_working_day, public_holidays, working_days_between

countries = st.sampled_from(sorted(COUNTRIES))
dates = st.dates(min_value=date(2010, 1, 1), max_value=date(2060, 12, 31))
counts = st.integers(min_value=1, max_value=300)


# Greece: Orthodox Easter 2026 is April 12, one week after Western Easter (April 5).


def test_greek_orthodox_easter_monday_and_clean_monday_are_holidays():
    assert not is_working_day(date(2026, 4, 13), "GR")  # Orthodox Easter Monday
    assert not is_working_day(date(2026, 2, 23), "GR")  # Clean Monday, 48 days before Orthodox Easter
    assert date(2026, 2, 23) in public_holidays("GR", 2026)


def test_western_easter_monday_is_not_a_holiday_in_greece():
    western_easter_monday = date(2026, 4, 6)
    assert is_working_day(western_easter_monday, "GR")
    assert not is_working_day(western_easter_monday, "PL")
    assert not is_working_day(western_easter_monday, "GB")
    # In Spain Easter Monday is a regional holiday (Catalonia, Valencia, Basque Country, ...), not a national one.
    assert not is_working_day(western_easter_monday, "ES", "CT")
    assert is_working_day(western_easter_monday, "ES")
    # Orthodox Easter Monday is an ordinary day in the Western-calendar countries.
    for country in ("PL", "ES", "GB"):
        assert is_working_day(date(2026, 4, 13), country)


def test_fifteen_working_days_across_greek_easter():
    # From Thursday 2026-04-02: Fri 3 Apr (1), Mon-Thu 6-9 Apr (2-5), Good Friday 10 Apr and Easter Monday
    # 13 Apr skipped, Tue-Fri 14-17 Apr (6-9), Mon-Fri 20-24 Apr (10-14), Mon 27 Apr (15).
    assert add_working_days(date(2026, 4, 2), 15, "GR") == date(2026, 4, 27)
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 27), "GR") == 15
    # Poland loses Western Easter Monday instead: Fri 3 Apr (1), Tue 7 Apr - Fri 24 Apr (2-15).
    assert add_working_days(date(2026, 4, 2), 15, "PL") == date(2026, 4, 24)


def test_polish_constitution_and_independence_days():
    names = public_holidays("PL", 2026)
    assert date(2026, 5, 3) in names  # a Sunday in 2026
    assert date(2026, 11, 11) in names
    assert not is_working_day(date(2027, 5, 3), "PL")  # a Monday in 2027
    assert not is_working_day(date(2026, 11, 11), "PL")  # a Wednesday


def test_spanish_national_day():
    assert not is_working_day(date(2026, 10, 12), "ES")
    assert is_working_day(date(2026, 10, 13), "ES")


def test_russian_new_year_holidays():
    for day in range(1, 9):
        assert not is_working_day(date(2026, 1, day), "RU")
    assert not is_working_day(date(2026, 1, 9), "RU")  # day off transferred from Saturday January 3
    assert is_working_day(date(2026, 1, 12), "RU")
    assert add_working_days(date(2025, 12, 30), 1, "RU") == date(2026, 1, 12)


def test_us_thanksgiving():
    assert not is_working_day(date(2026, 11, 26), "US")
    assert is_working_day(date(2026, 11, 27), "US")  # not a federal holiday


def test_gb_boxing_day_and_its_substitute():
    assert not is_working_day(date(2025, 12, 26), "GB")  # a Friday
    assert not is_working_day(date(2026, 12, 28), "GB")  # Boxing Day 2026 is a Saturday, moved to Monday
    assert add_working_days(date(2026, 12, 24), 1, "GB") == date(2026, 12, 29)


def test_gb_defaults_to_england_and_wales():
    assert public_holidays("GB", 2026) == public_holidays("GB", 2026, "ENG")
    assert date(2026, 8, 3) in public_holidays("GB", 2026, "SCT")  # Scotland's summer bank holiday
    assert is_working_day(date(2026, 8, 3), "GB")


def test_mexican_constitution_day_is_the_first_monday_of_february():
    assert not is_working_day(date(2026, 2, 2), "MX")
    assert not is_working_day(date(2027, 2, 1), "MX")
    assert is_working_day(date(2026, 2, 5), "MX")  # February 5 itself is no longer the day off


@pytest.mark.parametrize("country", sorted(COUNTRIES))
def test_weekends_never_count(country):
    saturday, sunday = date(2026, 6, 13), date(2026, 6, 14)
    assert not is_working_day(saturday, country)
    assert not is_working_day(sunday, country)
    friday = date(2026, 6, 12)
    monday = date(2026, 6, 15)
    assert working_days_between(friday, sunday, country) == 0
    assert add_working_days(friday, 1, country) == monday


def test_zero_days_is_start_or_next_working_day():
    assert add_working_days(date(2026, 6, 10), 0, "GR") == date(2026, 6, 10)
    assert add_working_days(date(2026, 6, 13), 0, "GR") == date(2026, 6, 15)
    assert add_working_days(date(2026, 4, 10), 0, "GR") == date(2026, 4, 14)  # Good Friday to after Easter Monday


def test_between_is_zero_when_end_is_not_after_start():
    assert working_days_between(date(2026, 6, 10), date(2026, 6, 10), "GR") == 0
    assert working_days_between(date(2026, 6, 10), date(2026, 6, 1), "GR") == 0


def test_public_holidays_returns_a_copy():
    public_holidays("GR", 2026).clear()
    assert date(2026, 4, 13) in public_holidays("GR", 2026)
    assert not is_working_day(date(2026, 4, 13), "GR")


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="Unknown country code 'FR'"):
        is_working_day(date(2026, 6, 10), "FR")
    with pytest.raises(ValueError, match="Unknown country code"):
        public_holidays("XX", 2026)
    with pytest.raises(ValueError, match="Unknown subdivision"):
        public_holidays("GB", 2026, "XX")
    with pytest.raises(ValueError, match="zero or more"):
        add_working_days(date(2026, 6, 10), -1, "GR")
    with pytest.raises(TypeError, match="whole number"):
        add_working_days(date(2026, 6, 10), 1.5, "GR")
    with pytest.raises(TypeError, match="must be a date"):
        is_working_day(datetime(2026, 6, 10, 12), "GR")  # noqa: DTZ001 - a naive datetime is the point


@given(countries, dates, counts)
def test_deadline_is_a_working_day(country, start, n):
    assert is_working_day(add_working_days(start, n, country), country)


@given(countries, dates, counts)
def test_between_inverts_add(country, start, n):
    assert working_days_between(start, add_working_days(start, n, country), country) == n


@given(countries, dates, st.integers(min_value=0, max_value=300))
def test_add_is_monotonic(country, start, n):
    assert add_working_days(start, n, country) <= add_working_days(start, n + 1, country)
    if n >= 1:
        assert add_working_days(start, n, country) < add_working_days(start, n + 1, country)


@given(countries, dates, st.integers(min_value=0, max_value=60))
def test_between_counts_working_days_one_by_one(country, start, span):
    end = start + timedelta(days=span)
    expected = sum(is_working_day(start + timedelta(days=i), country) for i in range(1, span + 1))
    assert working_days_between(start, end, country) == expected
