"""Every service writes its audit event: who, what, on which object, before and after, under which request."""

import datetime as dt
import inspect

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from arrears.arrangements import offers as arrangement_offers
from arrears.arrangements import proposals as arrangement_proposals
from arrears.arrangements import services as arrangement_services
from arrears.conftest import greek_debtor
from arrears.core import services as core_services
from arrears.core.audit import changes, snapshot
from arrears.core.context import bind_request_id, current_request_id, unbind_request_id
from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.core.roles import Role
from arrears.disputes import services as dispute_services
from arrears.ledger import aging
from arrears.ledger import corrections as ledger_corrections
from arrears.ledger import services as ledger_services
from arrears.ledger.services import ChargeIn, PaymentIn
from arrears.portfolio import services as portfolio_services
from arrears.portfolio.models import Account, ContactPoint
from arrears.portfolio.services import AccountIn, IdentifierIn

pytestmark = pytest.mark.django_db

SERVICE_MODULES = [core_services, portfolio_services, ledger_services, ledger_corrections, aging,
                   arrangement_services, arrangement_offers, arrangement_proposals, dispute_services]
REQUEST_ID = "req-7f3a9c2e41b8"


class Book:
    """What the cases act on: one creditor's portfolio and account, placed by the system."""

    def __init__(self, system, make_creditor, make_portfolio, make_account, make_user):
        self.system = system
        self.creditor = make_creditor()
        self.portfolio = make_portfolio(self.creditor)
        self.account = make_account(self.portfolio, principal="500.00", interest="25.00")
        self.debtor = self.account.debtors.get()
        self.phone = self.debtor.contact_points.get(kind=ContactPoint.Kind.PHONE)
        self.agent = make_user("nikos", role=Role.AGENT, creditors=[self.creditor])

    def paid(self, amount="100.00", external_id="bank-1", actor=None):
        return ledger_services.post_payment(actor=actor or self.system,
                                            payment=self.payment_in(amount, external_id)).payment

    def payment_in(self, amount="100.00", external_id="bank-1"):
        return PaymentIn(account_id=self.account.pk, amount=Money.of(amount, "EUR"), source="bank",
                         external_id=external_id, value_date=dt.date(2026, 11, 20))


def expect(action, obj=None, *, object_type=None, object_id=None, creditor=True, before=None, after=None):
    return {"action": action, "object_type": object_type or obj._meta.label_lower,
            "object_id": str(object_id if object_id is not None else obj.pk), "creditor": creditor,
            "before": before, "after": after}


# Each case: (service name, run(book, actor) -> the audit event expected, as `expect(...)`).
def create_user(book, actor):
    user = core_services.create_user(actor=actor, username="maria", password="a long enough passphrase",
                                     role=Role.AGENT, creditor_ids=[book.creditor.pk])
    return expect("user.created", user, creditor=False,
                  after={"username": "maria", "role": "agent", "is_staff": True, "creditors": [book.creditor.pk]})


def update_user(book, actor):
    core_services.update_user(actor=actor, user=book.agent, changes={"role": Role.TEAM_LEAD})
    return expect("user.updated", book.agent, creditor=False, before={"role": "agent"}, after={"role": "team_lead"})


def create_creditor(book, actor):
    creditor = portfolio_services.create_creditor(actor=actor, code="beta-fund", name="Beta Fund", kind="fund",
                                                  country="PL", allocation_mode="due_date_first")
    return expect("creditor.created", creditor, after={"code": "beta-fund", "country": "PL",
                                                       "allocation_mode": "due_date_first"})


def update_creditor(book, actor):
    portfolio_services.update_creditor(actor=actor, creditor=book.creditor, name="Alpha Bank S.A.")
    return expect("creditor.updated", book.creditor, before={"name": "Alpha Bank"},
                  after={"name": "Alpha Bank S.A."})


