import datetime as dt
from collections import defaultdict

import phonenumbers
import pytest
from django.db import connection, transaction
from schwifty import IBAN
from stdnum.mx import rfc

from arrears.core.countries import COUNTRIES
from arrears.core.crypto import decrypt
from arrears.core.identifiers import SCHEMES
from arrears.core.models import AuditEvent
from arrears.core.references import make_rf, validate_rf
from arrears.ledger.allocation import OpenItem, allocate
from arrears.ledger.models import Allocation, BucketSpell, DueItem, LedgerEntry, Payment
from arrears.ledger.queries import ledger_discrepancies
from arrears.ledger.services import PaymentIn
from arrears.portfolio import validation
from arrears.portfolio.models import Account, ContactPoint, Debtor, DebtorIdentifier, Portfolio
from arrears.portfolio.seed import identities, seed_book
from arrears.portfolio.seed.ledger import fingerprint

pytestmark = pytest.mark.django_db

BUSINESS_DATE = dt.date(2026, 11, 23)
ACCOUNTS = 400


@pytest.fixture
def seeded(settings):
    settings.BUSINESS_DATE = BUSINESS_DATE.isoformat()
    result = seed_book(ACCOUNTS, seed=3)
    return result


def snapshot():
    accounts = Account.objects.order_by("creditor_reference").values_list(
        "creditor_reference", "product", "principal_minor", "interest_minor", "fees_minor", "dpd", "bucket")
    debtors = Debtor.objects.order_by("given_name", "family_name", "company_name").values_list(
        "given_name", "family_name", "company_name", "date_of_birth")
    payments = Payment.objects.order_by("external_id").values_list("external_id", "amount_minor", "value_date")
    return list(accounts), list(debtors), list(payments)


class Rollback(Exception):
    pass


def test_the_same_seed_gives_the_same_book(settings):
    settings.BUSINESS_DATE = BUSINESS_DATE.isoformat()
    pictures = []
    for _ in range(2):
        with pytest.raises(Rollback), transaction.atomic():
            seed_book(150, seed=11)
            pictures.append(snapshot())
            raise Rollback
    assert pictures[0] == pictures[1]
    assert len(pictures[0][0]) == 150
    with pytest.raises(Rollback), transaction.atomic():
        seed_book(150, seed=12)
        assert snapshot()[0] != pictures[0][0]
        raise Rollback


def test_every_country_is_there_with_its_currency_and_language(seeded):
    assert seeded.accounts == ACCOUNTS == Account.objects.count()
    assert seeded.debtors == Debtor.objects.count()
    assert seeded.payments == Payment.objects.count() > 0
    portfolios = {p.pk: p for p in Portfolio.objects.all()}
    countries = set()
    for account in Account.objects.prefetch_related("debtors"):
        portfolio = portfolios[account.portfolio_id]
        assert account.currency == portfolio.currency == COUNTRIES[portfolio.jurisdiction].currency
        for debtor in account.debtors.all():
            assert debtor.country == portfolio.jurisdiction
            assert debtor.preferred_language == COUNTRIES[debtor.country].language
        countries.add(portfolio.jurisdiction)
    assert countries == {"GR", "PL", "ES", "MX", "RU", "US"}
    assert {"bank", "fund", "telco", "utility"} <= {p.creditor.kind for p in portfolios.values()}
    assert {"contingency", "servicing", "owned"} == {p.mandate for p in portfolios.values()}
    assert all(p.commission_rate for p in portfolios.values() if p.mandate == "contingency")
    assert Debtor.objects.filter(kind="company").exclude(responsible_person="").exists()
    assert Account.objects.filter(debtor_links__role__in=["co_borrower", "guarantor"]).exists()


def test_identifiers_are_valid_and_stored_as_the_services_store_them(seeded):
    schemes = set()
    for identifier in DebtorIdentifier.objects.all():
        value = decrypt(identifier.value_encrypted, identifier.scheme)
        scheme = SCHEMES[identifier.scheme]
        assert scheme.normalise(value) == value, (identifier.scheme, value)
        assert identifier.last_chars == value[-3:]
        if identifier.scheme == "MX-RFC":
            assert rfc.is_valid(value, validate_check_digits=True), value
        schemes.add(identifier.scheme)
    assert {"GR-AFM", "PL-PESEL", "ES-DNI", "MX-CURP", "RU-INN", "US-SSN"} <= schemes


