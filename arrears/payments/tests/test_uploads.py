"""Uploading a bank statement in the back office: read whole, matched and posted, then the statement's page;
a bad file is a form error that says what is wrong, and nothing is stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from arrears.core.roles import Role
from arrears.ledger.models import Payment
from arrears.payments import forms as upload_forms
from arrears.payments import services
from arrears.payments.models import BankStatement, StatementLine
from arrears.payments.tests.statements import OTHER_IBAN, Booking, camt053

pytestmark = pytest.mark.django_db
UPLOAD = reverse("admin:payments_bankstatement_upload")


@pytest.fixture
def root(client, make_user):
    user = make_user("root", Role.ADMIN)
    client.force_login(user)
    return user


def post(client, collection_account, content, name="nov.xml", fmt="camt053", **extra):
    data = {"collection_account": collection_account.pk, "source_format": fmt, "csv_encoding": "utf-8-sig",
            "csv_delimiter": ";", "file": SimpleUploadedFile(name, content), **extra}
    return client.post(UPLOAD, data)


def file_errors(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors.get("file", [])


def test_a_camt053_upload_is_matched_posted_and_shown(client, root, portfolio, make_account, collection_account):
    account = make_account(portfolio)
    assert UPLOAD in client.get(reverse("admin:payments_bankstatement_changelist")).content.decode()
    content = camt053([Booking("9.00", rf=account.rf_reference, reference="U1"),
                       Booking("4.00", text="who knows", reference="U2")])
    response = post(client, collection_account, content)
    statement = BankStatement.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:payments_bankstatement_change", args=[statement.pk])
    assert (statement.line_count, statement.posted_count, statement.unmatched_count) == (2, 1, 1)
    assert statement.created_by == root and Payment.objects.get().account_id == account.pk
    page = client.get(response.url).content.decode()
    assert "Statement “nov.xml” imported: 2 lines; 1 matched, 1 left in the queue" in page


def test_a_csv_upload_with_its_column_mapping(client, root, portfolio, make_account, collection_account):
    account = make_account(portfolio)
    content = f"Fecha;Importe;Concepto\n20/11/2026;12,50;pago {account.rf_reference}\n".encode("cp1250")
    response = post(client, collection_account, content, name="export.csv", fmt="csv", csv_encoding="cp1250",
                    csv_columns="date=Fecha,amount=Importe,reference=Concepto", csv_decimal_comma="on")
    assert response.status_code == 302, response.context["form"].errors
    assert Payment.objects.get().amount_minor == 1250


def workbook() -> bytes:
    content = io.BytesIO()
    Workbook().save(content)
    return content.getvalue()


CSV_OPTIONS = {"fmt": "csv", "csv_columns": "date=Fecha,amount=Importe"}


@pytest.mark.parametrize(("name", "content", "options", "message"), [
    ("nov.pdf", b"%PDF-1.7", {}, "is not a ISO 20022 camt.053 file (.xml)"),
    ("nov.xml", b"", {}, "The submitted file is empty."),
    ("nov.xml", b"Fecha;Importe\n20/11/2026;1,00\n", {}, "not an XML file"),
    ("nov.xml", b"<Document><broken", {}, "camt.053"),
    ("nov.csv", workbook(), CSV_OPTIONS, "binary file"),
    ("nov.csv", "Fecha;Importe\n20/11/2026;1,00 €\n".encode("cp1253"), CSV_OPTIONS, "is not utf-8-sig text"),
    ("nov.csv", b"Date;Amount\n2026-11-20;1.00\n", CSV_OPTIONS, "no column “Fecha”"),
    ("nov.xml", camt053([Booking("1.00", reference="X")], iban=OTHER_IBAN), {}, "not for collection account"),
])
def test_a_bad_statement_is_a_specific_form_error_and_nothing_is_stored(client, root, collection_account,
                                                                         name, content, options, message):
    errors = file_errors(post(client, collection_account, content, name=name, **options))
    assert any(message in error for error in errors), errors
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()


def test_csv_needs_its_column_mapping_and_an_oversized_file_is_refused(client, root, collection_account,
                                                                        monkeypatch):
    response = post(client, collection_account, b"Fecha;Importe\n20/11/2026;1,00\n", name="nov.csv", fmt="csv")
    assert "needs date, amount" in response.context["form"].errors["csv_columns"][0]
    monkeypatch.setattr(upload_forms, "MAX_STATEMENT_BYTES", 10)
    errors = file_errors(post(client, collection_account, camt053([Booking("1.00", reference="Y")])))
    assert len(errors) == 1 and "a statement may be at most 10" in errors[0]
    assert not BankStatement.objects.exists()


def test_the_same_statement_twice_is_refused(client, root, collection_account):
    content = camt053([Booking("3.00", text="?", reference="D1")])
    post(client, collection_account, content)
    errors = file_errors(post(client, collection_account, content, name="copy.xml"))
    assert len(errors) == 1 and "already imported" in errors[0]
    assert BankStatement.objects.count() == 1


def test_csrf_is_required(collection_account, make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("root", Role.ADMIN))
    assert "csrfmiddlewaretoken" in client.get(UPLOAD).content.decode()
    response = post(client, collection_account, camt053([Booking("3.00", reference="C1")]))
    assert response.status_code == 403 and not BankStatement.objects.exists()


def test_only_the_users_own_collection_accounts_are_offered(client, system, collection_account, make_creditor,
                                                            make_user):
    beta = make_creditor("beta-bank")
    theirs = services.create_collection_account(actor=system, creditor=beta, iban=OTHER_IBAN, holder_name="Beta",
                                                currency="PLN")
    client.force_login(make_user("agent-b", Role.AGENT, [beta]))
    form = client.get(UPLOAD).context["form"]
    assert list(form.fields["collection_account"].queryset) == [theirs]
    response = post(client, collection_account, camt053([Booking("3.00", reference="S1")]))
    assert "collection_account" in response.context["form"].errors and not BankStatement.objects.exists()
    client.force_login(make_user("stratos", Role.STRATEGY))
    assert client.get(UPLOAD).status_code == 403
