"""The back office: scoped to the user's creditors, translated, read-only ledger, writes through services."""

import datetime as dt

import pytest
from django.urls import reverse

from arrears.conftest import greek_debtor
from arrears.core.models import AuditEvent, User
from arrears.core.money import Money
from arrears.core.roles import Role
from arrears.ledger.models import LedgerEntry, Payment
from arrears.ledger.services import PaymentIn, post_payment
from arrears.portfolio.models import Creditor, Debtor
from arrears.portfolio.services import IdentifierIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_books(make_creditor, make_portfolio, make_account):
    alpha = make_creditor("alpha-bank")
    beta = make_creditor("beta-fund", kind="fund")
    other = greek_debtor(given_name="Νίκος", identifiers=[IdentifierIn("GR-AFM", "123456783")], contact_points=[])
    return (make_account(make_portfolio(alpha), reference="A-1"),
            make_account(make_portfolio(beta), reference="B-1", debtor=other))


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_login_page_speaks_the_browsers_language(client):
    page = client.get(reverse("admin:login"), headers={"accept-language": "el"})
    assert "Όνομα χρήστη" in page.content.decode()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    page = client.get(reverse("admin:login"), headers={"accept-language": "ru"})
    assert "Имя пользователя" in page.content.decode()


def test_signed_in_user_works_in_their_preferred_language(client, make_user, two_books):
    agent = make_user("maria", Role.AGENT, creditors=[two_books[0].creditor])
    User.objects.filter(pk=agent.pk).update(preferred_language="pl")
    client.force_login(agent)
    page = client.get(reverse("admin:portfolio_account_changelist"), headers={"accept-language": "en"})
    assert "Wyloguj" in page.content.decode()  # "Log out" in Polish


def test_agent_sees_only_accounts_and_debtors_of_their_creditor(client, make_user, two_books):
    mine, theirs = two_books
    client.force_login(make_user("agent-a", Role.AGENT, creditors=[mine.creditor]))
    listing = client.get(reverse("admin:portfolio_account_changelist")).content.decode()
    assert "A-1" in listing and "B-1" not in listing
    assert client.get(change_url(mine)).status_code == 200
    assert client.get(change_url(theirs)).status_code == 302  # admin redirects a missing object to the index
    other_debtor = Debtor.objects.get(account_links__account=theirs)
    assert client.get(change_url(other_debtor)).status_code == 302


def test_opening_a_debtor_is_audited_as_a_view_of_personal_data(client, make_user, two_books):
    account = two_books[0]
    agent = make_user("agent-a", Role.AGENT, creditors=[account.creditor])
    debtor = Debtor.objects.get(account_links__account=account)
    client.force_login(agent)
    assert client.get(change_url(debtor)).status_code == 200
    assert client.get(change_url(account)).status_code == 200
    client.get(reverse("admin:portfolio_debtor_changelist"))
    viewed = AuditEvent.objects.filter(actor=agent, action="debtor.viewed", object_id=str(debtor.pk))
    assert viewed.count() == 2
    listed = AuditEvent.objects.get(actor=agent, action="debtors.listed")
    assert listed.after["ids"] == [debtor.pk]


def test_identifier_is_shown_masked(client, make_user, two_books):
    account = two_books[0]
    client.force_login(make_user("agent-a", Role.AGENT, creditors=[account.creditor]))
    debtor = Debtor.objects.get(account_links__account=account)
    page = client.get(change_url(debtor)).content.decode()
    assert "094259216" not in page
    assert "216" in page


