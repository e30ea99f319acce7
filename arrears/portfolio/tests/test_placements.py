"""Placement upserts: new accounts placed, known ones brought up to date, every row answered."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from arrears.conftest import greek_debtor
from arrears.core.models import AuditEvent, DomainEvent
from arrears.core.roles import Role
from arrears.portfolio.models import Account, AccountDebtor, ContactPoint, Debtor
from arrears.portfolio.placements import MAX_BATCH, PlacementIn, upsert_placements
from arrears.portfolio.services import AccountIn, ContactPointIn, DebtorIn, IdentifierIn, balance_charges

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 8, 1)


def russian_debtor(**extra) -> DebtorIn:
    values = {"country": "RU", "given_name": "Ольга", "family_name": "Кузнецова", "preferred_language": "ru",
              "identifiers": [IdentifierIn("RU-INN", "123456789047")],
              "contact_points": [ContactPointIn(ContactPoint.Kind.PHONE, "8 (912) 345-67-89")]}
    return DebtorIn(**{**values, **extra})


def placement(reference="ACC-1", portfolio="npl-2026", debtors=None, principal="950.00", currency="EUR",
              **account) -> PlacementIn:
    values = {"product": "personal_loan", "contract_date": dt.date(2022, 5, 2), **account}
    return PlacementIn(
        portfolio_code=portfolio,
        account=AccountIn(creditor_reference=reference,
                          debtors=debtors if debtors is not None else [(greek_debtor(), "primary")], **values),
        balances=balance_charges(currency, DUE, principal=principal),
    )


@pytest.fixture
def creditor(make_creditor):
    return make_creditor()


@pytest.fixture
def portfolio(creditor, make_portfolio):
    return make_portfolio(creditor)


def upsert(system, creditor, rows, **kwargs):
    return upsert_placements(actor=system, creditor=creditor, placements=rows, **kwargs)


def test_new_accounts_are_placed_with_their_balances(system, creditor, portfolio, business_date):
    [result] = upsert(system, creditor, [placement()])
    assert (result.row, result.creditor_reference, result.created, result.changed, result.errors) == (
        0, "ACC-1", True, [], {})
    account = Account.objects.get(pk=result.account.pk)
    assert (account.portfolio_id, account.principal_minor, account.currency) == (portfolio.pk, 95000, "EUR")
    assert DomainEvent.objects.filter(type="account.placed", account_id=account.pk).count() == 1


def test_sending_the_same_placement_again_changes_nothing(system, creditor, portfolio, business_date):
    upsert(system, creditor, [placement()])
    audits, events = AuditEvent.objects.count(), DomainEvent.objects.count()
    [result] = upsert(system, creditor, [placement(principal="2000.00")])
    assert (result.created, result.changed, result.errors) == (False, [], {})
    assert result.account.principal_minor == 95000  # balances of a known account are not charged again
    assert (AuditEvent.objects.count(), DomainEvent.objects.count()) == (audits, events)


def test_an_update_changes_fields_adds_people_and_contact_points_audited_and_announced(
        system, creditor, portfolio, business_date):
    [first] = upsert(system, creditor, [placement()])
    more_points = greek_debtor(contact_points=[ContactPointIn(ContactPoint.Kind.PHONE, "6912345678"),
                                               ContactPointIn(ContactPoint.Kind.EMAIL, "giorgos@example.gr")])
    row = placement(product="credit_card", charge_off_date=dt.date(2024, 1, 31), original_reference="",
                    debtors=[(more_points, "primary"), (russian_debtor(), "guarantor")])
    [result] = upsert(system, creditor, [row])
    assert (result.created, result.errors) == (False, {})
    assert result.changed == ["product", "charge_off_date", "debtors", "contact_points"]
    account = Account.objects.get(pk=first.account.pk)
    assert (account.product, account.charge_off_date) == ("credit_card", dt.date(2024, 1, 31))
    roles = dict(AccountDebtor.objects.filter(account=account).values_list("debtor__family_name", "role"))
    assert roles == {"Παπαδόπουλος": "primary", "Кузнецова": "guarantor"}
    assert Debtor.objects.count() == 2  # the Greek borrower was recognised by his tax number

    audit = AuditEvent.objects.get(action="account.updated", object_id=str(account.pk))
    assert audit.before["product"] == "personal_loan" and audit.after["product"] == "credit_card"
    assert audit.after["contact_points"] == audit.before["contact_points"] + 1
    [event] = DomainEvent.objects.filter(type="account.updated")
    assert event.account_id == account.pk
    assert event.payload["portfolio"] == "npl-2026"
    assert event.payload["changed"] == result.changed
    assert event.payload["account"]["creditor_reference"] == "ACC-1"

    [again] = upsert(system, creditor, [row])
    assert again.changed == []


def test_greek_and_cyrillic_names_are_kept_as_written(system, creditor, portfolio, business_date):
    results = upsert(system, creditor, [placement("GR-1"), placement("RU-1", debtors=[(russian_debtor(), "primary")])])
    assert [r.errors for r in results] == [{}, {}]
    names = {r.creditor_reference: r.account.debtors.get().display_name for r in results}
    assert names == {"GR-1": "Γιώργος Παπαδόπουλος", "RU-1": "Ольга Кузнецова"}


def mixed_batch():
    return [placement("OK-1"), placement("BAD-1", product="yacht"),
            placement("OK-2", debtors=[(russian_debtor(), "primary")]),
            placement("BAD-2", debtors=[(greek_debtor(family_name=""), "primary")])]


def test_all_or_nothing_writes_nothing_when_a_row_is_invalid(system, creditor, portfolio, business_date):
    results = upsert(system, creditor, mixed_batch())
    assert [bool(r.errors) for r in results] == [False, True, False, True]
    assert results[1].errors == {"placements[1].account.product": ["“yacht” is not a product type."]}
    assert "placements[3].account.debtors[0].family_name" in results[3].errors
    assert all(r.account is None and not r.created for r in results)
    assert Account.objects.count() == 0


def test_valid_only_writes_the_valid_rows_and_reports_the_others(system, creditor, portfolio, business_date):
    results = upsert(system, creditor, mixed_batch(), all_or_nothing=False)
    assert [r.created for r in results] == [True, False, True, False]
    assert sorted(Account.objects.values_list("creditor_reference", flat=True)) == ["OK-1", "OK-2"]
    assert results[1].account is None and results[1].errors


def test_a_row_failing_while_written_rolls_back_only_itself_unless_all_or_nothing(
        system, creditor, portfolio, business_date):
    upsert(system, creditor, [placement("ACC-1")])
    # A second primary person on a known account is found only when the row is written.
    rows = [placement("NEW-1"), placement("ACC-1", debtors=[(russian_debtor(), "primary")])]
    results = upsert(system, creditor, rows)
    assert "placements[1].account.debtors[0].role" in results[1].errors
    assert results[0].account is None and not Account.objects.filter(creditor_reference="NEW-1").exists()

    results = upsert(system, creditor, rows, all_or_nothing=False)
    assert results[0].created and results[1].errors
    assert Account.objects.filter(creditor_reference="NEW-1").exists()
    assert AccountDebtor.objects.filter(account__creditor_reference="ACC-1").count() == 1


def test_the_same_reference_twice_in_a_batch_is_refused(system, creditor, portfolio, business_date):
    results = upsert(system, creditor, [placement("DUP"), placement("OK"), placement("DUP")], all_or_nothing=False)
    assert [bool(r.errors) for r in results] == [True, False, True]
    assert "appears 2 times" in results[2].errors["placements[2].account.creditor_reference"][0]
    assert list(Account.objects.values_list("creditor_reference", flat=True)) == ["OK"]


def test_portfolio_errors_are_specific(system, creditor, portfolio, make_creditor, make_portfolio, business_date):
    other = make_creditor("beta-bank")
    make_portfolio(other, code="beta-book")
    make_portfolio(creditor, code="old-book", recalled_on=dt.date(2026, 6, 1))
    rows = [placement(portfolio="nope"), placement("B", portfolio="beta-book"), placement("C", portfolio="old-book"),
            placement("D", currency="USD")]
    results = upsert(system, creditor, rows)
    messages = [r.errors for r in results]
    assert messages[0] == {"placements[0].portfolio_code": ["alpha-bank has no portfolio nope."]}
    assert messages[1] == {"placements[1].portfolio_code": ["Portfolio beta-book belongs to another creditor."]}
    assert "recalled" in messages[2]["placements[2].portfolio_code"][0]
    assert messages[3] == {"placements[3].balances[0].currency": ["Portfolio npl-2026 is kept in EUR, not USD."]}


def test_batches_are_limited_and_placing_needs_the_right(system, creditor, portfolio, make_user, business_date):
    with pytest.raises(ValidationError, match="at most 1000"):
        upsert(system, creditor, [placement(f"A-{i}") for i in range(MAX_BATCH + 1)])
    agent = make_user("agent", Role.AGENT, [creditor])
    with pytest.raises(PermissionDenied):
        upsert(agent, creditor, [placement()])
