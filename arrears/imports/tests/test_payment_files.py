"""Payment files: posted once per payment id, whatever the file is called; the CLI, the task and the admin."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from arrears.core.roles import Role
from arrears.imports import cli, services
from arrears.imports.models import ImportBatch, ImportRowError
from arrears.ledger.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(portfolio, make_account):
    return [make_account(portfolio, reference="A-1"), make_account(portfolio, reference="A-2")]


def payments_csv(*rows, extra=""):
    return ("Loan;Paid;Date;Payment id\r\n" + "".join(";".join(r) + "\r\n" for r in rows) + extra).encode()


ROWS = [("A-1", "1.000,50", "20.11.2026", "P-1"), ("A-2", "99,99", "21.11.2026", "P-2")]


def run(system, creditor, profile, content, name="payments.csv", mode="all_or_nothing"):
    batch = services.start_import(actor=system, creditor=creditor, profile=profile, file_name=name, content=content,
                                  mode=mode)
    return services.apply_import(actor=system, batch=batch)


def test_payments_with_decimal_commas_are_posted_once(system, creditor, payment_profile, accounts, business_date):
    batch = run(system, creditor, payment_profile, payments_csv(*ROWS))
    assert (batch.status, batch.applied_rows, batch.message) == ("applied", 2, "posted: 2")
    assert sorted(Payment.objects.values_list("external_id", "amount_minor", "source")) == [
        ("P-1", 100050, "file"), ("P-2", 9999, "file")]
    accounts[0].refresh_from_db()
    assert accounts[0].balance_minor == -50  # 1,000.50 paid on 1,000.00: 0.50 held as credit

    again = run(system, creditor, payment_profile, payments_csv(*ROWS, extra="\r\n"), name="payments-copy.csv")
    assert (again.status, again.message) == ("applied", "already posted: 2")
    assert Payment.objects.count() == 2


def test_bad_payment_rows_are_reported_by_row_and_nothing_is_posted(system, creditor, payment_profile, accounts,
                                                                     business_date):
    rows = [*ROWS, ("A-9", "10,00", "20.11.2026", "P-3"), ("A-1", "-5,00", "20.11.2026", "P-4"),
            ("A-1", "5,00", "2026-11-20", "P-5")]
    batch = run(system, creditor, payment_profile, payments_csv(*rows))
    assert batch.status == "rejected" and Payment.objects.count() == 0
    errors = list(ImportRowError.objects.filter(batch=batch).values_list("row", "column", "message"))
    assert errors == [(4, "Loan", "alpha-bank has no account A-9."),
                      (5, "Paid", "A payment must be more than zero; got -5.00 EUR."),
                      (6, "Date", "“2026-11-20” is not a date in the form %d.%m.%Y.")]
    batch = services.apply_import(actor=system, batch=batch, mode="valid_only")
    assert (batch.status, batch.applied_rows, Payment.objects.count()) == ("applied", 2, 2)


def test_a_changed_payment_under_a_known_id_is_a_row_error(system, creditor, payment_profile, accounts,
                                                           business_date):
    run(system, creditor, payment_profile, payments_csv(*ROWS))
    batch = run(system, creditor, payment_profile, payments_csv(("A-1", "2,00", "20.11.2026", "P-1")))
    assert batch.status == "rejected"
    assert "already received with different details" in ImportRowError.objects.get(batch=batch).message


def test_an_xlsx_payment_file(system, creditor, payment_profile, accounts, business_date):
    import datetime as dt

    workbook = Workbook()
    workbook.active.append(["Loan", "Paid", "Date", "Payment id"])
    workbook.active.append(["A-1", 12.3, dt.datetime(2026, 11, 20), 7001])
    content = io.BytesIO()
    workbook.save(content)
    batch = run(system, creditor, payment_profile, content.getvalue(), name="payments.xlsx")
    assert batch.status == "applied", batch.message
    assert list(Payment.objects.values_list("external_id", "amount_minor")) == [("7001", 1230)]


def test_the_cli_imports_and_reports(system, creditor, payment_profile, accounts, business_date, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(payments_csv(*ROWS))
    assert cli.main(["payments", str(good), "--creditor", "alpha-bank", "--profile", "payments"]) == 0
    captured = capsys.readouterr()
    assert "Validating: 2 rows" in captured.err and "Applying: 2 rows" in captured.err
    assert "applied 2." in captured.out.lower()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(payments_csv(("A-9", "1,00", "20.11.2026", "X-1")))
    assert cli.main(["payments", str(bad), "--creditor", "alpha-bank", "--profile", "payments"]) == 2
    assert "row 2, Loan: alpha-bank has no account A-9." in capsys.readouterr().err

    assert cli.main(["payments", str(good), "--creditor", "alpha-bank", "--profile", "payments"]) == 2
    assert "already imported as batch" in capsys.readouterr().err

    dry = tmp_path / "dry.csv"
    dry.write_bytes(payments_csv(("A-2", "1,00", "20.11.2026", "D-1")))
    assert cli.main(["payments", str(dry), "--creditor", "alpha-bank", "--profile", "payments", "--dry-run"]) == 0
    assert not Payment.objects.filter(external_id="D-1").exists()


def test_imports_run_as_tasks(system, creditor, payment_profile, accounts, business_date,
                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.start_import(actor=system, creditor=creditor, profile=payment_profile,
                                      file_name="p.csv", content=payments_csv(*ROWS), background=True)
    batch.refresh_from_db()
    assert batch.status == "validated"
    with django_capture_on_commit_callbacks(execute=True):
        services.apply_import(actor=system, batch=batch, background=True)
    batch.refresh_from_db()
    assert (batch.status, batch.applied_rows) == ("applied", 2)


def test_the_back_office_shows_batches_and_applies_them(client, system, creditor, payment_profile, accounts,
                                                         make_user, business_date,
                                                         django_capture_on_commit_callbacks):
    batch = services.start_import(actor=system, creditor=creditor, profile=payment_profile, file_name="p.csv",
                                  content=payments_csv(*ROWS, ("A-9", "1,00", "20.11.2026", "X")))
    user = make_user("lead", Role.ADMIN)
    user.is_staff = True
    user.save()
    client.force_login(user)
    page = client.get(reverse("admin:imports_importbatch_changelist"))
    assert page.status_code == 200 and "p.csv" in page.content.decode()
    errors = client.get(reverse("admin:imports_importrowerror_changelist") + f"?batch__id__exact={batch.pk}")
    assert "alpha-bank has no account A-9." in errors.content.decode()
    assert client.get(reverse("admin:imports_importprofile_changelist")).status_code == 200

    url = reverse("admin:imports_importbatch_changelist")
    form = {"action": "apply_valid_only", "_selected_action": [batch.pk]}
    assert "Apply valid rows only" in client.post(url, form).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**form, "apply": "1"})
    batch.refresh_from_db()
    assert (batch.status, batch.applied_rows) == ("applied", 2)
    assert ImportBatch.objects.count() == 1
