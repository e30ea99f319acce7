"""Pools of names, companies and addresses per country (drawn from Faker once per run), and phone numbers.

Faker is far too slow to call per row of a million-account book, so each locale gives a few
thousand names, companies and addresses once; the book combines them with its own seeded
random generator. Phone numbers use real mobile prefixes and landline area codes.
"""

import re
from dataclasses import dataclass
from functools import cache

from faker import Faker

LOCALES = {"GR": "el_GR", "PL": "pl_PL", "ES": "es_ES", "MX": "es_MX", "RU": "ru_RU", "US": "en_US"}
# Spanish and Mexican people carry two family names (father's, then mother's).
TWO_SURNAMES = frozenset({"ES", "MX"})
CALLING_CODES = {"GR": "30", "PL": "48", "ES": "34", "MX": "52", "RU": "7", "US": "1"}

# (prefix of the national number, digits that follow). Mobile prefixes and landline area codes in use.
MOBILE_PREFIXES = {
    "GR": [("690", 7), ("693", 7), ("694", 7), ("695", 7), ("697", 7), ("698", 7), ("699", 7)],
    "PL": [("50", 7), ("51", 7), ("53", 7), ("57", 7), ("60", 7), ("66", 7), ("69", 7), ("72", 7), ("79", 7),
           ("88", 7)],
    "ES": [("60", 7), ("61", 7), ("62", 7), ("63", 7), ("64", 7), ("65", 7), ("66", 7), ("67", 7), ("68", 7),
           ("69", 7)],
    "MX": [("55", 8), ("33", 8), ("81", 8), ("222", 7), ("664", 7)],
    "RU": [("903", 7), ("905", 7), ("915", 7), ("916", 7), ("925", 7), ("926", 7), ("977", 7), ("985", 7)],
    "US": [("212", 7), ("312", 7), ("213", 7), ("305", 7), ("713", 7), ("415", 7), ("617", 7), ("404", 7)],
}
LANDLINE_PREFIXES = {
    "GR": [("2102", 6), ("2106", 6), ("2310", 6), ("2610", 6), ("2810", 6), ("2410", 6)],
    "PL": [("223", 6), ("226", 6), ("124", 6), ("713", 6), ("618", 6), ("583", 6), ("426", 6)],
    "ES": [("91", 7), ("93", 7), ("95", 7), ("94", 7), ("963", 6), ("976", 6)],
    "MX": [("55", 8), ("33", 8), ("81", 8), ("222", 7)],
    "RU": [("495", 7), ("499", 7), ("812", 7), ("343", 7), ("383", 7), ("843", 7)],
    "US": [("212", 7), ("312", 7), ("213", 7), ("305", 7), ("713", 7), ("415", 7), ("617", 7), ("404", 7)],
}
# The line type arrears.portfolio.validation.phone gives such numbers: phonenumbers cannot tell a
# Mexican or North American mobile from a landline (FIXED_LINE_OR_MOBILE): "fixed_or_mobile".
LANDLINE_TYPE = {"GR": "fixed", "PL": "fixed", "ES": "fixed", "RU": "fixed", "MX": "fixed_or_mobile",
                 "US": "fixed_or_mobile"}
MOBILE_TYPE = {"GR": "mobile", "PL": "mobile", "ES": "mobile", "RU": "mobile", "MX": "fixed_or_mobile",
               "US": "fixed_or_mobile"}
MAIL_DOMAINS = {
    "GR": ["gmail.com", "yahoo.gr", "hotmail.gr", "otenet.gr", "hol.gr"],
    "PL": ["gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl"],
    "ES": ["gmail.com", "hotmail.es", "yahoo.es", "outlook.es", "telefonica.net"],
    "MX": ["gmail.com", "hotmail.com", "yahoo.com.mx", "outlook.com", "prodigy.net.mx"],
    "RU": ["mail.ru", "yandex.ru", "gmail.com", "rambler.ru", "bk.ru"],
    "US": ["gmail.com", "yahoo.com", "outlook.com", "aol.com", "icloud.com"],
}
_CLEAN = re.compile(r"[\t\n\r\\]+")


@dataclass
class CountryPool:
    country: str
    given: dict  # {True: male names, False: female names}
    family: dict  # {True: male family names, False: female}; equal lists where the language has no gender
    ascii_names: dict  # name -> lower-case ASCII, for e-mail addresses
    addresses: list  # (line1, postal code, city, region)
    companies: list  # (name, ASCII word for its mail domain)


def _unique(draw, count: int, tries: int = 2) -> list[str]:
    seen = {}
    for _ in range(count * tries):
        value = _CLEAN.sub(" ", draw()).strip()
        if value:
            seen.setdefault(value, None)
        if len(seen) >= count:
            break
    return list(seen)


def _region(fake: Faker, country: str) -> str:
    if country in {"US", "MX"}:
        return fake.state()
    if country == "ES":
        return fake.autonomous_community()
    if country == "PL":
        return fake.administrative_unit()
    return fake.region()


def _postcode(fake: Faker, country: str) -> str:
    code = fake.postcode()
    if country == "GR":
        code = code.replace("ΤΚ", "").strip()
    return code


@cache
def build_pools(seed: int, names: int = 1000, addresses: int = 2500, companies: int = 500) -> dict:
    """One CountryPool per country, the same for the same seed (kept for the life of the process)."""
    pools = {}
    for country, locale in LOCALES.items():
        fake = Faker(locale)
        fake.seed_instance(seed)
        to_ascii = fake.provider("faker.providers.internet")._to_ascii
        given = {True: _unique(fake.first_name_male, names), False: _unique(fake.first_name_female, names)}
        gendered = hasattr(fake, "last_name_female") and country in {"GR", "PL", "RU"}
        male_family = _unique(fake.last_name_male if gendered else fake.last_name, names)
        if gendered:
            # Pair each family name with its feminine form where Faker has both lists of equal shape.
            female_family = _unique(fake.last_name_female, names)
        else:
            female_family = male_family
        family = {True: male_family, False: female_family}
        everyone = {n for group in (*given.values(), *family.values()) for n in group}
        ascii_names = {n: re.sub(r"[^a-z]", "", to_ascii(n).lower()) or "client" for n in everyone}
        address_rows = []
        for _ in range(addresses):
            address_rows.append((_CLEAN.sub(" ", fake.street_address()).strip()[:200], _postcode(fake, country),
                                 _CLEAN.sub(" ", fake.city())[:100], _CLEAN.sub(" ", _region(fake, country))[:100]))
        company_rows = [(name, re.sub(r"[^a-z]", "", to_ascii(name.split()[0]).lower())[:30] or "company")
                        for name in _unique(fake.company, companies)]
        pools[country] = CountryPool(country, given, family, ascii_names, address_rows, company_rows)
    return pools


def phone_number(rng, country: str, mobile: bool) -> str:
    """An E.164 number from a real prefix of the country."""
    prefix, rest = rng.choice(MOBILE_PREFIXES[country] if mobile else LANDLINE_PREFIXES[country])
    if country == "US":
        exchange = rng.randrange(200, 1000)
        while exchange % 100 == 11 or exchange == 555:
            exchange = rng.randrange(200, 1000)
        return f"+1{prefix}{exchange}{rng.randrange(10_000):04d}"
    return f"+{CALLING_CODES[country]}{prefix}{rng.randrange(2 * 10 ** (rest - 1), 10 ** rest)}"
