"""Shared fixtures: a book built through the services, as a user of arrears would build it."""

import datetime as dt

import pytest

from arrears.core.actors import SystemActor
from arrears.core.roles import Role
from arrears.core.services import create_user
from arrears.portfolio import services as portfolio_services
from arrears.portfolio.models import ContactPoint
from arrears.portfolio.services import AccountIn, ContactPointIn, DebtorIn, IdentifierIn, balance_charges

BUSINESS_DATE = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: rolled-back tests may reuse ids (SQLite), and a page kept in the
    cache by one test must not be served to another."""
    from django.core.cache import cache

    from arrears.portal.overview_views import recent_pages
    cache.clear()
    recent_pages.clear()


@pytest.fixture
def system():
    return SystemActor("test")


@pytest.fixture
def business_date(settings):
    settings.BUSINESS_DATE = BUSINESS_DATE.isoformat()
    return BUSINESS_DATE


@pytest.fixture
def make_creditor(system):
    def make(code="alpha-bank", country="GR", **extra):
        values = {"name": code.replace("-", " ").title(), "kind": "bank", "country": country, **extra}
        return portfolio_services.create_creditor(actor=system, code=code, **values)

    return make


@pytest.fixture
def make_portfolio(system):
    def make(creditor, code="npl-2026", currency="EUR", jurisdiction="GR", **extra):
        values = {"name": f"{creditor.name} {code}", "original_creditor": "Original Bank S.A.",
                  "mandate": "servicing", "placed_on": dt.date(2026, 1, 15), **extra}
        return portfolio_services.create_portfolio(actor=system, creditor=creditor, code=code, currency=currency,
                                                   jurisdiction=jurisdiction, **values)

    return make


def greek_debtor(**extra) -> DebtorIn:
    values = {
        "country": "GR", "given_name": "Γιώργος", "family_name": "Παπαδόπουλος",
        "date_of_birth": dt.date(1975, 3, 14),
        "identifiers": [IdentifierIn("GR-AFM", "094259216")],
        "contact_points": [ContactPointIn(ContactPoint.Kind.PHONE, "6912345678", is_primary=True),
                           ContactPointIn(ContactPoint.Kind.EMAIL, "g.papadopoulos@example.gr")],
    }
    values.update(extra)
    return DebtorIn(**values)


@pytest.fixture
def make_account(system, business_date):
    counter = iter(range(1, 10_000))

    def make(portfolio, *, principal="1000.00", interest="0", fees="0", costs="0",
             due=dt.date(2026, 8, 1), debtor=None, reference=None):
        account = AccountIn(
            creditor_reference=reference or f"ACC-{next(counter):05d}", product="personal_loan",
            contract_date=dt.date(2022, 5, 2), debtors=[(debtor or greek_debtor(), "primary")],
        )
        charges = balance_charges(portfolio.currency, due, principal=principal, interest=interest, fees=fees,
                                  costs=costs)
        return portfolio_services.place_account(actor=system, portfolio=portfolio, account=account,
                                                balances=charges)

    return make


@pytest.fixture
def make_user(system):
    def make(username, role=Role.AGENT, creditors=()):
        return create_user(actor=system, username=username, password="x", role=role,
                           creditor_ids=[c.pk for c in creditors], check_password=False)

    return make
