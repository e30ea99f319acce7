"""Working days and public holidays per country.

Deadlines in collections are set in working days ("answer a restructuring proposal within 15 working days"
under the Greek code of conduct), and contact rules forbid calls on public holidays. Holidays differ by country
and move every year (Orthodox vs Western Easter, US observed days, Russia's transferred days off), so dates come
from the `holidays` package rather than from hand-kept tables.

A working day is Monday to Friday and not a public holiday. Weekend days are never working days, even where a
government transfers work onto a Saturday (Russia), so deadlines never end on a weekend.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

from arrears.core.countries import COUNTRIES

# Subdivision used when none is given: the UK has no single set of bank holidays, England and Wales is the
# default. Everywhere else the national (for the US, federal) holidays apply.
DEFAULT_SUBDIVISIONS = {"GB": "ENG"}

# Names are requested in one language so they do not depend on the server's locale.
_NAMES_LANGUAGE = "en_US"


def _country(country: str) -> str:
    code = country.upper() if isinstance(country, str) else country
    if code not in COUNTRIES:
        raise ValueError(f"Unknown country code {country!r}: expected one of {', '.join(COUNTRIES)}.")
    return code


def _day(value: date, name: str) -> date:
    # A datetime would silently miss every holiday (datetime(...) != date(...)), and which calendar day it is
    # depends on the country's time zone, so the caller has to decide.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}; convert it in the country's time zone.")
    return value


@lru_cache(maxsize=512)
def _holiday_table(country: str, year: int, subdivision: str | None) -> MappingProxyType:
    subdivision = subdivision or DEFAULT_SUBDIVISIONS.get(country)
    try:
        table = holidays.country_holidays(country, years=year, subdiv=subdivision, language=_NAMES_LANGUAGE)
    except NotImplementedError as exc:  # the package's error for an unknown subdivision
        raise ValueError(f"Unknown subdivision {subdivision!r} for country {country}: {exc}") from None
    return MappingProxyType(dict(sorted(table.items())))


def public_holidays(country: str, year: int, subdivision: str | None = None) -> dict[date, str]:
    """Public holidays of `country` in `year` as {date: name}, names in English.

    GB defaults to England and Wales ("ENG"), the US to federal holidays. Observed and substitute days (a holiday
    falling on a weekend moved to a weekday) are included. Computed once per (country, year, subdivision); each
    call returns a fresh copy, so callers may change it freely.
    """
    return dict(_holiday_table(_country(country), year, subdivision))


def is_working_day(day: date, country: str, subdivision: str | None = None) -> bool:
    """Whether `day` is Monday to Friday and not a public holiday in `country`."""
    day = _day(day, "day")
    code = _country(country)
    return day.weekday() < 5 and day not in _holiday_table(code, day.year, subdivision)


def add_working_days(start: date, days: int, country: str, subdivision: str | None = None) -> date:
    """The date `days` working days after `start`, not counting `start` itself.

    With `days == 0` this is `start` if it is a working day, else the next working day.
    """
    start = _day(start, "start")
    code = _country(country)
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be a whole number, not {type(days).__name__}.")
    if days < 0:
        raise ValueError(f"days must be zero or more, got {days}.")
    day = start
    if days == 0:
        while not is_working_day(day, code, subdivision):
            day += timedelta(days=1)
        return day
    one = timedelta(days=1)
    while days:
        day += one
        if day.weekday() < 5 and day not in _holiday_table(code, day.year, subdivision):
            days -= 1
    return day


def working_days_between(start: date, end: date, country: str, subdivision: str | None = None) -> int:
    """The number of working days d with start < d <= end; 0 when end <= start."""
    start = _day(start, "start")
    end = _day(end, "end")
    code = _country(country)
    if end <= start:
        return 0
    full_weeks, rest = divmod((end - start).days, 7)
    weekdays = full_weeks * 5 + sum((start + timedelta(days=i)).weekday() < 5 for i in range(1, rest + 1))
    holidays_on_weekdays = {
        day
        for year in range(start.year, end.year + 1)
        for day in _holiday_table(code, year, subdivision)
        if start < day <= end and day.weekday() < 5
    }
    return weekdays - len(holidays_on_weekdays)