def create_portfolio(book, actor):
    portfolio = portfolio_services.create_portfolio(
        actor=actor, creditor=book.creditor, code="cards-2026", name="Cards", original_creditor="Alpha Bank",
        mandate="contingency", commission_rate="0.2500", placed_on=dt.date(2026, 3, 1), currency="EUR",
        jurisdiction="GR")
    return expect("portfolio.created", portfolio, after={"code": "cards-2026", "mandate": "contingency",
                                                         "commission_rate": "0.2500"})


def update_portfolio(book, actor):
    portfolio_services.update_portfolio(actor=actor, portfolio=book.portfolio, recalled_on=dt.date(2026, 11, 1))
    return expect("portfolio.updated", book.portfolio, before={"recalled_on": None},
                  after={"recalled_on": "2026-11-01"})


def place_account(book, actor):
    account = portfolio_services.place_account(
        actor=actor, portfolio=book.portfolio,
        account=AccountIn(creditor_reference="NEW-1", product="credit_card", contract_date=dt.date(2021, 1, 1),
                          debtors=[(greek_debtor(identifiers=[IdentifierIn("GR-AFM", "123456783")]), "primary")]))
    return expect("account.placed", account, after={"creditor_reference": "NEW-1", "product": "credit_card",
                                                    "rf_reference": account.rf_reference})


def change_account_status(book, actor):
    portfolio_services.change_account_status(actor=actor, account=book.account, status="hold",
                                             reason="Debtor in hospital")
    return expect("account.status_changed", book.account, before={"status": "placed"},
                  after={"status": "hold", "reason": "Debtor in hospital"})


def set_debtor_flags(book, actor):
    portfolio_services.set_debtor_flags(actor=actor, debtor=book.debtor, vulnerable=True, disputed=True)
    return expect("debtor.flags_changed", book.debtor, creditor=None, before={"vulnerable": False, "disputed": False},
                  after={"vulnerable": True, "disputed": True})


def update_debtor(book, actor):
    portfolio_services.update_debtor(actor=actor, debtor=book.debtor, family_name="Παπαδοπούλου",
                                     preferred_language="en")
    return expect("debtor.updated", book.debtor, creditor=None,
                  before={"family_name": "Παπαδόπουλος", "preferred_language": "el"},
                  after={"family_name": "Παπαδοπούλου", "preferred_language": "en"})


def opt_out(book, actor):
    portfolio_services.opt_out(actor=actor, contact_point=book.phone, channel="sms")
    return expect("contact_point.opted_out", book.phone, creditor=None, after={"channel": "sms"})


def record_debtor_views(book, actor):
    portfolio_services.record_debtor_views(actor=actor, debtors=[book.debtor], screen="desk", account=book.account)
    return expect("debtor.viewed", book.debtor, after={"screen": "desk", "account": book.account.pk})


def post_payment(book, actor):
    payment = ledger_services.post_payment(actor=actor, payment=book.payment_in("40.00", "bank-7")).payment
    return expect("payment.posted", payment, after={"account": book.account.pk, "amount_minor": 4000,
                                                    "currency": "EUR", "external_id": "bank-7", "source": "bank"})


def post_payments(book, actor):
    outcomes = ledger_services.post_payments(actor=actor, payments=[book.payment_in("40.00", "bank-8"),
                                                                    book.payment_in("2.00", "bank-9")])
    assert AuditEvent.objects.filter(action="payment.posted", object_id=str(outcomes[0].payment.pk)).exists()
    return expect("payment.posted", outcomes[1].payment, after={"amount_minor": 200, "external_id": "bank-9"})


def post_charges(book, actor):
    ledger_services.post_charges(actor=actor, account=book.account, kind="adjustment", memo="court fee",
                                 charges=[ChargeIn("costs", Money.of("80.00", "EUR"), dt.date(2026, 11, 20))])
    return expect("ledger.adjustment", book.account, before={"costs_minor": 0}, after={"costs_minor": 8000})


def post_charges_many(book, actor):
    ledger_services.post_charges_many(actor=actor, memo="placement balance", charges=[
        (book.account, [ChargeIn("fees", Money.of("12.00", "EUR"), dt.date(2026, 12, 1))])])
    return expect("ledger.charge", book.account, before={"fees_minor": 0}, after={"fees_minor": 1200})


