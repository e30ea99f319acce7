"""The portal's PDF documents: a statement of account and an arrangement's confirmation, read back with pypdf.

Amounts and dates come out as the debtor's language writes them, Greek and Cyrillic names survive, the schedule
is complete, nobody gets another debtor's document, and handing one out is audited. Labels are compared through
gettext, so the tests hold whether or not the catalogs are compiled."""

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from arrears.arrangements.models import Arrangement, Offer
from arrears.conftest import greek_debtor
from arrears.core.actors import SystemActor
from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.core.pdf import Column, Document
from arrears.ledger.models import Component, Payment
from arrears.ledger.services import PaymentIn, post_payment
from arrears.payments.models import CollectionAccount
from arrears.portal.services import create_login
from arrears.portfolio.models import ContactPoint
from arrears.portfolio.services import ContactPointIn

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase"


def pdf_pages(response) -> list[str]:
    """Each page's text, with the no-break spaces of formatted amounts made plain spaces."""
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return [page.extract_text().replace("\xa0", " ").replace("\u202f", " ") for page in reader.pages]


def pdf_text(response) -> str:
    return "\n".join(pdf_pages(response))


def in_language(language: str, text) -> str:
    """A label (lazy or a msgid) as the PDF prints it in that language."""
    with translation.override(language):
        return translation.gettext(text) if isinstance(text, str) else str(text)


def sign_in(client, debtor, username: str):
    create_login(debtor=debtor, username=username, password=PASSWORD)
    client.post(reverse("portal:sign_in"), {"username": username, "password": PASSWORD})
    return client


@pytest.fixture
def account(make_creditor, make_portfolio, make_account, business_date):
    """1,000.00 EUR principal and 120.50 interest owed by Γιώργος Παπαδόπουλος, his address in Athens on file."""
    address = ContactPointIn(ContactPoint.Kind.ADDRESS, address_line1="Πανεπιστημίου 10", postal_code="10671",
                             city="Αθήνα", is_primary=True)
    debtor = greek_debtor(contact_points=[*greek_debtor().contact_points, address])
    return make_account(make_portfolio(make_creditor()), principal="1000.00", interest="120.50", debtor=debtor)


@pytest.fixture
def plan(signed_in, account):
    """The six-month plan the debtor chose in the portal, with a collection account to pay into."""
    CollectionAccount.objects.create(creditor=account.creditor, iban="GR1601101250000000012300695",
                                     holder_name="Alpha Bank Collections", currency="EUR")
    signed_in.get(reverse("portal:offers", args=[account.pk]))
    six = Offer.objects.get(account=account, kind="plan", count=6)
    signed_in.post(reverse("portal:accept_offer", args=[account.pk]), {"offer": six.pk})
    return Arrangement.objects.get(account=account)


def test_a_greek_statement_gives_each_part_the_payments_the_address_and_the_references(signed_in, account):
    post_payment(actor=SystemActor("bank"), payment=PaymentIn(
        account_id=account.pk, amount=Money.of("120.50", "EUR"), source="bank", external_id="b-1",
        value_date=dt.date(2026, 11, 20), method=Payment.Method.TRANSFER))
    text = pdf_text(signed_in.get(reverse("portal:statement", args=[account.pk]), headers={"accept-language": "el"}))
    # The payment went to the interest first (the creditor's waterfall): 1.000,00 € of principal is left.
    assert f"{in_language('el', Component.PRINCIPAL.label)} 1.000,00 €" in text
    assert f"{in_language('el', Component.INTEREST.label)} 0,00 €" in text
    assert re.search(r"^20/11/2026 .*120,50 €$", text, re.MULTILINE)  # value date, method, amount
    assert "Γιώργος Παπαδόπουλος" in text and "Πανεπιστημίου 10\n10671 Αθήνα" in text
    assert "Alpha Bank" in text and "Original Bank S.A." in text and account.creditor_reference in text
    rf = " ".join(account.rf_reference[i:i + 4] for i in range(0, len(account.rf_reference), 4))
    assert rf in text
    assert "23/11/2026" in text and "01/08/2026" in text  # as of the business date; overdue since the due date
    assert re.search(rf"{in_language('el', 'Days past due')} 114$", text, re.MULTILINE)


def test_a_russian_statement_keeps_a_cyrillic_name_and_roubles(client, make_creditor, make_portfolio, make_account):
    portfolio = make_portfolio(make_creditor(code="sber-cession", country="RU"), currency="RUB", jurisdiction="RU")
    account = make_account(portfolio, principal="1000.00", debtor=greek_debtor(
        country="RU", given_name="Иван", family_name="Петров", identifiers=[], contact_points=[]))
    sign_in(client, account.debtors.get(), "ivan.petrov")
    text = pdf_text(client.get(reverse("portal:statement", args=[account.pk]), headers={"accept-language": "ru"}))
    assert "Иван Петров" in text
    assert f"{in_language('ru', Component.PRINCIPAL.label)} 1 000,00 ₽" in text
    assert "23.11.2026" in text


def test_the_english_statement_reads_as_a_statement(signed_in, account):
    text = pdf_text(signed_in.get(reverse("portal:statement", args=[account.pk]), headers={"accept-language": "en"}))
    assert text.startswith("arrears Statement of account\nStatement of account\nAs of 11/23/2026")
    assert "Total €1,120.50" in text and "No payments have been received on this account." in text
    assert "Postal address Πανεπιστημίου 10" in text


