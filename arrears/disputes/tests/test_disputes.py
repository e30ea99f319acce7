"""Disputes: the whole debt held until answered, or only an amount; the debtor flagged while any is open;
answered with reasons by compliance or a team lead; the portal's form."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from arrears.core.models import DomainEvent
from arrears.core.money import Money
from arrears.core.roles import Role
from arrears.disputes.models import Dispute
from arrears.disputes.services import answer_dispute, open_dispute
from arrears.portal.services import create_login
from arrears.portfolio.models import Account, Debtor

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(make_creditor, make_portfolio, make_account, business_date):
    return make_account(make_portfolio(make_creditor()), principal="1000.00")


def dispute(system, account, amount=None, reason="paid"):
    return open_dispute(actor=system, account=account, debtor=account.debtors.first(), reason=reason,
                        details="I paid it at the branch in March; receipt attached to my letter.", amount=amount)


def test_disputing_the_whole_debt_holds_the_account_and_flags_the_debtor_until_answered(system, account, make_user):
    opened = dispute(system, account)
    assert Account.objects.get(pk=account.pk).status == "hold" and opened.held_from == "placed"
    assert Debtor.objects.get(pk=account.debtors.first().pk).disputed
    assert DomainEvent.objects.filter(type="dispute.opened", account_id=account.pk).exists()
    with pytest.raises(ValidationError, match="already disputed"):
        dispute(system, account, Money.of("10.00", "EUR"))

    agent = make_user("nikos", Role.AGENT, creditors=[account.creditor])
    with pytest.raises(PermissionDenied):
        answer_dispute(actor=agent, dispute=opened, upheld=False, answer="No payment was found.")
    officer = make_user("sofia", Role.COMPLIANCE, creditors=[account.creditor])
    answered = answer_dispute(actor=officer, dispute=opened, upheld=False,
                              answer="No payment in March reached the account; please send the receipt.")
    assert answered.status == "rejected" and Account.objects.get(pk=account.pk).status == "placed"
    assert not Debtor.objects.get(pk=account.debtors.first().pk).disputed
    assert DomainEvent.objects.filter(type="dispute.closed").count() == 1


def test_an_upheld_dispute_leaves_the_account_on_hold_for_correction(system, account):
    answered = answer_dispute(actor=system, dispute=dispute(system, account, reason="not_mine"), upheld=True,
                              answer="The loan was taken in your name by someone else; we are closing it.")
    assert answered.status == "upheld" and Account.objects.get(pk=account.pk).status == "hold"


def test_disputing_an_amount_leaves_the_rest_in_collection(system, account):
    part = dispute(system, account, Money.of("120.00", "EUR"), reason="wrong_amount")
    assert part.amount_minor == 12000 and Account.objects.get(pk=account.pk).status == "placed"
    assert Debtor.objects.get(pk=account.debtors.first().pk).disputed


@pytest.mark.parametrize(("changes", "field"), [
    ({"reason": "bored"}, "reason"),
    ({"details": "  "}, "details"),
    ({"amount": Money.of("1000.01", "EUR")}, "amount"),
    ({"amount": Money.of("10.00", "PLN")}, "amount"),
])
def test_a_dispute_without_a_reason_or_with_an_impossible_amount_is_refused(system, account, changes, field):
    values = {"reason": "paid", "details": "Paid in March.", "amount": None, **changes}
    with pytest.raises(ValidationError) as refused:
        open_dispute(actor=system, account=account, debtor=account.debtors.first(), **values)
    assert field in refused.value.message_dict
    assert not Dispute.objects.exists() and Account.objects.get(pk=account.pk).status == "placed"


def test_a_debtor_opens_a_dispute_in_the_portal(client, account):
    create_login(debtor=account.debtors.first(), username="giorgos", password="a long enough passphrase")
    client.post(reverse("portal:sign_in"), {"username": "giorgos", "password": "a long enough passphrase"})
    url = reverse("portal:dispute", args=[account.pk])
    refused = client.post(url, {"reason": "wrong_amount", "amount": "12.345", "details": "Fees added twice."})
    assert refused.status_code == 200 and not Dispute.objects.exists()
    done = client.post(url, {"reason": "wrong_amount", "amount": "45.00", "details": "Fees added twice."})
    assert done.url == reverse("portal:overview")
    page = client.get(done.url, headers={"accept-language": "en"}).content.decode()
    assert "You dispute €45.00 of it" in page
    assert Dispute.objects.get().channel == "portal"