def test_many_more_identifiers_pass_python_stdnum():
    born = dt.date(1981, 7, 30)
    makers = {
        "GR-AFM": identities.gr_afm, "GR-AMKA": lambda s: identities.gr_amka(s, born, s % 2 == 0),
        "PL-PESEL": lambda s: identities.pl_pesel(s, dt.date(2002, 2, 28), s % 2 == 0),
        "PL-NIP": identities.pl_nip, "PL-REGON": identities.pl_regon, "ES-DNI": identities.es_dni,
        "ES-NIE": identities.es_nie, "ES-CIF": identities.es_cif,
        "MX-CURP": lambda s: identities.mx_curp(s, "María José", "Muñoz", "Ibáñez", born, False, "JC"),
        "MX-RFC": lambda s: identities.mx_rfc_person(s, "Óscar", "Peña", "", born),
        "RU-INN": identities.ru_inn_person, "RU-OGRN": lambda s: identities.ru_ogrn(s, 2011),
        "US-SSN": identities.us_ssn, "US-EIN": identities.us_ein,
    }
    for code, make in makers.items():
        validator = SCHEMES[code].validator()
        values = [make(serial) for serial in range(0, 500_000, 997)]
        assert all(validator.is_valid(v) for v in values), code
    assert all(SCHEMES["RU-INN"].validator().is_valid(identities.ru_inn_company(s)) for s in range(300))