def test_creditor_created_in_the_back_office_goes_through_the_service(client, make_user):
    admin_user = make_user("root", Role.ADMIN)
    client.force_login(admin_user)
    form = {"code": "gamma-telecom", "name": "Gamma Telecom", "kind": "telco", "country": "PL",
            "registration_number": "", "allocation_order": '["costs", "fees", "penalties", "interest", "principal"]',
            "allocation_mode": "component_first", "buckets": '[{"code": "current", "min": 0, "max": null}]',
            "is_active": "on"}
    response = client.post(reverse("admin:portfolio_creditor_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    creditor = Creditor.objects.get(code="gamma-telecom")
    event = AuditEvent.objects.get(action="creditor.created", object_id=str(creditor.pk))
    assert event.actor == admin_user


def test_bad_allocation_order_is_shown_on_its_field_and_nothing_is_written(client, make_user):
    client.force_login(make_user("root", Role.ADMIN))
    form = {"code": "delta", "name": "Delta", "kind": "bank", "country": "ES", "allocation_order": '["principal"]',
            "allocation_mode": "component_first", "buckets": '[{"code": "current", "min": 0, "max": null}]'}
    response = client.post(reverse("admin:portfolio_creditor_add"), form)
    assert response.status_code == 200
    assert "allocation_order" in response.context["adminform"].form.errors
    assert not Creditor.objects.filter(code="delta").exists()
    assert not AuditEvent.objects.filter(action="creditor.created", after__code="delta").exists()


def test_agent_cannot_create_creditors_or_touch_users(client, make_user, two_books):
    client.force_login(make_user("agent-a", Role.AGENT, creditors=[two_books[0].creditor]))
    assert client.get(reverse("admin:portfolio_creditor_add")).status_code == 403
    assert client.get(reverse("admin:core_user_changelist")).status_code == 403
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403


def test_debtor_flag_set_by_an_agent_is_audited(client, make_user, two_books):
    account = two_books[0]
    agent = make_user("agent-a", Role.AGENT, creditors=[account.creditor])
    debtor = Debtor.objects.get(account_links__account=account)
    client.force_login(agent)
    form = {name: getattr(debtor, name) or "" for name in
            ["kind", "given_name", "family_name", "company_name", "responsible_person", "country",
             "preferred_language"]}
    form["date_of_birth"] = debtor.date_of_birth.isoformat()
    form["vulnerable"] = "on"
    for prefix in ("identifiers", "contact_points", "account_links"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(change_url(debtor), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    debtor.refresh_from_db()
    assert debtor.vulnerable
    event = AuditEvent.objects.get(action="debtor.flags_changed", actor=agent)
    assert event.before == {"vulnerable": False} and event.after == {"vulnerable": True}
    assert not AuditEvent.objects.filter(action="debtor.updated").exists()  # agents may not edit identity


def test_ledger_entries_cannot_be_added_changed_or_deleted(client, make_user, two_books):
    client.force_login(make_user("root", Role.ADMIN))
    entry = LedgerEntry.objects.filter(account=two_books[0]).first()
    assert client.get(reverse("admin:ledger_ledgerentry_add")).status_code == 403
    assert client.get(reverse("admin:ledger_ledgerentry_delete", args=[entry.pk])).status_code == 403
    before = entry.amount_minor
    client.post(change_url(entry), {"amount_minor": 1, "memo": "edited"})
    entry.refresh_from_db()
    assert entry.amount_minor == before and entry.memo != "edited"


def test_payment_reversal_from_the_back_office_needs_a_reason_and_posts_reversing_entries(
        client, make_user, system, two_books, business_date):
    account = two_books[0]
    outcome = post_payment(actor=system, payment=PaymentIn(
        account_id=account.pk, amount=Money.of("100.00", "EUR"), source="bank", external_id="T-77",
        value_date=dt.date(2026, 11, 20)))
    lead = make_user("lead", Role.TEAM_LEAD, creditors=[account.creditor])
    client.force_login(lead)
    url = reverse("admin:ledger_payment_changelist")
    selection = {"action": "reverse", "_selected_action": [outcome.payment.pk]}
    asked = client.post(url, selection)
    assert asked.status_code == 200 and "T-77" in asked.content.decode()
    client.post(url, {**selection, "apply": "1", "reason": ""})
    assert Payment.objects.get(pk=outcome.payment.pk).status == Payment.Status.POSTED
    client.post(url, {**selection, "apply": "1", "reason": "Returned by the bank (R01)"})
    assert Payment.objects.get(pk=outcome.payment.pk).status == Payment.Status.REVERSED
    account.refresh_from_db()
    assert account.principal_minor == 100000
    event = AuditEvent.objects.get(action="payment.reversed", actor=lead)
    assert event.after["reason"] == "Returned by the bank (R01)"


def test_agent_may_not_reverse_payments(client, make_user, system, two_books):
    account = two_books[0]
    outcome = post_payment(actor=system, payment=PaymentIn(
        account_id=account.pk, amount=Money.of("5.00", "EUR"), source="bank", external_id="T-1",
        value_date=dt.date(2026, 11, 20)))
    client.force_login(make_user("agent-a", Role.AGENT, creditors=[account.creditor]))
    page = client.get(reverse("admin:ledger_payment_changelist")).content.decode()
    assert 'value="reverse"' not in page
    client.post(reverse("admin:ledger_payment_changelist"),
                {"action": "reverse", "_selected_action": [outcome.payment.pk], "apply": "1", "reason": "x"})
    assert Payment.objects.get(pk=outcome.payment.pk).status == Payment.Status.POSTED


def test_users_are_created_and_their_passwords_set_through_the_service(client, make_user, two_books):
    root = make_user("root", Role.ADMIN)
    client.force_login(root)
    creditor = two_books[0].creditor
    response = client.post(reverse("admin:core_user_add"), {
        "username": "eleni", "password1": "Kalimera-2026-long", "password2": "Kalimera-2026-long",
        "first_name": "Ελένη", "last_name": "Κωνσταντίνου", "email": "eleni@example.gr", "preferred_language": "el",
        "role": "agent", "creditors": [creditor.pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    eleni = User.objects.get(username="eleni")
    assert eleni.is_staff and not eleni.is_superuser and eleni.preferred_language == "el"
    assert list(eleni.creditors.all()) == [creditor]
    created = AuditEvent.objects.get(action="user.created", object_id=str(eleni.pk))
    assert created.actor == root and "Kalimera" not in str(created.after)
    response = client.post(reverse("admin:auth_user_password_change", args=[eleni.pk]),
                           {"password1": "Kalinychta-2026-long", "password2": "Kalinychta-2026-long"})
    assert response.status_code == 302, response.content.decode()[:3000]
    eleni.refresh_from_db()
    assert eleni.check_password("Kalinychta-2026-long")
    changed = AuditEvent.objects.get(action="user.updated", object_id=str(eleni.pk))
    assert changed.after == {"password": "changed"}
