"""The set-based placement write against the row path it replaced: same input, same book, same ledger,
same audit trail and same domain events, in both apply modes, through the API's upserts and through a
file import."""

import datetime as dt

import pytest
from django.db import transaction

from arrears.conftest import greek_debtor
from arrears.imports import services
from arrears.imports.models import ImportRowError
from arrears.imports.tests import book_state
from arrears.imports.tests.conftest import PLACEMENT_HEADER
from arrears.imports.tests.row_path import upsert_row_by_row
from arrears.ledger.models import BucketSpell
from arrears.portfolio.models import Account, ContactPoint
from arrears.portfolio.placements import PlacementIn, upsert_placements
from arrears.portfolio.services import AccountIn, ContactPointIn, DebtorIn, IdentifierIn, balance_charges

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def person(country, given, family, scheme=None, value=None, *points, born=None, **extra) -> DebtorIn:
    return DebtorIn(country=country, given_name=given, family_name=family, date_of_birth=born,
                    identifiers=[IdentifierIn(scheme, value)] if scheme else [],
                    contact_points=list(points), **extra)


def phone(number):
    return ContactPointIn(ContactPoint.Kind.PHONE, number)


def email(address):
    return ContactPointIn(ContactPoint.Kind.EMAIL, address)


def row(reference, *debtors, due=dt.date(2026, 8, 1), principal="950.00", interest="", **account) -> PlacementIn:
    values = {"product": "personal_loan", "contract_date": dt.date(2022, 5, 2), **account}
    return PlacementIn("npl-2026", AccountIn(creditor_reference=reference, debtors=list(debtors), **values),
                       balance_charges("EUR", due, principal=principal, interest=interest))


def mixed_rows() -> list[PlacementIn]:
    """New and known accounts; people known before, met twice in the batch, or only by name; rows that fail
    only while written (the same person twice; a second primary) and a later row that meets that row's
    person again, who must not exist."""
    polish = lambda: person("PL", "Anna", "Nowak", "PL-PESEL", "44051401359", phone("+48 601 234 567"))  # noqa: E731
    return [
        row("NEW-1", (greek_debtor(contact_points=[phone("6912345678"), email("new@example.gr"),
                                                   email("new@example.gr")]), "primary"),
            (polish(), "co_borrower"), interest="42.50"),
        row("NEW-2", (person("GR", "Ελένη", "Νικολάου", "GR-AFM", "123456783", phone("6944123456")), "primary"),
            (polish(), "guarantor")),
        row("OLD-1", (greek_debtor(contact_points=[phone("6977777777"), phone("6977777777")]), "primary"),
            (person("GR", "Κώστας", "Παπαδόπουλος", None, None, email("kostas@example.gr"),
                    born=dt.date(1980, 1, 2)), "co_borrower"),
            (person("GR", "κώστας ", "ΠΑΠΑΔΌΠΟΥΛΟΣ", None, None, email("k2@example.gr"),
                    born=dt.date(1980, 1, 2)), "guarantor"),
            product="credit_card", charge_off_date=dt.date(2024, 1, 31)),
        row("OLD-2", (person("RU", "Ольга", "Кузнецова", "RU-INN", "541007850230"), "primary")),
        row("NEW-3", (person("GR", "Σοφία", "Δήμου", "GR-AFM", "090000045"), "primary"),
            (person("GR", "Σοφία", "Δήμου", "GR-AFM", "090000045"), "co_borrower")),
        row("NEW-4", (person("GR", "Σοφία", "Δήμου", "GR-AFM", "090000045", email("sofia@example.gr")), "primary"),
            due=dt.date(2026, 12, 31)),
        row("NEW-5", (DebtorIn(country="ES", kind="company", company_name="Construcciones Íñiguez S.L.",
                               identifiers=[IdentifierIn("ES-CIF", "A13585625")]), "primary"), principal=""),
    ]


@pytest.fixture
def known_book(system, creditor, portfolio, make_account, business_date):
    """What the batch meets: OLD-1 (the Greek borrower, by tax number) and OLD-2 (someone else as primary)."""
    make_account(portfolio, reference="OLD-1")
    make_account(portfolio, reference="OLD-2", debtor=person("GR", "Νίκος", "Αλεξίου", "GR-AFM", "186311665"))
    return portfolio