def test_phones_are_valid_with_mobile_and_fixed_line_types(seeded):
    types = defaultdict(set)
    for point in ContactPoint.objects.filter(kind="phone"):
        parsed = phonenumbers.parse(point.phone_e164)
        assert phonenumbers.is_valid_number(parsed), point.phone_e164
        assert phonenumbers.region_code_for_number(parsed) == point.country
        assert validation.phone(point.phone_e164, point.country) == (point.phone_e164, point.line_type)
        types[point.country].add(phonenumbers.number_type(parsed))
    for country in ("GR", "PL", "ES", "RU"):
        assert {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE} <= types[country]
    for country in ("MX", "US"):  # numbering plans that do not tell mobiles from landlines
        assert types[country] == {phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    for point in ContactPoint.objects.filter(kind="email")[:200]:
        assert validation.email(point.email) == point.email
    assert ContactPoint.objects.filter(kind="address").exclude(city="").count() > ACCOUNTS * 0.8
    assert {"creditor", "debtor", "trace"} <= set(ContactPoint.objects.values_list("source", flat=True))
    assert {"valid", "unverified", "wrong_party", "invalid"} <= set(ContactPoint.objects.values_list("status",
                                                                                                     flat=True))


def test_ibans_are_valid(seeded):
    ibans = [p.collection_iban for p in Portfolio.objects.exclude(collection_iban="")]
    assert {iban[:2] for iban in ibans} == {"GR", "PL", "ES", "RU"}
    ibans += [identities.iban(country, serial) for country in ("GR", "PL", "ES", "RU") for serial in range(250)]
    for value in ibans:
        assert IBAN(value, validate_bban=True).compact == value


def test_rf_references_are_valid_and_made_from_the_account_id(seeded):
    for account_id, reference in Account.objects.values_list("pk", "rf_reference"):
        assert validate_rf(reference) == reference == make_rf(f"{account_id:09d}")


def test_the_ledger_adds_up_and_delinquency_matches_the_business_date(seeded):
    assert ledger_discrepancies(business_date=BUSINESS_DATE, limit=20) == []
    assert BucketSpell.objects.filter(exited_on__isnull=True).count() == ACCOUNTS
    dpds = list(Account.objects.values_list("dpd", flat=True))
    assert 0 in dpds and max(dpds) > 720
    assert len(set(Account.objects.values_list("bucket", flat=True))) == 7


def test_payments_follow_the_creditors_waterfall_and_fingerprints_match_the_service(seeded):
    entries = defaultdict(list)
    for entry in LedgerEntry.objects.filter(kind="payment"):
        entries[entry.payment_id].append(entry)
    allocations = defaultdict(list)
    for allocation in Allocation.objects.all():
        allocations[allocation.entry_id].append((allocation.due_item_id, allocation.amount_minor))
    for account in Account.objects.select_related("creditor").filter(payments__isnull=False).distinct()[:120]:
        items = {i.pk: i.amount_minor for i in DueItem.objects.filter(account=account)}
        for payment in Payment.objects.filter(account=account).order_by("value_date", "pk"):
            open_items = [OpenItem(pk, i.component, i.due_date, items[pk]) for pk, i in
                          ((i.pk, i) for i in DueItem.objects.filter(account=account))]
            shares = allocate(payment.amount_minor, open_items, account.creditor.allocation_order,
                              account.creditor.allocation_mode, due_by=payment.value_date)
            expected = [(s.item_id, s.amount_minor) for s in shares if s.item_id is not None]
            written = [pair for entry in sorted(entries[payment.pk], key=lambda e: e.pk)
                       for pair in allocations[entry.pk]]
            assert written == expected
            for item_id, amount in expected:
                items[item_id] -= amount
            service = PaymentIn(account_id=account.pk, amount=_money(payment), source=payment.source,
                                external_id=payment.external_id, value_date=payment.value_date,
                                method=payment.method)
            assert payment.fingerprint == service.fingerprint() == fingerprint(
                account.pk, payment.amount_minor, payment.currency, payment.value_date.isoformat(), payment.method)


def _money(payment):
    from arrears.core.money import Money

    return Money(payment.amount_minor, payment.currency)


def test_the_seeding_is_audited(seeded):
    event = AuditEvent.objects.get(action="book.seeded")
    assert event.actor_label == "system:seed"
    assert event.after["accounts"] == ACCOUNTS
    assert event.after["payments"] == seeded.payments


def test_seeding_again_adds_to_the_same_portfolios_without_collisions(seeded, make_account):
    portfolios = Portfolio.objects.count()
    again = seed_book(120, seed=3)
    also = seed_book(80, seed=4)
    assert Portfolio.objects.count() == portfolios
    assert Account.objects.count() == ACCOUNTS + again.accounts + also.accounts
    references = list(Account.objects.values_list("creditor_id", "creditor_reference"))
    assert len(set(references)) == len(references)
    assert ledger_discrepancies(business_date=BUSINESS_DATE, limit=20) == []
    # The sequences moved past the seeded ids: the services go on placing accounts as usual.
    placed = make_account(Portfolio.objects.get(code="gr-retail-servicing"))
    assert placed.pk > max(Account.objects.exclude(pk=placed.pk).values_list("pk", flat=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk path is PostgreSQL's")
def test_the_bulk_path_puts_every_index_and_constraint_back(settings, monkeypatch):
    from arrears.portfolio.seed.writer import PostgresWriter

    settings.BUSINESS_DATE = BUSINESS_DATE.isoformat()

    def schema():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                           "WHERE c.relname LIKE 'portfolio_%%' OR c.relname LIKE 'ledger_%%'")
            indexes = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                           "WHERE t.relname LIKE 'portfolio_%%' OR t.relname LIKE 'ledger_%%'")
            return indexes, {row[0] for row in cursor.fetchall()}

    before = schema()
    monkeypatch.setattr("arrears.portfolio.seed.CHUNK_ACCOUNTS", 70)  # five chunks over parallel generators
    with pytest.raises(Rollback), transaction.atomic():
        seed_book(300, seed=5)
        chunked = snapshot()
        raise Rollback
    monkeypatch.setattr(PostgresWriter, "bulk_worthwhile", lambda self, accounts: True)
    result = seed_book(300, seed=5)
    assert result.accounts == Account.objects.count() == 300
    assert snapshot() == chunked  # the same book either way
    assert schema() == before
    assert ledger_discrepancies(business_date=BUSINESS_DATE, limit=20) == []
