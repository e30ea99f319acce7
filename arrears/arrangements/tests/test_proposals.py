"""Affordability and restructuring: statements summed by category; proposals answered within 15 Greek
working days; accept, counter and the debtor's decision each dated, audited and, when agreed, an arrangement."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from arrears.arrangements.models import Arrangement, RestructuringProposal
from arrears.arrangements.offers import compute_offers
from arrears.arrangements.proposals import answer_proposal, decide_counter, record_statement, submit_proposal
from arrears.core.models import AuditEvent, DomainEvent
from arrears.core.money import Money
from arrears.core.roles import Role
from arrears.portfolio.models import Account

pytestmark = pytest.mark.django_db


def eur(amount):
    return Money.of(amount, "EUR")


@pytest.fixture
def statement(system, account):
    return record_statement(actor=system, account=account, debtor=account.debtors.first(), adults=2, children=1,
                            lines={"earnings": eur("1450.00"), "benefits": eur("120.00"), "housing": eur("520.00"),
                                   "utilities": eur("140.00"), "food": eur("480.00"), "transport": eur("90.00"),
                                   "savings": eur("0")})


def test_a_statement_sums_income_and_expenditure_and_ranks_offers_that_fit(system, account, statement):
    assert (statement.income_minor, statement.expenditure_minor, statement.disposable_minor) == (
        157000, 123000, 34000)
    assert "savings" not in statement.lines  # zero lines are not kept
    offers = compute_offers(actor=system, account=account, disposable_monthly_minor=statement.disposable_minor)
    assert offers[0].fits_budget and offers[0].monthly_minor <= 34000
    assert AuditEvent.objects.filter(action="financial_statement.recorded", object_id=str(statement.pk)).exists()


@pytest.mark.parametrize(("lines", "field"), [
    ({"yacht": Money.of("10.00", "EUR")}, "yacht"),
    ({"food": Money.of("10.00", "PLN")}, "food"),
    ({"food": Money.of("-10.00", "EUR")}, "food"),
    ({"housing": Money.of("99999999999.00", "EUR")}, "housing"),
])
def test_a_statement_with_an_unknown_category_a_wrong_currency_or_an_absurd_amount_is_refused(
        system, account, lines, field):
    with pytest.raises(ValidationError) as refused:
        record_statement(actor=system, account=account, debtor=account.debtors.first(), lines=lines)
    assert field in refused.value.message_dict


def submit(system, account, statement, count=60, settle=None):
    return submit_proposal(actor=system, account=account, debtor=account.debtors.first(), statement=statement,
                           count=count, settle=settle, reason="Lost my job in the spring; new job since October.")


def test_a_proposal_is_due_an_answer_in_fifteen_greek_working_days(system, account, statement):
    proposal = submit(system, account, statement)
    # 2026-11-23 (Monday) + 15 working days: no Greek holiday before Christmas, so three weeks on.
    assert (proposal.status, proposal.submitted_on, proposal.answer_due) == (
        "submitted", dt.date(2026, 11, 23), dt.date(2026, 12, 14))
    assert DomainEvent.objects.filter(type="proposal.submitted", account_id=account.pk).exists()
    with pytest.raises(ValidationError, match="still open"):
        submit(system, account, statement)


def test_accepting_a_proposal_makes_an_arrangement_on_its_terms_beyond_the_policy(
        system, account, statement, make_user):
    proposal = submit(system, account, statement, count=60)  # the default policy stops at 24
    lead = make_user("eleni", Role.TEAM_LEAD, creditors=[account.creditor])
    answered = answer_proposal(actor=lead, proposal=proposal, decision="accept", note="")
    plan = answered.arrangement
    assert (answered.status, answered.answered_on) == ("accepted", dt.date(2026, 11, 23))
    assert (plan.kind, plan.instalments.count(), plan.total_minor, plan.statement) == ("plan", 60, 100000, statement)
    assert Account.objects.get(pk=account.pk).status == "arrangement"
    event = AuditEvent.objects.get(action="proposal.answered", object_id=str(proposal.pk))
    assert event.actor == lead and event.after["on_time"] is True


def test_a_counter_proposal_is_accepted_or_rejected_by_the_debtor(system, account, statement, make_user):
    lead = make_user("eleni", Role.TEAM_LEAD, creditors=[account.creditor])
    proposal = submit(system, account, statement, count=12, settle=eur("500.00"))
    with pytest.raises(ValidationError) as refused:
        answer_proposal(actor=lead, proposal=proposal, decision="counter", note="Too low.")
    assert "counter_count" in refused.value.message_dict
    countered = answer_proposal(actor=lead, proposal=proposal, decision="counter", counter_count=6,
                                counter_settle=eur("700.00"), note="We can settle at 700.00 over six months.")
    assert (countered.status, countered.counter_count, countered.counter_settle_minor) == ("countered", 6, 70000)
    decided = decide_counter(actor=system, proposal=countered, accept=True)
    assert decided.status == "counter_accepted" and decided.decided_on == dt.date(2026, 11, 23)
    settlement = decided.arrangement
    assert (settlement.kind, settlement.total_minor, settlement.discount_minor) == ("settlement", 70000, 30000)
    with pytest.raises(ValidationError, match="cannot be answered"):
        decide_counter(actor=system, proposal=decided, accept=False)


def test_a_rejection_needs_reasons_and_only_team_leads_answer(system, account, statement, make_user):
    proposal = submit(system, account, statement)
    agent = make_user("nikos", Role.AGENT, creditors=[account.creditor])
    with pytest.raises(PermissionDenied):
        answer_proposal(actor=agent, proposal=proposal, decision="accept", note="")
    lead = make_user("eleni", Role.TEAM_LEAD, creditors=[account.creditor])
    with pytest.raises(ValidationError) as refused:
        answer_proposal(actor=lead, proposal=proposal, decision="reject", note=" ")
    assert "note" in refused.value.message_dict
    rejected = answer_proposal(actor=lead, proposal=proposal, decision="reject",
                               note="Your statement leaves 340.00 a month; 60 months is not needed.")
    assert rejected.status == "rejected" and not Arrangement.objects.exists()
    assert RestructuringProposal.objects.get().answer_note.startswith("Your statement")
