"""Placing accounts: validated whole before anything is written, each error naming its field and value."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from arrears.conftest import greek_debtor
from arrears.core.crypto import decrypt
from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.core.references import validate_rf
from arrears.core.roles import Role
from arrears.ledger.models import DueItem, LedgerEntry, Payment
from arrears.ledger.services import ChargeIn, PaymentIn, post_charges, post_payment
from arrears.portfolio import services
from arrears.portfolio.models import (
    Account,
    AccountDebtor,
    ContactPoint,
    Creditor,
    Debtor,
    DebtorIdentifier,
    Portfolio,
)
from arrears.portfolio.services import AccountIn, ContactPointIn, DebtorIn, IdentifierIn, balance_charges

pytestmark = pytest.mark.django_db

WRITTEN = [Creditor, Portfolio, Account, AccountDebtor, Debtor, DebtorIdentifier, ContactPoint, LedgerEntry, DueItem,
           Payment, AuditEvent]


def counts():
    return {model.__name__: model.objects.count() for model in WRITTEN}


def polish_debtor(**extra) -> DebtorIn:
    values = {"country": "PL", "given_name": "Małgorzata", "family_name": "Wiśniewska-Żółć",
              "date_of_birth": dt.date(1944, 5, 14), "identifiers": [IdentifierIn("PL-PESEL", "44051401359")],
              "contact_points": [ContactPointIn(ContactPoint.Kind.PHONE, "+48 601 234 567")]}
    return DebtorIn(**{**values, **extra})


def russian_debtor(**extra) -> DebtorIn:
    values = {"country": "RU", "given_name": "Ольга", "family_name": "Кузнецова", "preferred_language": "ru",
              "identifiers": [IdentifierIn("RU-INN", "123456789047")],
              "contact_points": [ContactPointIn(ContactPoint.Kind.PHONE, "8 (912) 345-67-89"),
                                 ContactPointIn(ContactPoint.Kind.ADDRESS, address_line1="ул. Ленина, д. 5, кв. 12",
                                                postal_code="620014", city="Екатеринбург")]}
    return DebtorIn(**{**values, **extra})


def account_in(reference="ACC-1", debtors=None, **extra) -> AccountIn:
    return AccountIn(creditor_reference=reference, product="personal_loan", contract_date=dt.date(2022, 5, 2),
                     debtors=debtors if debtors is not None else [(greek_debtor(), "primary")], **extra)


@pytest.fixture
def portfolio(make_creditor, make_portfolio):
    return make_portfolio(make_creditor())


def test_a_placement_writes_the_account_its_debtor_contact_points_and_balances(system, portfolio, business_date):
    account = services.place_account(
        actor=system, portfolio=portfolio, account=account_in(),
        balances=balance_charges("EUR", dt.date(2026, 8, 1), principal="950.00", interest="42.50", fees="7.50"))
    assert (account.creditor_id, account.currency, account.status) == (portfolio.creditor_id, "EUR", "placed")
    assert validate_rf(account.rf_reference) == account.rf_reference
    assert Account.objects.get(pk=account.pk).rf_reference == account.rf_reference
    assert (account.principal_minor, account.interest_minor, account.fees_minor) == (95000, 4250, 750)
    assert account.balance_minor == 100000
    assert (account.oldest_unpaid_due_date, account.dpd, account.bucket) == (dt.date(2026, 8, 1), 114, "91-180")

    [link] = AccountDebtor.objects.filter(account=account)
    debtor = link.debtor
    assert (link.role, debtor.display_name, debtor.preferred_language) == ("primary", "Γιώργος Παπαδόπουλος", "el")
    points = {p.kind: p for p in debtor.contact_points.all()}
    assert (points["phone"].phone_e164, points["phone"].line_type) == ("+306912345678", "mobile")
    assert points["phone"].is_primary
    assert points["email"].email == "g.papadopoulos@example.gr"
    identifier = DebtorIdentifier.objects.get(debtor=debtor)
    assert decrypt(identifier.value_encrypted, "GR-AFM") == "094259216"
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "account.placed", "debtor.created", "contact_point.added", "ledger.charge"}


def test_greek_and_cyrillic_names_and_addresses_are_kept_as_written(system, portfolio, make_portfolio,
                                                                    make_creditor):
    services.place_account(actor=system, portfolio=portfolio, account=account_in("GR-1"))
    rub = make_portfolio(make_creditor("sber-npl", country="RU"), currency="RUB", jurisdiction="RU")
    services.place_account(actor=system, portfolio=rub,
                           account=account_in("RU-1", debtors=[(russian_debtor(), "primary")]),
                           balances=balance_charges("RUB", dt.date(2026, 6, 1), principal="125000.00"))
    pln = make_portfolio(make_creditor("pko-npl", country="PL"), currency="PLN", jurisdiction="PL")
    services.place_account(actor=system, portfolio=pln,
                           account=account_in("PL-1", debtors=[(polish_debtor(), "primary")]))

    names = set(Debtor.objects.values_list("given_name", "family_name"))
    assert names == {("Γιώργος", "Παπαδόπουλος"), ("Ольга", "Кузнецова"), ("Małgorzata", "Wiśniewska-Żółć")}
    olga = Debtor.objects.get(family_name="Кузнецова")
    assert olga.preferred_language == "ru"
    address = olga.contact_points.get(kind="address")
    assert (address.address_line1, address.city) == ("ул. Ленина, д. 5, кв. 12", "Екатеринбург")
    assert olga.contact_points.get(kind="phone").phone_e164 == "+79123456789"
    assert Debtor.objects.get(family_name="Wiśniewska-Żółć").contact_points.get().phone_e164 == "+48601234567"


def test_the_same_person_placed_twice_is_one_debtor(system, portfolio):
    first = services.place_account(actor=system, portfolio=portfolio, account=account_in("ACC-1"))
    second = services.place_account(actor=system, portfolio=portfolio, account=account_in(
        "ACC-2", debtors=[(greek_debtor(identifiers=[IdentifierIn("GR-AFM", "EL 094 259 216")]), "primary")]))
    assert Debtor.objects.count() == 1
    assert set(Debtor.objects.get().accounts.all()) == {first, second}
    assert ContactPoint.objects.count() == 2  # the same phone and e-mail are not added twice


def test_co_borrowers_and_guarantors(system, portfolio):
    account = services.place_account(actor=system, portfolio=portfolio, account=account_in(debtors=[
        (greek_debtor(), "primary"),
        (greek_debtor(given_name="Μαρία", identifiers=[IdentifierIn("GR-AFM", "123456783")], contact_points=[]),
         "guarantor"),
    ]))
    assert sorted(AccountDebtor.objects.filter(account=account).values_list("role", flat=True)) == [
        "guarantor", "primary"]


def test_a_company_debtor(system, portfolio):
    company = DebtorIn(country="ES", kind="company", company_name="Construcciones Íñiguez S.L.",
                       responsible_person="José Íñiguez", identifiers=[IdentifierIn("ES-CIF", "A13585625")],
                       contact_points=[ContactPointIn("phone", "912 345 678", is_workplace=True)])
    services.place_account(actor=system, portfolio=portfolio, account=account_in(debtors=[(company, "primary")]))
    debtor = Debtor.objects.get()
    assert debtor.display_name == "Construcciones Íñiguez S.L."
    assert debtor.contact_points.get().line_type == "fixed"


def bad_placement(**debtor_changes):
    return account_in(debtors=[(greek_debtor(**debtor_changes), "primary")])


@pytest.mark.parametrize(
    ("placement", "field", "value"),
    [
        (bad_placement(identifiers=[IdentifierIn("GR-AFM", "094259217")]),
         "debtors[0].identifiers[0].value", "094259217"),
        (account_in(debtors=[(polish_debtor(identifiers=[IdentifierIn("PL-PESEL", "44051401358")]), "primary")]),
         "debtors[0].identifiers[0].value", "44051401358"),
        (account_in(debtors=[(DebtorIn(country="ES", family_name="García", identifiers=[
            IdentifierIn("ES-DNI", "54362315Z")]), "primary")]), "debtors[0].identifiers[0].value", "54362315Z"),
        (bad_placement(identifiers=[IdentifierIn("GR-AFM", "094259216"), IdentifierIn("GR-AFM", "123456783")]),
         "debtors[0].identifiers", ""),
        (bad_placement(identifiers=[IdentifierIn("FR-INSEE", "1840575123456")]),
         "debtors[0].identifiers[0].scheme", "FR-INSEE"),
        (bad_placement(contact_points=[ContactPointIn("phone", "12345")]), "debtors[0].contact_points[0].value",
         "12345"),
        (bad_placement(contact_points=[ContactPointIn("phone", "+30 210 000")]), "debtors[0].contact_points[0].value",
         "+30 210 000"),
        (bad_placement(contact_points=[ContactPointIn("email", "not-an-address")]),
         "debtors[0].contact_points[0].value", "not-an-address"),
        (bad_placement(contact_points=[ContactPointIn("address", city="Αθήνα")]),
         "debtors[0].contact_points[0].address_line1", ""),
        (bad_placement(contact_points=[ContactPointIn("pigeon", "loft 3")]), "debtors[0].contact_points[0].kind",
         "pigeon"),
        (bad_placement(contact_points=[ContactPointIn("phone", "6912345678", confidence=150)]),
         "debtors[0].contact_points[0].confidence", "150"),
        (bad_placement(country="FR"), "debtors[0].country", "FR"),
        (bad_placement(family_name="  "), "debtors[0].family_name", ""),
        (bad_placement(date_of_birth=dt.date(1850, 1, 1)), "debtors[0].date_of_birth", "1850-01-01"),
        (bad_placement(date_of_birth=dt.date(2030, 1, 1)), "debtors[0].date_of_birth", "2030-01-01"),
        (account_in(debtors=[]), "debtors", ""),
        (account_in(debtors=[(greek_debtor(), "guarantor")]), "debtors", ""),
        (account_in(debtors=[(greek_debtor(), "uncle")]), "debtors[0].role", "uncle"),
        (account_in(reference=""), "creditor_reference", ""),
        (account_in(reference="X" * 65), "creditor_reference", ""),
        (AccountIn(creditor_reference="ACC-1", product="yacht", contract_date=dt.date(2022, 5, 2),
                   debtors=[(greek_debtor(), "primary")]), "product", "yacht"),
        (AccountIn(creditor_reference="ACC-1", product="mortgage", contract_date=dt.date(2027, 1, 1),
                   debtors=[(greek_debtor(), "primary")]), "contract_date", "2027-01-01"),
    ],
)
def test_bad_placements_are_refused_naming_field_and_value_and_nothing_is_written(system, portfolio, business_date,
                                                                                placement, field, value):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.place_account(actor=system, portfolio=portfolio, account=placement,
                               balances=balance_charges("EUR", dt.date(2026, 8, 1), principal="100.00"))
    assert field in error.value.message_dict, error.value.message_dict
    assert value in " ".join(error.value.message_dict[field])
    assert counts() == before


def test_every_error_of_a_placement_is_reported_at_once(system, portfolio, business_date):
    placement = account_in(reference="", debtors=[(greek_debtor(
        identifiers=[IdentifierIn("GR-AFM", "111111111")],
        contact_points=[ContactPointIn("phone", "000"), ContactPointIn("email", "nobody@")]), "primary")])
    with pytest.raises(ValidationError) as error:
        services.place_account(actor=system, portfolio=portfolio, account=placement)
    assert set(error.value.message_dict) == {"creditor_reference", "debtors[0].identifiers[0].value",
                                             "debtors[0].contact_points[0].value", "debtors[0].contact_points[1].value"}


@pytest.mark.parametrize(
    ("balances", "field", "value"),
    [
        (lambda: balance_charges("PLN", dt.date(2026, 8, 1), principal="100.00"), "balances[0].currency", "PLN"),
        (lambda: [ChargeIn("principal", Money.of("-100.00", "EUR"), dt.date(2026, 8, 1))], "balances[0].amount",
         "-100.00"),
        (lambda: [ChargeIn("credit", Money.of("100.00", "EUR"), dt.date(2026, 8, 1))], "balances[0].component",
         "credit"),
    ],
)
def test_bad_opening_balances_are_refused_and_nothing_is_written(system, portfolio, business_date, balances, field,
                                                                 value):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.place_account(actor=system, portfolio=portfolio, account=account_in(), balances=balances())
    assert value in " ".join(error.value.message_dict[field]), error.value.message_dict
    assert counts() == before


@pytest.mark.parametrize(("amount", "field"), [("1e13", "balances.principal"), ("12,50", "balances.principal"),
                                               ("lots", "balances.principal")])
def test_absurd_or_unreadable_balances_are_refused_by_name(amount, field):
    with pytest.raises(ValidationError) as error:
        balance_charges("EUR", dt.date(2026, 8, 1), principal=amount)
    assert amount in error.value.message_dict[field][0]


def test_the_same_person_twice_on_one_account_is_refused_not_crashed(system, portfolio, business_date):
    before = counts()
    placement = account_in(debtors=[(greek_debtor(), "primary"), (greek_debtor(contact_points=[]), "co_borrower")])
    with pytest.raises(ValidationError) as error:
        services.place_account(actor=system, portfolio=portfolio, account=placement)
    assert "debtors[1].identifiers" in error.value.message_dict
    assert counts() == before


def test_an_account_reference_is_placed_once_per_creditor(system, portfolio, make_creditor, make_portfolio):
    services.place_account(actor=system, portfolio=portfolio, account=account_in("ACC-7"))
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.place_account(actor=system, portfolio=portfolio, account=account_in("ACC-7"))
    assert "ACC-7" in error.value.message_dict["creditor_reference"][0]
    assert counts() == before
    # Another creditor may use the same reference.
    other = make_portfolio(make_creditor("beta-fund"))
    services.place_account(actor=system, portfolio=other, account=account_in("ACC-7"))


def test_nothing_is_placed_into_a_recalled_portfolio(system, portfolio):
    services.update_portfolio(actor=system, portfolio=portfolio, recalled_on=dt.date(2026, 11, 1))
    with pytest.raises(ValidationError) as error:
        services.place_account(actor=system, portfolio=portfolio, account=account_in())
    assert portfolio.code in error.value.message_dict["portfolio"][0]
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "value"),
    [
        ({"currency": "EURO"}, "currency", "EURO"),
        ({"currency": "eur"}, "currency", "eur"),
        ({"jurisdiction": "FR"}, "jurisdiction", "FR"),
        ({"collection_iban": "GR16 0110 1250 0000 0001 2300 696"}, "collection_iban",
         "GR16 0110 1250 0000 0001 2300 696"),
        ({"collection_iban": "XX00 1234"}, "collection_iban", "XX00 1234"),
        ({"mandate": "contingency"}, "commission_rate", ""),
        ({"mandate": "contingency", "commission_rate": "1.5"}, "commission_rate", ""),
    ],
)
def test_bad_portfolios_are_refused_naming_field_and_value(system, make_creditor, values, field, value):
    creditor = make_creditor()
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.create_portfolio(actor=system, creditor=creditor, **{
            "code": "npl", "name": "NPL", "original_creditor": "Bank", "mandate": "servicing",
            "placed_on": dt.date(2026, 1, 15), "currency": "EUR", "jurisdiction": "GR", **values})
    assert value in " ".join(error.value.message_dict[field]), error.value.message_dict
    assert counts() == before


def test_a_valid_iban_is_stored_compact(system, make_creditor):
    portfolio = services.create_portfolio(
        actor=system, creditor=make_creditor(), code="npl", name="NPL", original_creditor="Bank",
        mandate="servicing", placed_on=dt.date(2026, 1, 15), currency="EUR", jurisdiction="GR",
        collection_iban="GR16 0110 1250 0000 0001 2300 695")
    assert portfolio.collection_iban == "GR1601101250000000012300695"


@pytest.mark.parametrize(
    ("values", "field", "value"),
    [
        ({"country": "FR"}, "country", "FR"),
        ({"allocation_order": ["principal", "interest"]}, "allocation_order", ""),
        ({"allocation_order": ["costs", "fees", "penalties", "interest", "principal", "principal"]},
         "allocation_order", ""),
        ({"allocation_mode": "whatever"}, "allocation_mode", "whatever"),
        ({"kind": "pawnshop"}, "kind", "pawnshop"),
        ({"code": "has spaces"}, "code", ""),
    ],
)
def test_bad_creditors_are_refused_naming_field_and_value(system, values, field, value):
    before = counts()
    with pytest.raises(ValidationError) as error:
        services.create_creditor(actor=system, **{"code": "alpha", "name": "Alpha", "kind": "bank", "country": "GR",
                                                  **values})
    assert value in " ".join(error.value.message_dict[field]), error.value.message_dict
    assert counts() == before


# --- bad payments and charges on a placed account ---------------------------------------------------------

@pytest.fixture
def account(portfolio, make_account):
    return make_account(portfolio)


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"amount": Money.of("50.00", "PLN")}, "currency", "PLN"),
        ({"amount": Money.of("-50.00", "EUR")}, "amount", "-50.00"),
        ({"amount": Money.of("0", "EUR")}, "amount", "0.00"),
        ({"account_id": 987654321}, "account", "987654321"),
        ({"value_date": dt.date(2027, 3, 1)}, "value_date", "2027-03-01"),
        ({"external_id": ""}, "external_id", ""),
        ({"external_id": "x" * 101}, "external_id", ""),
        ({"method": "barter"}, "method", "barter"),
    ],
)
def test_bad_payments_are_refused_naming_field_and_value_and_nothing_is_written(system, account, change, field,
                                                                                value):
    values = {"account_id": account.pk, "amount": Money.of("50.00", "EUR"), "source": "bank",
              "external_id": "b-1", "value_date": dt.date(2026, 11, 20), **change}
    before = counts()
    with pytest.raises(ValidationError) as error:
        post_payment(actor=system, payment=PaymentIn(**values))
    assert value in " ".join(error.value.message_dict[field]), error.value.message_dict
    assert counts() == before


def test_one_bad_row_rejects_a_whole_batch_naming_the_row(system, account):
    from arrears.ledger.services import post_payments

    good = PaymentIn(account_id=account.pk, amount=Money.of("5.00", "EUR"), source="bank", external_id="b-1",
                     value_date=dt.date(2026, 11, 20))
    bad = PaymentIn(account_id=account.pk, amount=Money.of("5.00", "PLN"), source="bank", external_id="b-2",
                    value_date=dt.date(2026, 11, 20))
    before = counts()
    with pytest.raises(ValidationError) as error:
        post_payments(actor=system, payments=[good, good, bad])
    assert list(error.value.message_dict) == ["payments[2].currency"]
    assert counts() == before


@pytest.mark.parametrize(
    ("charge", "field", "value"),
    [
        (ChargeIn("principal", Money.of("10.00", "PLN"), dt.date(2026, 12, 1)), "charges[0].currency", "PLN"),
        (ChargeIn("principal", Money.of("-10.00", "EUR"), dt.date(2026, 12, 1)), "charges[0].amount", "-10.00"),
        (ChargeIn("credit", Money.of("10.00", "EUR"), dt.date(2026, 12, 1)), "charges[0].component", "credit"),
        (ChargeIn("tip", Money.of("10.00", "EUR"), dt.date(2026, 12, 1)), "charges[0].component", "tip"),
    ],
)
def test_bad_charges_are_refused_naming_field_and_value(system, account, charge, field, value):
    before = counts()
    with pytest.raises(ValidationError) as error:
        post_charges(actor=system, account=account, charges=[charge])
    assert value in " ".join(error.value.message_dict[field])
    assert counts() == before


def test_only_those_who_place_accounts_may_place(system, portfolio, make_user):
    agent = make_user("agent", role=Role.AGENT, creditors=[portfolio.creditor])
    with pytest.raises(PermissionDenied):
        services.place_account(actor=agent, portfolio=portfolio, account=account_in())
    client = make_user("client", role=Role.CREDITOR, creditors=[portfolio.creditor])
    account = services.place_account(actor=client, portfolio=portfolio, account=account_in())
    event = AuditEvent.objects.get(action="account.placed")
    assert (event.actor, event.object_id) == (client, str(account.pk))


@pytest.mark.parametrize(("number", "country"), [("+1 212 555 0147", "US"), ("+52 55 1234 5678", "MX")])
def test_numbers_that_may_be_mobile_or_landline_are_not_taken_for_mobiles(number, country):
    from arrears.portfolio import validation

    assert validation.phone(number, country)[1] == "fixed_or_mobile"
