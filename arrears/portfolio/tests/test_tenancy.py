"""One creditor's people never read or write another creditor's book; no creditors means nothing at all."""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from arrears.conftest import greek_debtor
from arrears.core import roles
from arrears.core.actors import SystemActor, authorize
from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.core.roles import Role
from arrears.ledger import corrections as ledger_corrections
from arrears.ledger import services as ledger_services
from arrears.ledger.aging import age_book
from arrears.ledger.models import Allocation, BucketSpell, DueItem, LedgerEntry, Payment
from arrears.ledger.services import ChargeIn, PaymentIn
from arrears.portfolio import circumstances
from arrears.portfolio import services as portfolio_services
from arrears.portfolio.contact import set_contact_preferences
from arrears.portfolio.models import Account, AccountDebtor, ContactPoint, Creditor, Debtor, DebtorIdentifier, Portfolio
from arrears.portfolio.services import AccountIn, IdentifierIn

pytestmark = pytest.mark.django_db

SCOPED_APPS = ["portfolio", "ledger"]
SCOPED_MODELS = [model for app in SCOPED_APPS for model in apps.get_app_config(app).get_models()]
ALPHA_AFM, BETA_AFM = "094259216", "123456783"


def creditor_ids_of(model, rows) -> set:
    path = model.creditor_scope
    return set(model._default_manager.filter(pk__in=rows.values("pk")).values_list(path, flat=True))


@pytest.fixture
def books(system, make_creditor, make_portfolio, make_account, business_date):
    """Two creditors, each with an account, a debtor with an identifier, contact points, contact preferences and
    a declared hardship, a payment that was reversed and one that stands, due items, allocations, bucket spells
    and audit events."""
    alpha, beta = make_creditor("alpha-bank"), make_creditor("beta-fund", kind="fund")
    accounts = {}
    for creditor, afm in ((alpha, ALPHA_AFM), (beta, BETA_AFM)):
        account = make_account(make_portfolio(creditor), principal="500.00", interest="20.00",
                               debtor=greek_debtor(identifiers=[IdentifierIn("GR-AFM", afm)]))
        bounced = ledger_services.post_payment(actor=system, payment=PaymentIn(
            account_id=account.pk, amount=Money.of("50.00", "EUR"), source="bank", external_id="p-1",
            value_date=business_date))
        ledger_corrections.reverse_payment(actor=system, payment=bounced.payment, reason="bounced")
        ledger_services.post_payment(actor=system, payment=PaymentIn(
            account_id=account.pk, amount=Money.of("30.00", "EUR"), source="bank", external_id="p-2",
            value_date=business_date))
        debtor = account.debtors.get()
        set_contact_preferences(actor=system, debtor=debtor, preferred_channel="email", opted_out=["call"])
        circumstances.declare(actor=system, debtor=debtor, kind="hardship", reasons=["job_loss"])
        accounts[creditor.code] = account
    return alpha, beta, accounts["alpha-bank"], accounts["beta-fund"]


def test_every_model_of_the_book_is_scoped_to_a_creditor():
    assert SCOPED_MODELS
    for model in SCOPED_MODELS:
        assert hasattr(model._default_manager, "visible_to"), f"{model.__name__} has no visible_to"
        assert hasattr(model, "creditor_scope"), f"{model.__name__} does not say where its creditor is"


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_a_user_of_one_creditor_reads_nothing_of_another(books, make_user, model):
    alpha, beta, *_ = books
    assert model._default_manager.exists(), f"the fixture should hold {model.__name__} rows"
    for role in (Role.AGENT, Role.TEAM_LEAD, Role.CREDITOR, Role.STRATEGY):
        for own, other in ((alpha, beta), (beta, alpha)):
            user = make_user(f"{role}-{own.code}", role=role, creditors=[own])
            visible = model._default_manager.visible_to(user)
            assert visible.exists()
            assert creditor_ids_of(model, visible) == {own.pk}
            hidden = model._default_manager.exclude(pk__in=visible.values("pk"))
            assert hidden.exists() and own.pk not in creditor_ids_of(model, hidden)
            assert other.pk in creditor_ids_of(model, hidden)


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_a_user_with_two_creditors_sees_both_without_duplicates(books, make_user, model):
    alpha, beta, *_ = books
    user = make_user("both", creditors=[alpha, beta])
    visible = model._default_manager.visible_to(user)
    assert visible.count() == model._default_manager.count()
    assert len(list(visible.values_list("pk", flat=True))) == len(set(visible.values_list("pk", flat=True)))


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_administrators_and_compliance_see_every_creditor(books, make_user, model):
    everything = set(model._default_manager.values_list("pk", flat=True))
    for role in (Role.ADMIN, Role.COMPLIANCE):
        user = make_user(f"all-{role}", role=role)
        assert set(model._default_manager.visible_to(user).values_list("pk", flat=True)) == everything
        assert set(model._default_manager.visible_to(user, roles.VIEW_PERSONAL_DATA)
                   .values_list("pk", flat=True)) == everything


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m.__name__)
def test_no_creditors_no_role_no_login_means_nothing(books, make_user, model):
    """Fail closed: whoever is not tied to a creditor or lacks the action sees no row at all."""
    alpha, *_ = books
    nobody = make_user("unassigned", role=Role.AGENT)
    strategist = make_user("strategist", role=Role.STRATEGY, creditors=[alpha])
    left = make_user("left", role=Role.AGENT, creditors=[alpha])
    left.is_active = False
    manager = model._default_manager
    assert not manager.visible_to(nobody).exists()
    assert not manager.visible_to(None).exists()
    assert not manager.visible_to(AnonymousUser()).exists()
    assert not manager.visible_to(left).exists()
    # A strategy manager sees the book but no personal data.
    assert not manager.visible_to(strategist, roles.VIEW_PERSONAL_DATA).exists()
    assert manager.visible_to(strategist, roles.VIEW).exists()


