"""Portal debtors for the demo: one per country, each with a login and an arrangement in a different state,
so that `arrears demo` shows the portal as a debtor sees it."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from arrears.arrangements.models import Arrangement
from arrears.arrangements.services import create_arrangement, make_promise
from arrears.arrangements.tracking import evaluate_accounts
from arrears.core.actors import SystemActor
from arrears.core.clock import business_date
from arrears.core.demo import DEMO_PASSWORD
from arrears.core.money import Money
from arrears.ledger.services import PaymentIn, post_payments
from arrears.portal.models import PortalLogin
from arrears.portal.services import create_login
from arrears.portfolio.models import Account, AccountDebtor

DEMO = SystemActor("demo")
# What each country's demo debtor has going on.
STORIES = {"GR": "plan", "PL": "promise", "ES": "settlement", "MX": "kept", "RU": "broken", "US": None, "GB": None}


def _candidate(country: str) -> AccountDebtor | None:
    return (AccountDebtor.objects.select_related("account", "debtor")
            .filter(account__portfolio__jurisdiction=country, role=AccountDebtor.Role.PRIMARY,
                    account__status__in=[Account.Status.PLACED, Account.Status.ACTIVE],
                    account__principal_minor__gte=20_000, debtor__date_of_birth__isnull=False,
                    debtor__disputed=False, debtor__bankrupt=False, debtor__deceased=False,
                    debtor__portal_login__isnull=True, debtor__kind="person")
            .order_by("account_id").first())


def _pay(account: Account, minor: int, value_date: dt.date, note: str) -> None:
    post_payments(actor=DEMO, payments=[PaymentIn(account_id=account.pk, amount=Money(minor, account.currency),
                                                  source="demo", external_id=f"{note}-{account.pk}",
                                                  value_date=value_date)])
    evaluate_accounts([account.pk])


def _story(kind: str | None, account: Account, debtor) -> str:
    today = business_date()
    if kind == "plan":
        plan = create_arrangement(actor=DEMO, account=account, kind=Arrangement.Kind.PLAN, count=6,
                                  frequency="monthly", first_due=today, debtor=debtor)
        _pay(account, plan.instalments.get(number=1).amount_minor, today, "plan-1")
        return "instalment plan, first of 6 paid"
    if kind == "settlement":
        settle = account.balance_minor * 80 // 100
        create_arrangement(actor=DEMO, account=account, kind=Arrangement.Kind.SETTLEMENT, count=2,
                           frequency="monthly", first_due=today + dt.timedelta(days=10),
                           settlement_amount=Money(settle, account.currency), debtor=debtor, within_policy=False)
        return "settlement agreed, nothing paid yet"
    if kind in ("promise", "kept"):
        amount = max(account.balance_minor // 10, 1000)
        make_promise(actor=DEMO, account=account, amount=Money(amount, account.currency),
                     due_date=today + dt.timedelta(days=5), channel="portal", debtor=debtor)
        if kind == "kept":
            _pay(account, amount, today, "promise")
            return "promise to pay, kept"
        return "promise to pay, due in 5 days"
    if kind == "broken":
        made_on = today - dt.timedelta(days=20)
        amount = Money(max(account.balance_minor // 10, 1000), account.currency)
        make_promise(actor=DEMO, account=account, amount=amount, due_date=made_on + dt.timedelta(days=7),
                     channel="agent", debtor=debtor, business_date=made_on)
        evaluate_accounts([account.pk])
        return "promise to pay, broken"
    return "nothing arranged yet"


def ensure_demo_debtors() -> list[tuple[str, str, str, str, str, str]]:
    """Create the missing demo debtors' logins and stories; return (username, password, country, account
    reference, date of birth, story) for each: a first visit needs the reference and the date of birth."""
    logins = []
    for country, kind in STORIES.items():
        username = f"debtor-{country.lower()}"
        existing = PortalLogin.objects.filter(username=username).select_related("debtor").first()
        if existing is not None:
            link = AccountDebtor.objects.select_related("account").filter(debtor=existing.debtor).first()
            story = "see the portal"
        else:
            link = _candidate(country)
            if link is None:
                continue
            try:
                with transaction.atomic():
                    create_login(debtor=link.debtor, username=username, password=DEMO_PASSWORD)
                    story = _story(kind, link.account, link.debtor)
            except ValidationError:
                continue
        debtor = existing.debtor if existing else link.debtor
        logins.append((username, DEMO_PASSWORD, country, link.account.creditor_reference,
                       debtor.date_of_birth.isoformat() if debtor.date_of_birth else "", story))
    return logins