def reverse_payment(book, actor):
    payment = book.paid("100.00", actor=actor)
    ledger_corrections.reverse_payment(actor=actor, payment=payment, reason="returned by the bank")
    return expect("payment.reversed", payment, before={"interest_minor": 0, "principal_minor": 42500},
                  after={"interest_minor": 2500, "principal_minor": 50000, "reason": "returned by the bank"})


def write_off(book, actor):
    ledger_corrections.write_off(actor=actor, account=book.account, reason="uneconomic to pursue")
    return expect("account.written_off", book.account, before={"principal_minor": 50000, "status": "placed"},
                  after={"principal_minor": 0, "interest_minor": 0, "status": "written_off",
                         "reason": "uneconomic to pursue"})


def age_book(book, actor):
    aging.age_book(actor=actor, business_date=dt.date(2027, 2, 1))  # 184 days past due: 181-365
    return expect("book.aged", object_type="ledger.book", object_id="2027-02-01", creditor=None,
                  after={"business_date": "2027-02-01", "accounts_aged": 1, "bucket_moves": 1})


def set_status(book, actor):
    locked = Account.objects.select_for_update().get(pk=book.account.pk)
    portfolio_services.set_status(actor=actor, locked=locked, status="hold", reason="agreed pause",
                                  business_date=dt.date(2026, 11, 23))
    return expect("account.status_changed", book.account, before={"status": "placed"},
                  after={"status": "hold", "reason": "agreed pause"})


def make_promise(book, actor):
    promise = arrangement_services.make_promise(actor=actor, account=book.account, amount=Money.of("100.00", "EUR"),
                                                due_date=dt.date(2026, 12, 1), channel="agent")
    return expect("promise.made", promise, after={"amount_minor": 10000, "currency": "EUR",
                                                  "due_date": "2026-12-01", "channel": "agent", "debtor": None})


def cancel_promise(book, actor):
    promise = arrangement_services.make_promise(actor=actor, account=book.account,
                                                amount=Money.of("100.00", "EUR"), due_date=dt.date(2026, 12, 1),
                                                channel="agent")
    arrangement_services.cancel_promise(actor=actor, promise=promise, reason="paid in full instead")
    return expect("promise.cancelled", promise, before={"status": "pending"},
                  after={"status": "cancelled", "reason": "paid in full instead"})


def _plan(book, actor):
    return arrangement_services.create_arrangement(actor=actor, account=book.account, kind="plan", count=3,
                                                   frequency="monthly", first_due=dt.date(2026, 12, 1))


def create_arrangement(book, actor):
    return expect("arrangement.created", _plan(book, actor),
                  after={"kind": "plan", "total_minor": 52500, "instalments": 3, "first_due": "2026-12-01"})


def cancel_arrangement(book, actor):
    plan = _plan(book, actor)
    arrangement_services.cancel_arrangement(actor=actor, arrangement=plan, reason="moving to a settlement")
    return expect("arrangement.cancelled", plan, before={"status": "on_track"},
                  after={"status": "cancelled", "reason": "moving to a settlement"})


def save_policy(book, actor):
    policy = arrangement_services.save_policy(actor=actor, creditor=book.creditor, plan_max_instalments=12)
    return expect("arrangement_policy.created", policy, after={"plan_max_instalments": 12})


def compute_offers(book, actor):
    arrangement_offers.compute_offers(actor=actor, account=book.account, disposable_monthly_minor=15000)
    return expect("offers.computed", book.account, after={"disposable_monthly_minor": 15000})


def accept_offer(book, actor):
    offer = arrangement_offers.compute_offers(actor=actor, account=book.account)[0]
    arrangement = arrangement_offers.accept_offer(actor=actor, offer=offer)
    return expect("offer.accepted", offer, after={"arrangement": arrangement.pk, "kind": offer.kind})


