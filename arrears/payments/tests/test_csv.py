import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from arrears.ledger.models import Payment
from arrears.payments import services
from arrears.payments.csv_statements import CsvColumns, parse_csv_statement
from arrears.payments.models import StatementLine

pytestmark = pytest.mark.django_db

GREEK_COLUMNS = dict(date="Ημερομηνία", amount="Ποσό", reference="Αιτιολογία", name="Επωνυμία",
                     entry_reference="Αρ. κίνησης", delimiter=";", decimal_comma=True, encoding="cp1253")


def greek_file(rows) -> bytes:
    lines = ["Ημερομηνία;Ποσό;Αιτιολογία;Επωνυμία;Αρ. κίνησης"] + [";".join(row) for row in rows]
    return "\r\n".join(lines).encode("cp1253")


def test_decimal_comma_and_greek_text_in_cp1253():
    parsed = parse_csv_statement(greek_file([
        ("20/11/2026", "1.234,56", "Εξόφληση δόσης", "Γιώργος Παπαδόπουλος", "K1"),
        ("21/11/2026", "-15,00", "Προμήθεια", "Τράπεζα", "K2"),
    ]), CsvColumns.build(**GREEK_COLUMNS, default_currency="EUR"))
    first, second = parsed.lines
    assert (first.amount_minor, first.currency, first.is_credit) == (123456, "EUR", True)
    assert first.remittance_text == "Εξόφληση δόσης" and first.counterparty_name == "Γιώργος Παπαδόπουλος"
    assert first.booking_date == dt.date(2026, 11, 20)
    assert (second.amount_minor, second.is_credit) == (1500, False)


def test_polish_export_with_spaces_as_thousands():
    content = "Data;Kwota;Waluta;Tytuł\n2026-11-20;1 500,00;PLN;Spłata RF18539007547034\n".encode("cp1250")
    columns = CsvColumns.from_text("date=Data,amount=Kwota,currency=Waluta,reference=Tytuł",
                                   decimal_comma=True, encoding="cp1250")
    [line] = parse_csv_statement(content, columns).lines
    assert (line.amount_minor, line.currency) == (150000, "PLN")
    assert "Spłata" in line.remittance_text


@pytest.mark.parametrize("content, words", [
    ("Ημερομηνία;Ποσό\n".encode(), "not in cp1253"),
    (greek_file([("31/02/2026", "1,00", "x", "y", "z")]), "not a date"),
    (greek_file([("20/11/2026", "abc", "x", "y", "z")]), "not an amount"),
])
def test_bad_rows_name_the_row(content, words):
    with pytest.raises(ValidationError, match=words):
        parse_csv_statement(content, CsvColumns.build(**GREEK_COLUMNS, default_currency="EUR"))


def test_missing_column_is_named():
    with pytest.raises(ValidationError, match="no column “Ποσό”"):
        parse_csv_statement("Ημερομηνία;Amount\n".encode("cp1253"), CsvColumns.build(**GREEK_COLUMNS))


def test_csv_import_matches_by_rf_in_the_text(system, portfolio, make_account, collection_account, business_date):
    account = make_account(portfolio)
    content = greek_file([("20/11/2026", "50,00", f"Πληρωμή {account.rf_reference}", "Γιώργος Π.", "K9")])
    result = services.import_statement(actor=system, collection_account=collection_account, file_name="nbg.csv",
                                       content=content, fmt="csv", csv_columns=CsvColumns.build(**GREEK_COLUMNS))
    [line] = result.statement.lines.all()
    assert line.status == StatementLine.Status.POSTED and line.account_id == account.pk
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.source, payment.method) == (5000, "bank", "transfer")
    assert payment.external_id == f"{collection_account.iban}/K9"
