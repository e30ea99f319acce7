"""Placement files: read as the profile says, validated whole, applied only as the mode allows."""

import io

import pytest
from openpyxl import Workbook

from arrears.core.models import AuditEvent
from arrears.imports import services
from arrears.imports.models import ImportBatch, ImportRowError
from arrears.imports.tests.conftest import PLACEMENT_HEADER
from arrears.portfolio.models import Account, Debtor

pytestmark = pytest.mark.django_db

GREEK = ["GR-1", "personal_loan", "02/05/2022", "31/01/2024", "950.00", "42.50", "Γιώργος", "Παπαδόπουλος",
         "14/03/1975", "GR-AFM", "094259216", "6912345678", "g.p@example.gr", "Οδός Αθηνάς 12", "10551", "Αθήνα"]
RUSSIAN = ["RU-1", "credit_card", "01/02/2021", "31/01/2024", "1200.00", "", "Ольга", "Кузнецова", "",
           "RU-INN", "123456789047", "", "", "ул. Ленина, д. 5", "620014", "Екатеринбург"]


def csv_bytes(*rows, encoding="utf-8", delimiter=","):
    lines = [delimiter.join(PLACEMENT_HEADER)] + [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def start(system, creditor, profile, content, name="placements.csv", **kwargs):
    return services.start_import(actor=system, creditor=creditor, profile=profile, file_name=name, content=content,
                                 **kwargs)


def test_a_csv_file_is_validated_then_applied(system, creditor, placement_profile, business_date):
    batch = start(system, creditor, placement_profile, csv_bytes(GREEK, RUSSIAN))
    assert (batch.status, batch.total_rows, batch.valid_rows, batch.invalid_rows) == ("validated", 2, 2, 0)
    assert Account.objects.count() == 0  # validation applies nothing
    batch = services.apply_import(actor=system, batch=batch)
    assert (batch.status, batch.applied_rows, batch.progress) == ("applied", 2, 2)
    greek = Account.objects.get(creditor_reference="GR-1")
    assert (greek.principal_minor, greek.interest_minor) == (95000, 4250)
    assert greek.debtors.get().display_name == "Γιώργος Παπαδόπουλος"
    assert greek.debtors.get().contact_points.count() == 3
    assert Account.objects.get(creditor_reference="RU-1").debtors.get().family_name == "Кузнецова"
    actions = set(AuditEvent.objects.filter(object_type="imports.importbatch").values_list("action", flat=True))
    assert actions == {"import.started", "import.validated", "import.applied"}


@pytest.mark.parametrize(("encoding", "row", "name"), [("cp1253", GREEK, "Παπαδόπουλος"),
                                                       ("cp1251", RUSSIAN, "Кузнецова")])
def test_greek_and_cyrillic_code_pages(system, creditor, placement_profile, business_date, encoding, row, name):
    placement_profile.encoding, placement_profile.delimiter = encoding, ";"
    placement_profile.save()
    batch = start(system, creditor, placement_profile, csv_bytes(row, encoding=encoding, delimiter=";"))
    services.apply_import(actor=system, batch=batch)
    assert Debtor.objects.get().family_name == name


def test_the_wrong_encoding_is_a_clear_file_error(system, creditor, placement_profile, business_date):
    batch = start(system, creditor, placement_profile, csv_bytes(GREEK, encoding="cp1253"))
    assert batch.status == "failed"
    assert "Line 2 is not utf-8-sig text" in batch.message


def bad_rows():
    no_name = list(RUSSIAN)
    no_name[0], no_name[7] = "RU-2", ""
    bad_date = list(GREEK)
    bad_date[0], bad_date[2], bad_date[10] = "GR-2", "2022-05-02", "123"
    return no_name, bad_date


def test_row_errors_name_row_and_column_and_nothing_is_applied(system, creditor, placement_profile, business_date):
    batch = start(system, creditor, placement_profile, csv_bytes(GREEK, *bad_rows(), RUSSIAN))
    assert (batch.status, batch.total_rows, batch.valid_rows, batch.invalid_rows) == ("validated", 4, 2, 2)
    errors = {(e.row, e.column, e.field) for e in ImportRowError.objects.filter(batch=batch)}
    assert errors == {(3, "Family name", "debtor.family_name"), (4, "Contract", "contract_date"),
                      (4, "ID", "debtor.id_value")}
    message = ImportRowError.objects.get(batch=batch, field="contract_date").message
    assert message == "“2022-05-02” is not a date in the form %d/%m/%Y."

    batch = services.apply_import(actor=system, batch=batch)
    assert batch.status == "rejected" and "2 of 4 rows are invalid" in batch.message
    assert Account.objects.count() == 0

    batch = services.apply_import(actor=system, batch=batch, mode="valid_only")
    assert (batch.status, batch.applied_rows) == ("applied", 2)
    assert sorted(Account.objects.values_list("creditor_reference", flat=True)) == ["GR-1", "RU-1"]


def test_valid_only_chosen_at_start(system, creditor, placement_profile, business_date):
    batch = start(system, creditor, placement_profile, csv_bytes(GREEK, *bad_rows()), mode="valid_only")
    batch = services.apply_import(actor=system, batch=batch)
    assert (batch.status, batch.applied_rows, Account.objects.count()) == ("applied", 1, 1)


def test_the_same_file_twice_is_refused_naming_the_first(system, creditor, placement_profile, business_date):
    first = start(system, creditor, placement_profile, csv_bytes(GREEK))
    services.apply_import(actor=system, batch=first)
    with pytest.raises(services.ValidationError, match=f"already imported as batch #{first.pk}"):
        start(system, creditor, placement_profile, csv_bytes(GREEK), name="renamed.csv")
    assert ImportBatch.objects.count() == 1


def test_an_updated_file_updates_accounts(system, creditor, placement_profile, business_date):
    services.apply_import(actor=system, batch=start(system, creditor, placement_profile, csv_bytes(GREEK)))
    changed = list(GREEK)
    changed[1] = "credit_card"
    batch = services.apply_import(actor=system, batch=start(system, creditor, placement_profile, csv_bytes(changed)))
    assert batch.message == "updated: 1"
    assert Account.objects.get().product == "credit_card"


def test_references_repeated_across_chunks_are_found(system, creditor, placement_profile, business_date,
                                                     monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 2)
    others = [[f"X-{i}", *GREEK[1:9], "", "", "", "", "", "", ""] for i in range(3)]
    rows = [GREEK, RUSSIAN, *others, GREEK]
    batch = start(system, creditor, placement_profile, csv_bytes(*rows))
    repeated = ImportRowError.objects.filter(batch=batch, field="creditor_reference")
    assert sorted(repeated.values_list("row", flat=True)) == [2, 7]
    assert "appears 2 times in this file (rows 2, 7)" in repeated.first().message


def test_not_a_csv_file_and_a_broken_workbook_are_specific_errors(system, creditor, placement_profile,
                                                                   business_date):
    workbook = io.BytesIO()
    Workbook().save(workbook)
    batch = start(system, creditor, placement_profile, workbook.getvalue(), name="loans.csv")
    assert batch.status == "failed" and "spreadsheet workbook (XLSX), not CSV" in batch.message
    batch = start(system, creditor, placement_profile, b"\x00\x01binary\x00" * 50, name="loans.txt")
    assert batch.status == "failed" and "not a CSV text file" in batch.message
    batch = start(system, creditor, placement_profile, workbook.getvalue()[:300], name="loans.xlsx")
    assert batch.status == "failed" and "cannot be opened as an XLSX workbook" in batch.message
    batch = start(system, creditor, placement_profile, b"Loan,Product\r\nA,personal_loan\r\n")
    assert batch.status == "failed" and "lacks the column(s)" in batch.message
    with pytest.raises(services.ValidationError, match="cannot be applied now"):
        services.apply_import(actor=system, batch=batch)


def test_an_xlsx_file(system, creditor, placement_profile, business_date):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(PLACEMENT_HEADER)
    import datetime as dt

    row = [*GREEK]
    row[2], row[4], row[11] = dt.datetime(2022, 5, 2), 950.1, 6912345678
    sheet.append(row)
    content = io.BytesIO()
    workbook.save(content)
    batch = start(system, creditor, placement_profile, content.getvalue(), name="loans.xlsx")
    assert batch.status == "validated", batch.message
    batch = services.apply_import(actor=system, batch=batch)
    assert batch.status == "applied", list(ImportRowError.objects.values_list("message", flat=True))
    account = Account.objects.get()
    assert (account.principal_minor, str(account.contract_date)) == (95010, "2022-05-02")
    assert account.debtors.get().contact_points.filter(phone_e164="+306912345678").exists()


def test_a_20000_row_file_is_validated_in_chunks(system, creditor, placement_profile, business_date, monkeypatch):
    seen = []
    original = services.validate_placements

    def spy(**kwargs):
        seen.append(len(kwargs["placements"]))
        return original(**kwargs)

    monkeypatch.setattr(services, "validate_placements", spy)
    rows = [[f"L-{i}", "personal_loan", "02/05/2022", "", "", "", "", f"Name{i}", "", "", "", "", "", "", "", ""]
            for i in range(20_000)]
    batch = start(system, creditor, placement_profile, csv_bytes(*rows))
    assert seen == [1000] * 20
    assert (batch.status, batch.total_rows, batch.valid_rows, batch.progress) == ("validated", 20_000, 20_000, 20_000)