def _statement(book, actor):
    return arrangement_proposals.record_statement(actor=actor, account=book.account, debtor=book.debtor,
                                                  lines={"earnings": Money.of("900.00", "EUR"),
                                                         "housing": Money.of("400.00", "EUR")})


def record_statement(book, actor):
    return expect("financial_statement.recorded", _statement(book, actor),
                  after={"income_minor": 90000, "expenditure_minor": 40000, "disposable_minor": 50000})


def _proposal(book, actor):
    return arrangement_proposals.submit_proposal(actor=actor, account=book.account, debtor=book.debtor,
                                                 statement=_statement(book, actor), count=36, reason="income fell")


def submit_proposal(book, actor):
    return expect("proposal.submitted", _proposal(book, actor), after={"count": 36, "answer_due": "2026-12-14"})


def answer_proposal(book, actor):
    proposal = _proposal(book, actor)
    arrangement_proposals.answer_proposal(actor=actor, proposal=proposal, decision="counter", counter_count=24,
                                          note="24 months fits your statement")
    return expect("proposal.answered", proposal, before={"status": "submitted"},
                  after={"status": "countered", "counter_count": 24})


def decide_counter(book, actor):
    proposal = _proposal(book, actor)
    arrangement_proposals.answer_proposal(actor=actor, proposal=proposal, decision="counter", counter_count=24,
                                          note="24 months fits your statement")
    arrangement_proposals.decide_counter(actor=actor, proposal=proposal, accept=False)
    return expect("proposal.decided", proposal, before={"status": "countered"}, after={"status": "counter_rejected"})


def _dispute(book, actor):
    return dispute_services.open_dispute(actor=actor, account=book.account, debtor=book.debtor, reason="paid",
                                         details="paid at the branch")


def open_dispute(book, actor):
    return expect("dispute.opened", _dispute(book, actor), after={"reason": "paid", "whole": True})


def answer_dispute(book, actor):
    opened = _dispute(book, actor)
    dispute_services.answer_dispute(actor=actor, dispute=opened, upheld=False, answer="no payment found")
    return expect("dispute.answered", opened, before={"status": "open"}, after={"status": "rejected"})


CASES = [create_user, update_user, create_creditor, update_creditor, create_portfolio, update_portfolio,
         place_account, change_account_status, set_debtor_flags, update_debtor, opt_out, record_debtor_views,
         post_payment,
         post_payments, post_charges, post_charges_many, reverse_payment, write_off, age_book, set_status,
         make_promise, cancel_promise, create_arrangement, cancel_arrangement, save_policy, compute_offers,
         accept_offer, record_statement, submit_proposal, answer_proposal, decide_counter, open_dispute,
         answer_dispute]


@pytest.fixture
def book(system, make_creditor, make_portfolio, make_account, make_user, business_date):
    return Book(system, make_creditor, make_portfolio, make_account, make_user)


def assert_event(event, expected, book, actor_user, label):
    assert (event.action, event.object_type, event.object_id) == (
        expected["action"], expected["object_type"], expected["object_id"])
    assert (event.actor, event.actor_label) == (actor_user, label)
    if expected["creditor"] is True:  # the creditor whose book it is, for per-creditor audit reports
        own = int(expected["object_id"]) if expected["action"] == "creditor.created" else book.creditor.pk
        assert event.creditor_id == own
    for side in ("before", "after"):
        wanted = expected[side]
        if wanted is None:
            continue
        recorded = getattr(event, side)
        assert recorded is not None, f"{side} is missing"
        assert {k: recorded.get(k) for k in wanted} == wanted


