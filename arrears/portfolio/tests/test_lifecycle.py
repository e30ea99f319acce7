"""The account status lifecycle: manual moves with reasons, paid in full by the ledger, write-offs."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.core.roles import Role
from arrears.ledger.corrections import reverse_payment, write_off
from arrears.ledger.models import EntryKind, LedgerEntry
from arrears.ledger.queries import ledger_discrepancies
from arrears.ledger.services import PaymentIn, post_payment
from arrears.portfolio.models import Account
from arrears.portfolio.services import change_account_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(make_creditor, make_portfolio, make_account):
    return make_account(make_portfolio(make_creditor()), principal="300.00", interest="20.00", fees="5.00")


def pay(account, amount, external_id):
    return PaymentIn(account_id=account.pk, amount=Money.of(amount, account.currency), source="bank",
                     external_id=external_id, value_date=dt.date(2026, 11, 20))


def test_hold_needs_a_reason_and_is_audited(system, account, business_date):
    with pytest.raises(ValidationError) as missing:
        change_account_status(actor=system, account=account, status=Account.Status.HOLD)
    assert "reason" in missing.value.message_dict
    assert Account.objects.get(pk=account.pk).status == Account.Status.PLACED
    change_account_status(actor=system, account=account, status=Account.Status.HOLD,
                          reason="Debtor in hospital; creditor asked to pause")
    account.refresh_from_db()
    assert account.status == Account.Status.HOLD and account.closed_on is None
    event = AuditEvent.objects.get(action="account.status_changed", object_id=str(account.pk))
    assert event.before["status"] == "placed"
    assert event.after["reason"].startswith("Debtor in hospital")


def test_paid_cannot_be_claimed_by_hand_and_recalled_is_final(system, account):
    with pytest.raises(ValidationError) as paid:
        change_account_status(actor=system, account=account, status=Account.Status.PAID)
    assert "status" in paid.value.message_dict
    change_account_status(actor=system, account=account, status=Account.Status.RECALLED, reason="Creditor recall")
    with pytest.raises(ValidationError) as again:
        change_account_status(actor=system, account=account, status=Account.Status.ACTIVE)
    assert "Recalled by creditor" in again.value.message_dict["status"][0]


def test_unknown_status_is_named(system, account):
    with pytest.raises(ValidationError) as error:
        change_account_status(actor=system, account=account, status="gone-fishing", reason="x")
    assert "gone-fishing" in error.value.message_dict["status"][0]


def test_paying_everything_closes_the_account_as_paid_and_a_reversal_reopens_it(system, account, business_date):
    outcome = post_payment(actor=system, payment=pay(account, "325.00", "full"))
    account.refresh_from_db()
    assert account.status == Account.Status.PAID and account.closed_on == business_date
    assert AuditEvent.objects.filter(action="account.status_changed", after__status="paid").count() == 1
    reverse_payment(actor=system, payment=outcome.payment, reason="Returned unpaid")
    account.refresh_from_db()
    assert account.status == Account.Status.ACTIVE and account.closed_on is None
    assert account.balance_minor == 32500
    assert ledger_discrepancies(account_ids=[account.pk], business_date=business_date) == []


def test_write_off_clears_every_component_through_entries(system, account, business_date):
    post_payment(actor=system, payment=pay(account, "25.00", "part"))
    entries = write_off(actor=system, account=account, reason="Statute-barred")
    account.refresh_from_db()
    assert account.status == Account.Status.WRITTEN_OFF and account.balance_minor == 0
    assert {e.component: e.amount_minor for e in entries} == {"principal": -30000}
    assert LedgerEntry.objects.filter(account=account, kind=EntryKind.WRITE_OFF).count() == 1
    assert (account.dpd, account.bucket) == (0, "current")
    assert ledger_discrepancies(account_ids=[account.pk], business_date=business_date) == []
    with pytest.raises(ValidationError):
        write_off(actor=system, account=account, reason="again")


def test_write_off_leaves_credit_alone_and_settles_as_asked(system, account, business_date):
    entries = write_off(actor=system, account=account, reason="Settlement of 60% paid", status="settled")
    account.refresh_from_db()
    assert account.status == Account.Status.SETTLED
    assert sorted(e.component for e in entries) == ["fees", "interest", "principal"]


def test_status_change_from_the_back_office(client, make_user, account):
    lead = make_user("lead", Role.TEAM_LEAD, creditors=[account.creditor])
    client.force_login(lead)
    url = reverse("admin:portfolio_account_changelist")
    selection = {"action": "change_status", "_selected_action": [account.pk]}
    assert client.post(url, selection).status_code == 200
    client.post(url, {**selection, "apply": "1", "status": "legal", "reason": "Pre-legal review passed"})
    account.refresh_from_db()
    assert account.status == Account.Status.LEGAL
    assert AuditEvent.objects.get(action="account.status_changed", actor=lead).after["status"] == "legal"


def test_every_placed_account_opens_a_bucket_spell(make_creditor, make_portfolio, make_account, business_date):
    from arrears.ledger.models import BucketSpell

    portfolio = make_portfolio(make_creditor())
    current = make_account(portfolio, due=dt.date(2026, 12, 15))
    late = make_account(portfolio, due=dt.date(2026, 8, 1))
    spells = {s.account_id: s.bucket for s in BucketSpell.objects.filter(exited_on__isnull=True)}
    assert spells == {current.pk: "current", late.pk: "91-180"}