def test_a_system_actor_for_one_creditor_sees_only_that_creditor(books):
    alpha, beta, alpha_account, beta_account = books
    api = SystemActor("api:alpha", creditors=frozenset({alpha.pk}))
    assert list(Account.objects.visible_to(api)) == [alpha_account]
    assert set(Payment.objects.visible_to(api).values_list("creditor_id", flat=True)) == {alpha.pk}


def test_a_system_actor_with_an_empty_creditor_set_sees_nothing(books):
    """An explicit empty set is "no creditors", not "every creditor"."""
    api = SystemActor("api:nobody", creditors=frozenset())
    assert not Account.objects.visible_to(api).exists()
    with pytest.raises(PermissionDenied):
        authorize(api, roles.POST_PAYMENTS, books[0].pk)


def test_a_debtor_of_both_creditors_is_seen_by_each_with_only_that_creditors_accounts(
        books, system, make_user):
    alpha, beta, alpha_account, beta_account = books
    shared = portfolio_services.place_account(
        actor=system, portfolio=beta_account.portfolio,
        account=AccountIn(creditor_reference="B-SHARED", product="credit_card", contract_date=dt.date(2020, 1, 1),
                          debtors=[(greek_debtor(identifiers=[IdentifierIn("GR-AFM", ALPHA_AFM)]), "primary")]))
    debtor = alpha_account.debtors.get()
    assert set(debtor.accounts.all()) == {alpha_account, shared}
    alpha_agent = make_user("alpha-agent", creditors=[alpha])
    beta_agent = make_user("beta-agent", creditors=[beta])
    assert debtor in Debtor.objects.visible_to(alpha_agent)
    assert debtor in Debtor.objects.visible_to(beta_agent)
    assert Debtor.objects.visible_to(alpha_agent).filter(pk=debtor.pk).count() == 1
    assert list(Account.objects.visible_to(alpha_agent).filter(debtors=debtor)) == [alpha_account]
    assert set(Account.objects.visible_to(beta_agent).filter(debtors=debtor)) == {shared}


# --- writes -------------------------------------------------------------------------------------------

def counts():
    models = [Creditor, Portfolio, Account, AccountDebtor, Debtor, DebtorIdentifier, ContactPoint, LedgerEntry,
              DueItem, Allocation, Payment, BucketSpell, AuditEvent]
    return {m.__name__: m.objects.count() for m in models}


def state_of(account):
    account.refresh_from_db()
    debtor = account.debtors.get()
    return (account.balance_minor, account.status, account.dpd, account.bucket, debtor.vulnerable,
            debtor.given_name, [cp.sms_opt_out_at for cp in debtor.contact_points.order_by("pk")])