def test_the_confirmation_lists_every_instalment_and_how_to_pay(signed_in, account, plan):
    page = signed_in.get(reverse("portal:arrangement", args=[plan.pk])).content.decode()
    assert reverse("portal:arrangement_pdf", args=[plan.pk]) in page
    text = pdf_text(signed_in.get(reverse("portal:arrangement_pdf", args=[plan.pk]), headers={"accept-language": "el"}))
    rows = list(plan.instalments.order_by("number"))
    assert len(rows) == 6
    for row in rows:
        amount = Money(row.amount_minor, "EUR").format("el").replace("\xa0", " ")
        assert f"\n{row.number} {row.due_date:%d/%m/%Y} {amount} 0,00 €\n" in text
    assert "1.120,50 €" in text and "Γιώργος Παπαδόπουλος" in text
    assert "GR16 0110 1250 0000 0001 2300 695" in text and "Alpha Bank Collections" in text
    rf = " ".join(account.rf_reference[i:i + 4] for i in range(0, len(account.rf_reference), 4))
    assert rf in text
    assert in_language("el", plan.get_kind_display()) in text


def test_documents_come_as_private_attachments_with_an_ascii_name(client, make_creditor, make_portfolio,
                                                                   make_account):
    account = make_account(make_portfolio(make_creditor()), reference="ΔΑΝ-42/Α")
    sign_in(client, account.debtors.get(), "giorgos")
    response = client.get(reverse("portal:statement", args=[account.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="statement-42-2026-11-23.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"%PDF-")


def test_another_debtors_account_or_arrangement_is_not_found(signed_in, account, plan, make_account):
    other = make_account(account.portfolio, principal="500.00", reference="OTHER-1", debtor=greek_debtor(
        given_name="Νίκος", identifiers=[], contact_points=[]))
    assert signed_in.get(reverse("portal:statement", args=[other.pk])).status_code == 404
    nikos = sign_in(Client(), other.debtors.get(), "nikos")
    assert nikos.get(reverse("portal:statement", args=[account.pk])).status_code == 404
    assert nikos.get(reverse("portal:arrangement_pdf", args=[plan.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="portal.document_viewed").exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(account, plan):
    for url in (reverse("portal:statement", args=[account.pk]), reverse("portal:arrangement_pdf", args=[plan.pk])):
        response = Client().get(url)
        assert response.status_code == 302 and response.url == reverse("portal:sign_in")


def test_handing_out_a_document_is_audited_as_the_debtor(signed_in, account, plan):
    signed_in.get(reverse("portal:statement", args=[account.pk]))
    signed_in.get(reverse("portal:arrangement_pdf", args=[plan.pk]))
    events = AuditEvent.objects.filter(action="portal.document_viewed").order_by("pk")
    debtor = account.debtors.get()
    assert [(e.object_type, e.object_id, e.after, e.actor_label, e.creditor_id) for e in events] == [
        ("portfolio.account", str(account.pk), {"kind": "statement"}, f"debtor:{debtor.pk}", account.creditor_id),
        ("arrangements.arrangement", str(plan.pk), {"kind": "arrangement_confirmation"}, f"debtor:{debtor.pk}",
         account.creditor_id),
    ]


def test_a_long_table_flows_onto_a_second_page_under_the_same_headers(settings):
    settings.PORTAL_BRAND_NAME = "Ελληνική Εξυπηρέτηση Α.Ε."
    document = Document(title="Πρόγραμμα", dated=dt.date(2026, 11, 23), language="el")
    document.table([Column("Ημερομηνία", 2), Column("Ποσό", 1, amount=True)],
                   [(f"{day:02d}/12/2026", f"{day},00 €") for day in range(1, 61)], total=("Σύνολο", "1.830,00 €"))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(document.output())).pages]
    assert len(pages) == 2
    for number, page in enumerate(pages, start=1):
        assert page.startswith("Ελληνική Εξυπηρέτηση Α.Ε. Πρόγραμμα\n")  # the servicer's header on each page
        assert "\nΗμερομηνία Ποσό\n" in page  # and the table's headings again
        assert page.endswith(f"Page {number} of 2")
    assert "01/12/2026 1,00 €" in pages[0] and "60/12/2026 60,00 €" in pages[1] and "Σύνολο 1.830,00 €" in pages[1]
    rows = [line for page in pages for line in page.splitlines() if line.endswith("/12/2026") or "/12/2026 " in line]
    assert len(rows) == 60  # no row lost or doubled at the break


def test_a_document_is_dated_by_its_own_date_and_the_same_inputs_give_the_same_bytes(settings):
    settings.PORTAL_BRAND_NAME = "Servicer S.A."

    def build() -> bytes:
        document = Document(title="Statement", dated=dt.date(2026, 11, 23), language="en")
        document.key_values([("Name", "Иван Петров")])
        return document.output()

    first = build()
    assert first == build()
    metadata = PdfReader(io.BytesIO(first)).metadata
    assert metadata.title == "Statement" and metadata.author == "Servicer S.A."
    assert metadata.creation_date == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