def test_every_service_has_an_audit_case():
    """A new service must come with its case here."""
    services = {
        name for module in SERVICE_MODULES for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_")
        and "actor" in inspect.signature(fn).parameters
        and inspect.signature(fn).parameters["actor"].kind == inspect.Parameter.KEYWORD_ONLY
    }
    assert services == {case.__name__ for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_a_service_run_by_a_user_records_who_what_before_after_and_the_request(book, make_user, case):
    admin = make_user("ada", role=Role.ADMIN)
    token = bind_request_id(REQUEST_ID)
    try:
        already = set(AuditEvent.objects.values_list("pk", flat=True))
        expected = case(book, admin)
    finally:
        unbind_request_id(token)
    assert current_request_id() == ""
    new = AuditEvent.objects.exclude(pk__in=already).order_by("pk")
    matching = [e for e in new if (e.action, e.object_id) == (expected["action"], expected["object_id"])]
    assert len(matching) == 1, [(e.action, e.object_id) for e in new]
    assert_event(matching[0], expected, book, admin, "ada")
    assert {e.request_id for e in new} == {REQUEST_ID}, "every event of the request carries its id"
    assert {e.actor_id for e in new} == {admin.pk}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_a_service_run_by_the_system_records_which_part_of_it(book, case):
    already = set(AuditEvent.objects.values_list("pk", flat=True))
    expected = case(book, book.system)
    event = AuditEvent.objects.exclude(pk__in=already).get(action=expected["action"], object_id=expected["object_id"])
    assert_event(event, expected, book, None, "system:test")
    assert event.request_id == ""


def test_a_refused_write_leaves_no_audit_event(book):
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):  # an agent may not edit a debtor
        portfolio_services.update_debtor(actor=book.agent, debtor=book.debtor, family_name="X")
    with pytest.raises(ValidationError):
        ledger_services.post_payment(actor=book.system, payment=PaymentIn(
            account_id=book.account.pk, amount=Money.of("1.00", "PLN"), source="bank", external_id="x",
            value_date=dt.date(2026, 11, 20)))
    assert AuditEvent.objects.count() == events


def test_posting_the_same_payment_again_writes_no_second_event(book):
    book.paid("10.00", "bank-1")
    book.paid("10.00", "bank-1")
    assert AuditEvent.objects.filter(action="payment.posted").count() == 1


def test_an_opt_out_already_recorded_is_not_recorded_again(book):
    portfolio_services.opt_out(actor=book.agent, contact_point=book.phone, channel="call")
    first = ContactPoint.objects.get(pk=book.phone.pk).call_opt_out_at
    portfolio_services.opt_out(actor=book.agent, contact_point=book.phone, channel="call")
    assert ContactPoint.objects.get(pk=book.phone.pk).call_opt_out_at == first
    assert AuditEvent.objects.filter(action="contact_point.opted_out").count() == 1


def test_audit_events_can_be_neither_changed_nor_deleted(book):
    event = AuditEvent.objects.filter(action="account.placed").get()
    event.action = "account.forgotten"
    for attempt in (event.save, event.delete, lambda: AuditEvent.objects.filter(pk=event.pk).update(action="x"),
                    lambda: AuditEvent.objects.all().delete()):
        with pytest.raises(PermissionError):
            attempt()
    assert AuditEvent.objects.get(pk=event.pk).action == "account.placed"


def test_an_event_keeps_only_what_changed():
    before = {"name": "Alpha", "country": "GR", "is_active": True}
    after = {"name": "Alpha S.A.", "country": "GR", "is_active": True}
    assert changes(before, after) == ({"name": "Alpha"}, {"name": "Alpha S.A."})
    assert changes(None, after) == (None, after)


def test_snapshots_are_json_safe_and_keep_encrypted_values_encrypted(book):
    picture = snapshot(Account.objects.get(pk=book.account.pk))
    assert picture["contract_date"] == "2022-05-02"
    assert isinstance(picture["principal_minor"], int)
    identifier = book.debtor.identifiers.get()
    assert "094259216" not in str(snapshot(identifier))


def test_the_request_id_comes_from_the_proxy_when_well_formed(client):
    response = client.get("/admin/login/", headers={"X-Request-ID": "edge-1234abcd"})
    assert response["X-Request-ID"] == "edge-1234abcd"
    response = client.get("/admin/login/", headers={"X-Request-ID": "<script>"})
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32