WRITES_TO_BETA = {
    "post_payment": (Role.TEAM_LEAD, lambda actor, beta, account: ledger_services.post_payment(
        actor=actor, payment=PaymentIn(account_id=account.pk, amount=Money.of("10.00", "EUR"), source="agent",
                                       external_id="sneaky", value_date=dt.date(2026, 11, 20)))),
    "post_charges": (Role.TEAM_LEAD, lambda actor, beta, account: ledger_services.post_charges(
        actor=actor, account=account, kind="adjustment",
        charges=[ChargeIn("fees", Money.of("10.00", "EUR"), dt.date(2026, 11, 20))])),
    "reverse_payment": (Role.TEAM_LEAD, lambda actor, beta, account: ledger_corrections.reverse_payment(
        actor=actor, payment=Payment.objects.get(account=account, status="posted"), reason="x")),
    "write_off": (Role.TEAM_LEAD, lambda actor, beta, account: ledger_corrections.write_off(
        actor=actor, account=account, reason="x")),
    "place_account": (Role.CREDITOR, lambda actor, beta, account: portfolio_services.place_account(
        actor=actor, portfolio=account.portfolio,
        account=AccountIn(creditor_reference="SNEAKY", product="telco", contract_date=dt.date(2020, 1, 1),
                          debtors=[(greek_debtor(), "primary")]))),
    "change_account_status": (Role.TEAM_LEAD, lambda actor, beta, account: portfolio_services.change_account_status(
        actor=actor, account=account, status="hold", reason="x")),
    "set_debtor_flags": (Role.TEAM_LEAD, lambda actor, beta, account: portfolio_services.set_debtor_flags(
        actor=actor, debtor=account.debtors.get(), vulnerable=True)),
    "update_debtor": (Role.TEAM_LEAD, lambda actor, beta, account: portfolio_services.update_debtor(
        actor=actor, debtor=account.debtors.get(), given_name="Κλέων")),
    "opt_out": (Role.AGENT, lambda actor, beta, account: portfolio_services.opt_out(
        actor=actor, contact_point=account.debtors.get().contact_points.get(kind="phone"), channel="sms")),
    "update_portfolio": (Role.TEAM_LEAD, lambda actor, beta, account: portfolio_services.update_portfolio(
        actor=actor, portfolio=account.portfolio, name="Mine now")),
    "update_creditor": (Role.TEAM_LEAD, lambda actor, beta, account: portfolio_services.update_creditor(
        actor=actor, creditor=beta, name="Mine now")),
    "create_portfolio": (Role.CREDITOR, lambda actor, beta, account: portfolio_services.create_portfolio(
        actor=actor, creditor=beta, code="sneaky", name="Sneaky", original_creditor="x", mandate="servicing",
        placed_on=dt.date(2026, 1, 1), currency="EUR", jurisdiction="GR")),
    "age_book": (Role.CREDITOR, lambda actor, beta, account: age_book(actor=actor, business_date=dt.date(2030, 1, 1))),
}


@pytest.mark.parametrize("who", ["user", "system actor with every action"])
@pytest.mark.parametrize("write", sorted(WRITES_TO_BETA))
def test_a_user_of_one_creditor_cannot_write_to_another(books, make_user, write, who):
    """Refused for the creditor, not only for the role: an actor that may do everything, but only for
    creditor A, is refused too."""
    alpha, beta, alpha_account, beta_account = books
    role, attempt = WRITES_TO_BETA[write]
    if who == "user":
        user = make_user(f"alpha-{role}", role=role, creditors=[alpha])
    else:
        user = SystemActor("api:alpha", actions=roles.ALL_ACTIONS, creditors=frozenset({alpha.pk}))
    before, beta_before = counts(), state_of(beta_account)
    with pytest.raises(PermissionDenied):
        attempt(user, beta, beta_account)
    assert counts() == before
    assert state_of(beta_account) == beta_before
    beta.refresh_from_db()
    assert beta.name == "Beta Fund"


def test_the_same_users_may_write_to_their_own_creditor(books, make_user):
    alpha, beta, alpha_account, beta_account = books
    lead = make_user("alpha-lead", role=Role.TEAM_LEAD, creditors=[alpha])
    ledger_services.post_payment(actor=lead, payment=PaymentIn(
        account_id=alpha_account.pk, amount=Money.of("10.00", "EUR"), source="agent", external_id="desk-1",
        value_date=dt.date(2026, 11, 20)))
    portfolio_services.set_debtor_flags(actor=lead, debtor=alpha_account.debtors.get(), vulnerable=True)
    agent = make_user("alpha-agent", role=Role.AGENT, creditors=[alpha])
    portfolio_services.opt_out(actor=agent, contact_point=alpha_account.debtors.get().contact_points.get(
        kind="phone"), channel="sms")
    assert AuditEvent.objects.filter(actor=lead).count() == 2
    assert AuditEvent.objects.filter(actor=agent, action="contact_point.opted_out").count() == 1


def test_authorize_checks_the_action_and_the_creditor(books, make_user):
    alpha, beta, *_ = books
    agent = make_user("agent", creditors=[alpha])
    authorize(agent, roles.POST_PAYMENTS, alpha.pk)
    for action, creditor in ((roles.POST_PAYMENTS, beta.pk), (roles.REVERSE_ENTRIES, alpha.pk),
                             (roles.MANAGE_USERS, None)):
        with pytest.raises(PermissionDenied):
            authorize(agent, action, creditor)
    for actor in (None, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            authorize(actor, roles.VIEW)
    compliance = make_user("compliance", role=Role.COMPLIANCE)
    authorize(compliance, roles.SET_DEBTOR_FLAGS, beta.pk)
    with pytest.raises(PermissionDenied):
        authorize(compliance, roles.POST_PAYMENTS, beta.pk)


def test_an_agent_of_either_creditor_records_a_stop_for_a_debtor_they_share(
        make_creditor, make_portfolio, make_account, make_user):
    alpha, beta = make_creditor("alpha-shared"), make_creditor("beta-shared")
    account = make_account(make_portfolio(alpha))
    make_account(make_portfolio(beta))  # the same person (same AFM) owes beta too
    phone = account.debtors.get().contact_points.get(kind="phone")
    portfolio_services.opt_out(actor=make_user("agent-alpha", Role.AGENT, creditors=[alpha]),
                               contact_point=phone, channel="sms")
    phone.refresh_from_db()
    assert phone.sms_opt_out_at is not None
