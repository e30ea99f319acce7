"""Debtor rows of the seeded book: people and companies, their identifiers and contact points."""

import datetime as dt

from arrears.core.countries import COUNTRIES
from arrears.core.crypto import encrypt, lookup_hash
from arrears.portfolio.seed import identities as ids
from arrears.portfolio.seed.people import LANDLINE_TYPE, MAIL_DOMAINS, MOBILE_TYPE, TWO_SURNAMES, phone_number
from arrears.portfolio.seed.tables import NULL

COMPANY_TLD = {"GR": "gr", "PL": "pl", "ES": "es", "MX": "com.mx", "RU": "ru", "US": "com"}
ES_PROVINCES = ("28", "08", "46", "41", "48", "29", "50", "03")
BORN_FROM = dt.date(1944, 1, 1).toordinal()
BORN_SPAN = dt.date(2004, 12, 31).toordinal() - BORN_FROM


def _status(r: float) -> tuple[str, int]:
    """(status, confidence) of a phone or address as placed: mostly unverified, some proven either way."""
    if r < 0.35:
        return "valid", 80 + int(r * 50)
    if r < 0.85:
        return "unverified", 40 + int(r * 40)
    if r < 0.93:
        return "wrong_party", 10
    return "invalid", 5


class DebtorMaker:
    """Appends the rows of one new debtor to the chunk's lists; returns the debtor's id."""

    def __init__(self, pools, dates, rows):
        self.pools = pools
        self.dates = dates
        self.rows = rows

    def person(self, rng, country: str, serial: int, debtor_id: int, stamp: str) -> tuple[str, str]:
        pool = self.pools[country]
        male = rng.random() < 0.5
        given = rng.choice(pool.given[male])
        family = rng.choice(pool.family[male])
        mother = rng.choice(pool.family[False]) if country in TWO_SURNAMES else ""
        family_name = f"{family} {mother}" if mother else family
        born_ordinal = BORN_FROM + rng.randrange(BORN_SPAN)
        born = dt.date.fromordinal(born_ordinal)
        r = rng.random()
        self.rows["debtors"].append((
            debtor_id, "person", given, family_name, "", "", self.dates.day(born_ordinal), country,
            COUNTRIES[country].language, r < 0.004, 0.004 <= r < 0.010, 0.010 <= r < 0.035,
            0.035 <= r < 0.045, 0.045 <= r < 0.060, stamp,
        ))
        idents = self.rows["identifiers"]
        if country == "GR":
            self._identifier(idents, debtor_id, "GR-AFM", ids.gr_afm(serial))
            if r > 0.75:
                self._identifier(idents, debtor_id, "GR-AMKA", ids.gr_amka(serial, born, male))
        elif country == "PL":
            self._identifier(idents, debtor_id, "PL-PESEL", ids.pl_pesel(serial, born, male))
            if r > 0.92:
                self._identifier(idents, debtor_id, "PL-NIP", ids.pl_nip(serial))
        elif country == "ES":
            if r < 0.9:
                self._identifier(idents, debtor_id, "ES-DNI", ids.es_dni(serial))
            else:
                self._identifier(idents, debtor_id, "ES-NIE", ids.es_nie(serial))
        elif country == "MX":
            state = ids.MX_STATES[serial % len(ids.MX_STATES)]
            self._identifier(idents, debtor_id, "MX-CURP", ids.mx_curp(serial, given, family, mother, born, male,
                                                                      state))
            if r > 0.65:
                self._identifier(idents, debtor_id, "MX-RFC", ids.mx_rfc_person(serial, given, family, mother, born))
        elif country == "RU":
            if r < 0.8:
                self._identifier(idents, debtor_id, "RU-INN", ids.ru_inn_person(serial))
        else:
            self._identifier(idents, debtor_id, "US-SSN", ids.us_ssn(serial))
        self._contacts(rng, country, debtor_id, stamp, pool.ascii_names[given], pool.ascii_names[family], False)
        return given, family_name

    def company(self, rng, country: str, serial: int, debtor_id: int, stamp: str) -> None:
        pool = self.pools[country]
        name, slug = rng.choice(pool.companies)
        male = rng.random() < 0.6
        responsible = f"{rng.choice(pool.given[male])} {rng.choice(pool.family[male])}"
        r = rng.random()
        self.rows["debtors"].append((
            debtor_id, "company", "", "", name, responsible, NULL, country, COUNTRIES[country].language,
            False, r < 0.04, False, 0.04 <= r < 0.05, 0.05 <= r < 0.07, stamp,
        ))
        idents = self.rows["identifiers"]
        if country == "GR":
            self._identifier(idents, debtor_id, "GR-AFM", ids.gr_afm(serial, company=True))
        elif country == "PL":
            self._identifier(idents, debtor_id, "PL-NIP", ids.pl_nip(serial))
            self._identifier(idents, debtor_id, "PL-REGON", ids.pl_regon(serial))
        elif country == "ES":
            self._identifier(idents, debtor_id, "ES-CIF", ids.es_cif(serial, rng.choice(ES_PROVINCES)))
        elif country == "MX":
            founded = dt.date.fromordinal(BORN_FROM + 14_000 + rng.randrange(7_000))
            self._identifier(idents, debtor_id, "MX-RFC", ids.mx_rfc_company(serial, name, founded))
        elif country == "RU":
            self._identifier(idents, debtor_id, "RU-INN", ids.ru_inn_company(serial))
            self._identifier(idents, debtor_id, "RU-OGRN", ids.ru_ogrn(serial, 2002 + serial % 20))
        else:
            self._identifier(idents, debtor_id, "US-EIN", ids.us_ein(serial))
        self._contacts(rng, country, debtor_id, stamp, "", slug, True)

    @staticmethod
    def _identifier(rows, debtor_id, scheme, value):
        rows.append((debtor_id, scheme, encrypt(value, scheme), lookup_hash(value, scheme), value[-3:]))

    def _contacts(self, rng, country, debtor_id, stamp, given_ascii, family_ascii, company):
        points = self.rows["contact_points"]
        r = rng.random()
        if r < 0.96:
            line1, postal, city, region = rng.choice(self.pools[country].addresses)
            status, confidence = _status(rng.random())
            points.append((debtor_id, "address", "", "", company, "", line1, "", postal, city, region, country,
                           "creditor", confidence, status, True, NULL, NULL, NULL, NULL,
                           stamp if r < 0.004 else NULL, stamp))
        if rng.random() < (0.6 if company else 0.9):
            status, confidence = _status(rng.random())
            q = rng.random()
            source = "creditor" if q < 0.7 else "debtor" if q < 0.85 else "trace"
            points.append((debtor_id, "phone", phone_number(rng, country, True), MOBILE_TYPE[country], False,
                           "", "", "", "", "", "", country, source, confidence, status, True,
                           stamp if q < 0.01 else NULL, stamp if 0.01 <= q < 0.03 else NULL, NULL, NULL, NULL, stamp))
        if rng.random() < (0.9 if company else 0.25):
            status, confidence = _status(rng.random())
            points.append((debtor_id, "phone", phone_number(rng, country, False), LANDLINE_TYPE[country],
                           company or rng.random() < 0.2, "", "", "", "", "", "", country,
                           "creditor" if rng.random() < 0.6 else "trace", confidence, status, False,
                           NULL, NULL, NULL, NULL, NULL, stamp))
        if not company and rng.random() < 0.08:
            points.append((debtor_id, "phone", phone_number(rng, country, True), MOBILE_TYPE[country], False,
                           "", "", "", "", "", "", country, "trace", 20 + rng.randrange(30), "unverified", False,
                           NULL, NULL, NULL, NULL, NULL, stamp))
        if rng.random() < (0.85 if company else 0.4):
            if company:
                email = f"{rng.choice(('info', 'contact', 'billing', 'office'))}@{family_ascii}.{COMPANY_TLD[country]}"
            else:
                email = f"{given_ascii}.{family_ascii}{rng.randrange(1, 100)}@{rng.choice(MAIL_DOMAINS[country])}"
            q = rng.random()
            points.append((debtor_id, "email", "", "", False, email, "", "", "", "", "", country,
                           "debtor" if q < 0.5 else "creditor", 60 + int(q * 30), "unverified" if q < 0.8 else "valid",
                           False, NULL, NULL, NULL, stamp if q < 0.02 else NULL, NULL, stamp))