def run_both(run_set_based, run_row_path):
    """Each way from the same book, the first rolled back; their pictures."""
    since = book_state.mark()
    try:
        with transaction.atomic():
            first = run_set_based()
            set_based = book_state.picture(since)
            raise Rollback
    except Rollback:
        pass
    assert Account.objects.filter(creditor_reference="NEW-1").count() == 0
    second = run_row_path()
    return (first, set_based), (second, book_state.picture(since))


def outcome(results):
    return [(r.creditor_reference, r.created, r.changed, r.errors, r.account is not None) for r in results]


@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_upserts_write_what_the_row_path_wrote(system, creditor, known_book, all_or_nothing):
    rows = mixed_rows() if not all_or_nothing else [r for r in mixed_rows() if r.account.creditor_reference
                                                    not in ("OLD-2", "NEW-3")]
    (set_based, picture), (row_path, expected) = run_both(
        lambda: upsert_placements(actor=system, creditor=creditor, placements=rows, all_or_nothing=all_or_nothing),
        lambda: upsert_row_by_row(actor=system, creditor=creditor, placements=rows, all_or_nothing=all_or_nothing))
    assert outcome(set_based) == outcome(row_path)
    assert picture == expected
    assert sum(picture["audit"].values()) > 15 and sum(picture["events"].values()) >= 5


def test_the_row_failures_are_the_row_paths(system, creditor, known_book):
    results = upsert_placements(actor=system, creditor=creditor, placements=mixed_rows(), all_or_nothing=False)
    errors = {r.creditor_reference: list(r.errors) for r in results if r.errors}
    assert errors == {"OLD-2": ["placements[3].account.debtors[0].role"],
                      "NEW-3": ["placements[4].account.debtors[1].identifiers"]}
    new_4 = Account.objects.get(creditor_reference="NEW-4")
    assert new_4.debtors.get().contact_points.count() == 1  # Σοφία of the refused NEW-3 never existed
    assert new_4.bucket == "current" and BucketSpell.objects.get(account=new_4).bucket == "current"


def test_all_or_nothing_with_a_row_failing_while_written_writes_nothing(system, creditor, known_book):
    before = book_state.picture(book_state.mark())
    (set_based, picture), (row_path, expected) = run_both(
        lambda: upsert_placements(actor=system, creditor=creditor, placements=mixed_rows()),
        lambda: upsert_row_by_row(actor=system, creditor=creditor, placements=mixed_rows()))
    assert outcome(set_based) == outcome(row_path)
    assert all(r.account is None for r in set_based)
    assert picture == expected == before


CSV_ROWS = [
    ["GR-1", "personal_loan", "02/05/2022", "31/01/2024", "950.00", "42.50", "Γιώργος", "Παπαδόπουλος",
     "14/03/1975", "GR-AFM", "094259216", "6912345678", "g.p@example.gr", "Οδός Αθηνάς 12", "10551", "Αθήνα"],
    ["GR-2", "credit_card", "02/05/2021", "30/06/2026", "120.00", "", "Γιώργος", "Παπαδόπουλος", "14/03/1975", "GR-AFM",
     "094259216", "6912345678", "", "", "", ""],
    ["RU-1", "credit_card", "01/02/2021", "31/01/2024", "1200.00", "", "Ольга", "Кузнецова", "", "RU-INN",
     "123456789047", "", "", "ул. Ленина, д. 5", "620014", "Екатеринбург"],
    ["OLD-1", "mortgage", "02/05/2022", "", "", "", "Γιώργος", "Παπαδόπουλος", "14/03/1975", "GR-AFM",
     "094259216", "", "", "", "", ""],
]


def csv_file(rows):
    return ("\r\n".join([",".join(PLACEMENT_HEADER)] + [",".join(r) for r in rows]) + "\r\n").encode()


