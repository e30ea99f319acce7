"""Uploading a file in the back office: the batch is created and validated in the background; bad files get
a form error that says what is wrong, and nothing is created."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from arrears.core.roles import Role
from arrears.imports import forms as upload_forms
from arrears.imports.models import ImportBatch, ImportProfile
from arrears.imports.services import imports_dir
from arrears.imports.tests.test_placement_files import GREEK, RUSSIAN, csv_bytes
from arrears.portfolio.models import Account

pytestmark = pytest.mark.django_db
UPLOAD = reverse("admin:imports_importbatch_upload")


@pytest.fixture
def root(client, make_user):
    user = make_user("root", Role.ADMIN)
    client.force_login(user)
    return user


def post(client, creditor, profile, content, name="loans.csv", **extra):
    data = {"creditor": creditor.pk, "kind": profile.kind, "profile": profile.pk, "mode": "all_or_nothing",
            "file": SimpleUploadedFile(name, content), **extra}
    return client.post(UPLOAD, data)


def file_errors(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors.get("file", [])


def test_an_upload_creates_the_batch_validates_it_in_the_background_and_shows_its_page(
        client, root, creditor, placement_profile, business_date, django_capture_on_commit_callbacks):
    page = client.get(reverse("admin:imports_importbatch_changelist"))
    assert UPLOAD in page.content.decode()
    form = client.get(UPLOAD)
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, creditor, placement_profile, csv_bytes(GREEK, RUSSIAN))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("admin:imports_importbatch_change",
                                                                   args=[batch.pk])
    assert callbacks, "validation is enqueued once the batch is committed"
    batch.refresh_from_db()
    assert (batch.status, batch.total_rows, batch.valid_rows, batch.created_by) == ("validated", 2, 2, root)
    assert Account.objects.count() == 0  # nothing applied before the operator applies
    shown = client.get(response.url).content.decode()
    assert "loans.csv" in shown and 'http-equiv="refresh"' not in shown


def test_a_running_batch_page_shows_its_progress_and_refreshes(client, root, creditor, placement_profile,
                                                               business_date):
    post(client, creditor, placement_profile, csv_bytes(GREEK))  # the task is not run: still validating
    batch = ImportBatch.objects.get()
    shown = client.get(reverse("admin:imports_importbatch_change", args=[batch.pk])).content.decode()
    assert batch.status == "validating"
    assert 'http-equiv="refresh"' in shown and "<progress" in shown


def xlsx(*rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("loans.pdf", b"%PDF-1.7", "neither a CSV file"),
    ("loans.csv", b"", "The submitted file is empty."),
    ("loans.csv", csv_bytes(GREEK, encoding="cp1253"), "Line 2 is not utf-8-sig text"),
    ("loans.csv", csv_bytes(*[RUSSIAN] * 3) + ";".join(GREEK).encode("cp1253") + b"\r\n", "Line 5 is not utf-8"),
    ("loans.csv", xlsx(), "spreadsheet workbook (XLSX), not CSV"),
    ("loans.xlsx", csv_bytes(GREEK), "named as an XLSX workbook but is not one"),
    ("loans.xlsx", xlsx(["Loan", "Product"], ["A-1", "personal_loan"]), "lacks the column(s)"),
    ("loans.xlsx", xlsx(), "no header row"),
    ("loans.csv", b"Loan,Product\r\nA,personal_loan\r\n", "lacks the column(s)"),
    ("loans.csv", csv_bytes(), "no rows to import"),
    ("loans.csv", b"\x00\x01\x02" * 100, "not a CSV text file"),
])
def test_a_bad_file_is_a_specific_form_error_and_nothing_is_created(client, root, creditor, placement_profile,
                                                                     business_date, name, content, message):
    errors = file_errors(post(client, creditor, placement_profile, content, name=name))
    assert any(message in error for error in errors), errors
    assert not ImportBatch.objects.exists()
    assert not imports_dir().exists() or not any(imports_dir().iterdir())


def test_an_oversized_file_is_refused(client, root, creditor, placement_profile, business_date, monkeypatch):
    monkeypatch.setattr(upload_forms, "MAX_UPLOAD_BYTES", 100)
    errors = file_errors(post(client, creditor, placement_profile, csv_bytes(GREEK)))
    assert len(errors) == 1 and errors[0].startswith("The file is ") and "at most 100" in errors[0]
    assert not ImportBatch.objects.exists()


def test_the_same_file_twice_is_refused_naming_the_first_batch(client, root, creditor, placement_profile,
                                                                business_date):
    post(client, creditor, placement_profile, csv_bytes(GREEK))
    first = ImportBatch.objects.get()
    errors = file_errors(post(client, creditor, placement_profile, csv_bytes(GREEK), name="again.csv"))
    assert len(errors) == 1 and f"already imported as batch #{first.pk}" in errors[0]
    assert ImportBatch.objects.count() == 1


def test_profile_and_portfolio_must_fit_the_creditor_and_kind(client, root, creditor, placement_profile,
                                                              payment_profile, make_creditor, make_portfolio,
                                                              business_date):
    other_portfolio = make_portfolio(make_creditor("beta-bank"), code="beta-book")
    response = post(client, creditor, payment_profile, csv_bytes(GREEK), kind="placements")
    assert "reads payments files" in response.context["form"].errors["profile"][0]
    response = post(client, creditor, placement_profile, csv_bytes(GREEK), portfolio=other_portfolio.pk)
    assert "is not Alpha Bank's" in response.context["form"].errors["portfolio"][0]
    assert not ImportBatch.objects.exists()


def test_a_chosen_portfolio_takes_the_rows_that_name_none(client, root, creditor, placement_profile,
                                                          make_portfolio, business_date,
                                                          django_capture_on_commit_callbacks):
    spare = make_portfolio(creditor, code="spare-book")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, creditor, placement_profile, csv_bytes(GREEK), portfolio=spare.pk, mode="valid_only")
    batch = ImportBatch.objects.get()
    assert (batch.portfolio, batch.mode, batch.status) == (spare, "valid_only", "validated")
    from arrears.imports import services

    services.apply_import(actor=root, batch=batch)
    assert Account.objects.get().portfolio == spare


def test_csrf_is_required(creditor, placement_profile, make_user, business_date):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("root", Role.ADMIN))
    assert "csrfmiddlewaretoken" in client.get(UPLOAD).content.decode()
    response = post(client, creditor, placement_profile, csv_bytes(GREEK))
    assert response.status_code == 403 and not ImportBatch.objects.exists()


def test_who_may_upload(client, creditor, make_user, business_date):
    client.force_login(make_user("stratos", Role.STRATEGY))
    assert client.get(UPLOAD).status_code == 403
    client.force_login(make_user("cred", Role.CREDITOR, [creditor]))  # creditor users have no back office
    assert client.get(UPLOAD).status_code == 302


def test_the_form_offers_only_what_the_user_may_see(client, creditor, portfolio, placement_profile, payment_profile,
                                                    make_creditor, make_portfolio, make_user, business_date):
    other = make_creditor("beta-bank")
    make_portfolio(other, code="beta-book")
    ImportProfile.objects.create(creditor=other, name="beta", kind="payments", columns={"Loan": "creditor_reference"})
    lead = make_user("lead", Role.TEAM_LEAD, [creditor])
    client.force_login(lead)
    form = client.get(UPLOAD).context["form"]
    assert list(form.fields["creditor"].queryset) == [creditor]
    assert list(form.fields["portfolio"].queryset) == [portfolio]
    assert set(form.fields["profile"].queryset) == {placement_profile, payment_profile}
    # A creditor's own user (API and reports) is scoped the same way wherever the form is used.
    creditor_user = make_user("alpha-user", Role.CREDITOR, [other])
    form = upload_forms.UploadForm(user=creditor_user)
    assert [p.code for p in form.fields["portfolio"].queryset] == ["beta-book"]
    assert list(form.fields["creditor"].queryset) == [other]
    # A team lead posts payments but does not place accounts: the service says so on the form.
    response = post(client, creditor, placement_profile, csv_bytes(GREEK))
    assert "place_accounts" in " ".join(response.context["form"].non_field_errors())
    assert not ImportBatch.objects.exists()
