"""Writes for affordability and restructuring: financial statements, and proposals with their answers.

A proposal is answered within PROPOSAL_ANSWER_WORKING_DAYS working days of the portfolio's country (the
Greek code of conduct gives lenders 15); the staff answer accepts it, counters it or rejects it with
reasons, and the debtor accepts or rejects a counter. An accepted proposal or counter becomes an
arrangement on those terms, outside the policy's limits: a person with the authority agreed them.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.arrangements import affordability
from arrears.arrangements import policy as rules
from arrears.arrangements.models import Arrangement, Channel, FinancialStatement, Offer, RestructuringProposal
from arrears.arrangements.services import account_debtors, create_arrangement
from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import record
from arrears.core.clock import business_date as today
from arrears.core.events import emit
from arrears.core.money import Money, from_minor
from arrears.core.working_days import add_working_days
from arrears.portfolio.models import Account, Debtor

PROPOSAL_ANSWER_WORKING_DAYS = 15
MAX_PROPOSED_INSTALMENTS = 420  # 35 years of monthly payments, the longest the Greek out-of-court scheme allows
P = RestructuringProposal.Status


def record_statement(*, actor, account: Account, debtor: Debtor, lines: dict[str, Money], adults: int = 1,
                     children: int = 0, channel: str = Channel.PORTAL) -> FinancialStatement:
    """Keep a debtor's income and expenditure a month, in the account's currency, category by category."""
    authorize(actor, roles.ARRANGE, account.creditor_id)
    errors, minor = {}, {}
    for key, amount in lines.items():
        if key not in affordability.CATEGORIES:
            errors[key] = _("“%(value)s” is not a category of the statement.") % {"value": key}
        elif amount.currency != account.currency:
            errors[key] = _("Amounts are in %(currency)s.") % {"currency": account.currency}
        elif not 0 <= amount.minor <= affordability.MAX_LINE_MINOR:
            errors[key] = _("Enter an amount from 0 to %(max)s.") % {
                "max": from_minor(affordability.MAX_LINE_MINOR, account.currency)}
        elif amount.minor:
            minor[key] = amount.minor
    if not 1 <= adults <= 20:
        errors["adults"] = _("Between 1 and 20 adults.")
    if not 0 <= children <= 20:
        errors["children"] = _("Between 0 and 20 children.")
    if errors:
        raise ValidationError(errors)
    income, spent, left = affordability.totals(minor)
    with transaction.atomic():
        # Offers computed before the budget was known are withdrawn, so those that fit are ranked first next time.
        withdrawn, _by_model = Offer.objects.filter(account=account, accepted_at__isnull=True).delete()
        statement = FinancialStatement.objects.create(
            debtor=debtor, account=account, currency=account.currency, lines=minor, adults=adults, children=children,
            income_minor=income, expenditure_minor=spent, disposable_minor=left, channel=channel)
        record(actor=actor, action="financial_statement.recorded", obj=statement, creditor_id=account.creditor_id,
               after={"income_minor": income, "expenditure_minor": spent, "disposable_minor": left,
                      "lines": minor, "adults": adults, "children": children, "offers_withdrawn": withdrawn})
    return statement


def _terms(count: int, settle: Money | None, account: Account, field: str = "") -> int | None:
    errors = {}
    if not 1 <= count <= MAX_PROPOSED_INSTALMENTS:
        errors[f"{field}count"] = _("Between 1 and %(max)s monthly payments.") % {"max": MAX_PROPOSED_INSTALMENTS}
    settle_minor = None
    if settle is not None:
        if settle.currency != account.currency:
            errors[f"{field}settle"] = _("Amounts are in %(currency)s.") % {"currency": account.currency}
        elif not 0 < settle.minor < account.balance_minor:
            errors[f"{field}settle"] = _("A settlement is more than zero and less than the balance of %(amount)s "
                                         "%(currency)s.") % {"amount": from_minor(account.balance_minor,
                                                                                  account.currency),
                                                            "currency": account.currency}
        settle_minor = settle.minor
    if errors:
        raise ValidationError(errors)
    return settle_minor


def submit_proposal(*, actor, account: Account, debtor: Debtor, statement: FinancialStatement, count: int,
                    reason: str, settle: Money | None = None, channel: str = Channel.PORTAL,
                    business_date: dt.date | None = None) -> RestructuringProposal:
    """The debtor proposes `count` monthly payments of the balance (or of `settle`), with their finances."""
    authorize(actor, roles.ARRANGE, account.creditor_id)
    business_date = business_date or today()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you need the debt restructured.")})
    if statement.account_id != account.pk or statement.debtor_id != debtor.pk:
        raise ValidationError({"statement": _("The financial statement is for another account.")})
    with transaction.atomic():
        locked = Account.objects.select_for_update().select_related("portfolio").get(pk=account.pk)
        rules.check_eligible(locked, rules.policy_for(locked), account_debtors(locked))
        settle_minor = _terms(count, settle, locked)
        if RestructuringProposal.objects.filter(account=locked,
                                                status__in=RestructuringProposal.OPEN_STATUSES).exists():
            raise ValidationError(_("A proposal on this account is still open."), code="open")
        due = add_working_days(business_date, PROPOSAL_ANSWER_WORKING_DAYS, locked.portfolio.jurisdiction)
        proposal = RestructuringProposal.objects.create(
            account=locked, debtor=debtor, statement=statement, channel=channel, currency=locked.currency,
            count=count, settle_minor=settle_minor, reason=reason.strip()[:4000], submitted_on=business_date,
            answer_due=due)
        after = {"count": count, "settle_minor": settle_minor, "answer_due": due.isoformat(), "channel": channel,
                 "disposable_minor": statement.disposable_minor}
        record(actor=actor, action="proposal.submitted", obj=proposal, creditor_id=locked.creditor_id, after=after)
        emit("proposal.submitted", creditor_id=locked.creditor_id, account_id=locked.pk,
             payload={"proposal": proposal.pk, "account_reference": locked.creditor_reference, **after})
    return proposal


def _agree(actor, proposal: RestructuringProposal, count: int, settle_minor: int | None,
           business_date: dt.date) -> Arrangement:
    kind = Arrangement.Kind.SETTLEMENT if settle_minor else Arrangement.Kind.PLAN
    return create_arrangement(
        actor=actor, account=proposal.account, kind=kind, count=count, frequency="monthly",
        first_due=business_date + rules.FIRST_DUE_IN, channel=proposal.channel, debtor=proposal.debtor,
        settlement_amount=Money(settle_minor, proposal.currency) if settle_minor else None,
        statement=proposal.statement, within_policy=False, business_date=business_date)


def _locked(proposal: RestructuringProposal, expected: str) -> RestructuringProposal:
    locked = RestructuringProposal.objects.select_for_update().select_related("account", "debtor", "statement").get(
        pk=proposal.pk)
    if locked.status != expected:
        raise ValidationError(_("This proposal is %(status)s; it cannot be answered that way now.")
                              % {"status": locked.get_status_display()}, code="state")
    return locked


def answer_proposal(*, actor, proposal: RestructuringProposal, decision: str, note: str,
                    counter_count: int | None = None, counter_settle: Money | None = None,
                    business_date: dt.date | None = None) -> RestructuringProposal:
    """Staff answer: "accept" (the arrangement is made now), "counter" (with terms of their own) or "reject"."""
    authorize(actor, roles.ANSWER_PROPOSALS, proposal.account.creditor_id)
    business_date = business_date or today()
    if decision not in ("accept", "counter", "reject"):
        raise ValidationError({"decision": _("Accept, counter or reject.")})
    if decision != "accept" and not note.strip():
        raise ValidationError({"note": _("Give the debtor the reasons for this answer.")})
    with transaction.atomic():
        locked = _locked(proposal, P.SUBMITTED)
        before = {"status": locked.status}
        if decision == "accept":
            locked.arrangement = _agree(actor, locked, locked.count, locked.settle_minor, business_date)
            locked.status = P.ACCEPTED
        elif decision == "counter":
            if counter_count is None:
                raise ValidationError({"counter_count": _("Say how many monthly payments you propose.")})
            locked.counter_settle_minor = _terms(counter_count, counter_settle, locked.account, "counter_")
            locked.counter_count, locked.status = counter_count, P.COUNTERED
        else:
            locked.status = P.REJECTED
        locked.answered_on, locked.answer_note = business_date, note.strip()[:4000]
        locked.save()
        after = {"status": locked.status, "note": locked.answer_note, "on_time": business_date <= locked.answer_due,
                 "counter_count": locked.counter_count, "counter_settle_minor": locked.counter_settle_minor}
        record(actor=actor, action="proposal.answered", obj=locked, creditor_id=locked.account.creditor_id,
               before=before, after=after)
        emit("proposal.answered", creditor_id=locked.account.creditor_id, account_id=locked.account_id,
             payload={"proposal": locked.pk, **after})
    return locked


def decide_counter(*, actor, proposal: RestructuringProposal, accept: bool,
                   business_date: dt.date | None = None) -> RestructuringProposal:
    """The debtor's answer to a counter-proposal; accepting it makes the arrangement on its terms."""
    authorize(actor, roles.ARRANGE, proposal.account.creditor_id)
    business_date = business_date or today()
    with transaction.atomic():
        locked = _locked(proposal, P.COUNTERED)
        if accept:
            locked.arrangement = _agree(actor, locked, locked.counter_count, locked.counter_settle_minor,
                                        business_date)
        locked.status = P.COUNTER_ACCEPTED if accept else P.COUNTER_REJECTED
        locked.decided_on = business_date
        locked.save()
        record(actor=actor, action="proposal.decided", obj=locked, creditor_id=locked.account.creditor_id,
               before={"status": P.COUNTERED}, after={"status": locked.status})
        emit("proposal.decided", creditor_id=locked.account.creditor_id, account_id=locked.account_id,
             payload={"proposal": locked.pk, "status": locked.status})
    return locked