@pytest.mark.parametrize("mode", ["all_or_nothing", "valid_only"])
def test_a_file_import_writes_what_the_row_path_wrote(system, creditor, known_book, placement_profile, mode,
                                                      monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 3)  # the Greek borrower of chunk 1 is met again in chunk 2
    batch = services.start_import(actor=system, creditor=creditor, profile=placement_profile, file_name="f.csv",
                                  content=csv_file(CSV_ROWS), mode=mode)

    def row_path():
        for chunk in services._chunks(batch):
            upsert_row_by_row(actor=system, creditor=creditor, placements=[m.values for m in chunk],
                              all_or_nothing=mode == "all_or_nothing")

    def set_based():
        return services.apply_import(actor=system, batch=batch)

    (applied, picture), (_none, expected) = run_both(set_based, row_path)
    assert (applied.status, applied.applied_rows, applied.message) == ("applied", 4, "placed: 3, updated: 1"), list(
        ImportRowError.objects.values_list("row", "field", "message"))
    ignore = {"imports.importbatch"}
    picture["audit"] = +type(picture["audit"])({k: v for k, v in picture["audit"].items() if k[1] not in ignore})
    assert picture == expected


def test_valid_rows_only_applies_around_a_row_failing_while_written_and_reports_it(
        system, creditor, known_book, placement_profile):
    second_primary = ["OLD-2", "personal_loan", "02/05/2022", "", "", "", "Ольга", "Кузнецова", "", "RU-INN",
                      "541007850230", "", "", "", "", ""]
    content = csv_file([CSV_ROWS[0], second_primary, CSV_ROWS[2]])
    batch = services.start_import(actor=system, creditor=creditor, profile=placement_profile, file_name="f.csv",
                                  content=content)
    assert (batch.status, batch.invalid_rows) == ("validated", 0)  # only writing it shows the problem
    failed = services.apply_import(actor=system, batch=batch)
    assert failed.status == "failed" and "Stopped at row 3" in failed.message
    assert not Account.objects.filter(creditor_reference__in=["GR-1", "RU-1"]).exists()
    error = ImportRowError.objects.get(batch=batch)
    assert (error.row, error.field, error.during_apply) == (3, "debtor.family_name", True)
    assert "already has a primary debtor" in error.message

    applied = services.apply_import(actor=system, batch=failed, mode="valid_only")
    assert (applied.status, applied.applied_rows) == ("applied", 2)
    assert set(Account.objects.values_list("creditor_reference", flat=True)) == {"OLD-1", "OLD-2", "GR-1", "RU-1"}
    assert ImportRowError.objects.get(batch=batch).row == 3


def test_what_the_tables_cannot_hold_is_a_row_error_before_anything_is_written(system, creditor, portfolio,
                                                                             business_date):
    long_address = ContactPointIn(ContactPoint.Kind.ADDRESS, address_line1="Οδός " * 60, city="Αθήνα")
    rows = [row("LONG-1", (greek_debtor(family_name="Π" * 101, preferred_language="de",
                                        contact_points=[long_address]), "primary"), original_reference="R" * 65)]
    [result] = upsert_placements(actor=system, creditor=creditor, placements=rows)
    assert sorted(result.errors) == [
        "placements[0].account.debtors[0].contact_points[0].address_line1",
        "placements[0].account.debtors[0].family_name", "placements[0].account.debtors[0].preferred_language",
        "placements[0].account.original_reference"]
    assert "at most 100 characters" in result.errors["placements[0].account.debtors[0].family_name"][0]
    assert not Account.objects.exists()


@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_an_account_placed_meanwhile_by_someone_else_is_that_rows_error(system, creditor, portfolio, make_account,
                                                                        monkeypatch, all_or_nothing):
    from arrears.portfolio import placements

    make_account(portfolio, reference="RACE-1")  # placed after the batch looked for it
    looked = placements._load_context

    def blind(creditor, rows):
        context = looked(creditor, rows)
        context.existing.clear()
        return context

    monkeypatch.setattr(placements, "_load_context", blind)
    rows = [row("NEW-1", (greek_debtor(), "primary")), row("RACE-1", (greek_debtor(), "primary"))]
    results = upsert_placements(actor=system, creditor=creditor, placements=rows, all_or_nothing=all_or_nothing)
    assert list(results[1].errors) == ["placements[1].account.creditor_reference"]
    assert "placed at the same time" in results[1].errors["placements[1].account.creditor_reference"][0]
    assert (results[0].created, results[0].errors) == (not all_or_nothing, {})
    assert Account.objects.filter(creditor_reference="NEW-1").exists() is not all_or_nothing
    assert Account.objects.get(creditor_reference="RACE-1").debtors.count() == 1
