"""Every write to arrangements: promises, instalment plans and settlements made and cancelled. Each checks
the policy, audits, and announces itself; how they then stand is tracking.py's business."""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from arrears.arrangements import policy as rules
from arrears.arrangements.models import (
    Arrangement,
    ArrangementPolicy,
    ArrangementTally,
    Channel,
    FinancialStatement,
    Instalment,
    Promise,
)
from arrears.arrangements.schedule import Frequency, Method, build_schedule
from arrears.core import roles
from arrears.core.actors import SystemActor, authorize
from arrears.core.audit import record, snapshot
from arrears.core.clock import business_date as today
from arrears.core.events import emit
from arrears.core.money import Money
from arrears.ledger.models import Component
from arrears.ledger.queries import arrears_minor
from arrears.ledger.services import ChargeIn, post_charges
from arrears.portfolio.models import Account, Debtor
from arrears.portfolio.services import set_status

# Consequences the debtor or agent did not post themselves (interest of an annuity plan, the write-off that
# closes a paid settlement) are booked by arrears itself; the arrangement's own audit names who agreed it.
ARRANGEMENTS = SystemActor("arrangements")


def _lock(account: Account) -> Account:
    return Account.objects.select_for_update(of=("self",)).select_related("creditor").get(pk=account.pk)


def account_debtors(account: Account) -> list[Debtor]:
    return list(Debtor.objects.filter(account_links__account_id=account.pk))


class Tallies:
    """Changes to debtors' tallies gathered over a batch and written together: one UPDATE per (field, amount)
    and per broken-on date, not per debtor. `last_broken_on=date` is set (the latest wins), not added."""

    def __init__(self):
        self.added: dict[int, Counter] = defaultdict(Counter)
        self.broken_on: dict[int, dt.date] = {}

    def bump(self, debtor_ids, last_broken_on: dt.date | None = None, **counts) -> None:
        for debtor_id in debtor_ids:
            self.added[debtor_id].update(counts)
            if last_broken_on:
                self.broken_on[debtor_id] = max(last_broken_on, self.broken_on.get(debtor_id, last_broken_on))

    def write(self) -> None:
        debtor_ids = sorted(set(self.added) | set(self.broken_on))
        if not debtor_ids:
            return
        existing = set(ArrangementTally.objects.filter(debtor_id__in=debtor_ids).values_list("debtor_id", flat=True))
        ArrangementTally.objects.bulk_create([ArrangementTally(debtor_id=d) for d in debtor_ids if d not in existing],
                                             ignore_conflicts=True)
        groups = defaultdict(list)
        for debtor_id, counts in self.added.items():
            for name, n in counts.items():
                groups[(name, n)].append(debtor_id)
        for (name, n), ids in groups.items():
            ArrangementTally.objects.filter(debtor_id__in=ids).update(**{name: F(name) + n})
        by_date = defaultdict(list)
        for debtor_id, day in self.broken_on.items():
            by_date[day].append(debtor_id)
        for day, ids in by_date.items():
            ArrangementTally.objects.filter(debtor_id__in=ids).update(last_broken_on=day)


def bump_tally(debtor_ids, **counts) -> None:
    """Add to the debtors' tallies at once (created on first use)."""
    tallies = Tallies()
    tallies.bump(debtor_ids, **counts)
    tallies.write()


def _amount(money: Money, account: Account, field: str = "amount") -> int:
    if money.currency != account.currency:
        raise ValidationError({field: _("Account %(ref)s is kept in %(currency)s.")
                               % {"ref": account.creditor_reference, "currency": account.currency}})
    return money.minor


def make_promise(*, actor, account: Account, amount: Money, due_date: dt.date, channel: str,
                 debtor: Debtor | None = None, business_date: dt.date | None = None) -> Promise:
    """Record a promise to pay `amount` by `due_date`, within the account's policy."""
    authorize(actor, roles.ARRANGE, account.creditor_id)
    business_date = business_date or today()
    with transaction.atomic():
        locked = _lock(account)
        policy = rules.policy_for(locked)
        debtors = account_debtors(locked)
        rules.check_eligible(locked, policy, debtors)
        minor = _amount(amount, locked)
        rules.check_promise(amount_minor=minor, due_date=due_date, today=business_date, account=locked,
                            arrears_minor=arrears_minor(locked, business_date), policy=policy)
        if Promise.objects.filter(account=locked, status=Promise.Status.PENDING).exists():
            raise ValidationError(_("There is already a promise waiting on this account; cancel it first."),
                                  code="pending")
        promise = Promise.objects.create(
            account=locked, debtor=debtor, amount_minor=minor, currency=locked.currency, due_date=due_date,
            made_on=business_date, grace_days=policy.promise_grace_days,
            tolerance_percent=policy.promise_tolerance_percent, channel=channel)
        bump_tally([d.pk for d in debtors], promises_made=1)
        after = {"amount_minor": minor, "currency": locked.currency, "due_date": due_date.isoformat(),
                 "channel": channel, "debtor": debtor.pk if debtor else None}
        record(actor=actor, action="promise.made", obj=promise, creditor_id=locked.creditor_id, after=after)
        emit("promise.made", creditor_id=locked.creditor_id, account_id=locked.pk,
             payload={"promise": promise.pk, "account_reference": locked.creditor_reference, **after})
    return promise


def cancel_promise(*, actor, promise: Promise, reason: str) -> Promise:
    authorize(actor, roles.ARRANGE, promise.account.creditor_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the promise is cancelled.")})
    with transaction.atomic():
        locked = Promise.objects.select_for_update().get(pk=promise.pk)
        if locked.status != Promise.Status.PENDING:
            raise ValidationError(_("Only a pending promise can be cancelled; this one is %(status)s.")
                                  % {"status": locked.get_status_display()}, code="resolved")
        locked.status, locked.resolved_on = Promise.Status.CANCELLED, today()
        locked.save(update_fields=["status", "resolved_on"])
        record(actor=actor, action="promise.cancelled", obj=locked, creditor_id=promise.account.creditor_id,
               before={"status": Promise.Status.PENDING}, after={"status": locked.status, "reason": reason})
        emit("promise.cancelled", creditor_id=promise.account.creditor_id, account_id=locked.account_id,
             payload={"promise": locked.pk, "reason": reason})
    return locked


def _schedule(*, kind: str, locked: Account, policy, count: int, frequency: str, first_due: dt.date,
              down_payment_minor: int, settlement_minor: int | None, business_date: dt.date, within_policy: bool):
    """(method, annual rate, principal, discount, schedule) for the terms, checked against the policy."""
    if count < 1:
        raise ValidationError({"count": _("At least one payment.")})
    if kind == Arrangement.Kind.PLAN:
        rate = policy.plan_annual_rate
        method = Method.ANNUITY if rate > 0 else Method.EQUAL
        principal, discount = locked.balance_minor, 0
    else:
        rate, method = 0, Method.EQUAL
        if settlement_minor is None:
            raise ValidationError({"amount": _("Say how much settles the account.")})
        principal, discount = settlement_minor, locked.balance_minor - settlement_minor
    if not 0 <= down_payment_minor < principal:
        raise ValidationError({"down_payment": _("The down payment must be less than the amount arranged.")})
    try:
        schedule = build_schedule(principal_minor=principal, count=count, first_due=first_due, frequency=frequency,
                                  method=method, annual_rate=rate, down_payment_minor=down_payment_minor)
    except ValueError:
        # The schedule's own reasons are for developers; the debtor is told what to change.
        raise ValidationError({"count": _("These terms cannot be scheduled; choose fewer instalments.")},
                              code="schedule") from None
    if not within_policy:
        return method, rate, principal, discount, schedule
    if kind == Arrangement.Kind.PLAN:
        rules.check_plan(principal_minor=principal, count=count, frequency=frequency, first_due=first_due,
                         down_payment_minor=down_payment_minor,
                         amounts=[row.amount_minor for row in schedule[1 if down_payment_minor else 0:]],
                         last_due=schedule[-1].due_date, today=business_date, currency=locked.currency,
                         policy=policy)
    else:
        rules.check_settlement(amount_minor=principal, count=len(schedule), first_due=first_due,
                               last_due=schedule[-1].due_date, today=business_date, account=locked, policy=policy)
    return method, rate, principal, discount, schedule


def create_arrangement(*, actor, account: Account, kind: str, count: int, frequency: str, first_due: dt.date,
                       channel: str = Channel.AGENT, settlement_amount: Money | None = None,
                       down_payment: Money | None = None, debtor: Debtor | None = None,
                       statement: FinancialStatement | None = None, within_policy: bool = True,
                       business_date: dt.date | None = None) -> Arrangement:
    """Agree an instalment plan over the whole balance, or a settlement of `settlement_amount`, in `count`
    payments (after any down payment) from `first_due`. The account goes under arrangement; an annuity
    plan's interest is charged to the account instalment by instalment. `within_policy=False` is for terms
    a person with the authority agreed outside the policy's limits (an answered restructuring proposal)."""
    authorize(actor, roles.ARRANGE, account.creditor_id)
    business_date = business_date or today()
    if kind not in Arrangement.Kind.values:
        raise ValidationError({"kind": _("“%(value)s” is not a kind of arrangement.") % {"value": kind}})
    with transaction.atomic():
        locked = _lock(account)
        policy = rules.policy_for(locked)
        debtors = account_debtors(locked)
        rules.check_eligible(locked, policy, debtors)
        if Arrangement.objects.filter(account=locked, status__in=Arrangement.ACTIVE_STATUSES).exists():
            raise ValidationError(_("Account %(ref)s already has an arrangement running.")
                                  % {"ref": locked.creditor_reference}, code="running")
        down = _amount(down_payment, locked, "down_payment") if down_payment else 0
        settlement = _amount(settlement_amount, locked) if settlement_amount else None
        method, rate, principal, discount, schedule = _schedule(
            kind=kind, locked=locked, policy=policy, count=count, frequency=frequency, first_due=first_due,
            down_payment_minor=down, settlement_minor=settlement, business_date=business_date,
            within_policy=within_policy)
        arrangement = Arrangement.objects.create(
            account=locked, debtor=debtor, kind=kind, channel=channel, currency=locked.currency, method=method,
            frequency=frequency, annual_rate=rate, balance_minor=locked.balance_minor,
            total_minor=sum(row.amount_minor for row in schedule), discount_minor=discount,
            start_date=business_date, grace_days=policy.plan_grace_days, missed_to_break=policy.plan_missed_to_break,
            statement=statement)
        Instalment.objects.bulk_create([
            Instalment(arrangement=arrangement, number=row.number, due_date=row.due_date, amount_minor=row.amount_minor,
                       principal_minor=row.principal_minor, interest_minor=row.interest_minor)
            for row in schedule])
        interest = [ChargeIn(Component.INTEREST, Money(row.interest_minor, locked.currency), row.due_date,
                             instalment=row.number) for row in schedule if row.interest_minor > 0]
        if interest:
            post_charges(actor=ARRANGEMENTS, account=locked, charges=interest, effective_date=business_date,
                         memo=_("Interest of instalment plan %(id)s") % {"id": arrangement.pk},
                         business_date=business_date)
        if locked.status != Account.Status.ARRANGEMENT:
            set_status(actor=actor, locked=locked, status=Account.Status.ARRANGEMENT,
                       reason=f"arrangement {arrangement.pk}", business_date=business_date)
        bump_tally([d.pk for d in debtors], plans_made=1)
        after = {"kind": kind, "total_minor": arrangement.total_minor, "discount_minor": discount,
                 "instalments": len(schedule), "frequency": frequency, "first_due": first_due.isoformat(),
                 "channel": channel, "annual_rate": str(rate)}
        record(actor=actor, action="arrangement.created", obj=arrangement, creditor_id=locked.creditor_id,
               after=after)
        emit("arrangement.created", creditor_id=locked.creditor_id, account_id=locked.pk,
             payload={"arrangement": arrangement.pk, "account_reference": locked.creditor_reference, **after})
    account.status = locked.status
    return arrangement


def cancel_arrangement(*, actor, arrangement: Arrangement, reason: str) -> Arrangement:
    """End a running arrangement by agreement (not broken): the account is collected as before."""
    authorize(actor, roles.ARRANGE, arrangement.account.creditor_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the arrangement is cancelled.")})
    business_date = today()
    with transaction.atomic():
        locked_account = _lock(arrangement.account)
        locked = Arrangement.objects.select_for_update().get(pk=arrangement.pk)
        if locked.status not in Arrangement.ACTIVE_STATUSES:
            raise ValidationError(_("This arrangement has already ended (%(status)s).")
                                  % {"status": locked.get_status_display()}, code="ended")
        old = locked.status
        locked.status, locked.ended_on = Arrangement.Status.CANCELLED, business_date
        locked.save(update_fields=["status", "ended_on"])
        if locked_account.status == Account.Status.ARRANGEMENT:
            set_status(actor=actor, locked=locked_account, status=Account.Status.ACTIVE,
                       reason=f"arrangement {locked.pk} cancelled", business_date=business_date)
        record(actor=actor, action="arrangement.cancelled", obj=locked, creditor_id=locked_account.creditor_id,
               before={"status": old}, after={"status": locked.status, "reason": reason})
        emit("arrangement.updated", creditor_id=locked_account.creditor_id, account_id=locked_account.pk,
             payload={"arrangement": locked.pk, "status": locked.status, "reason": reason})
    return locked


POLICY_FIELDS = [f.name for f in ArrangementPolicy._meta.concrete_fields
                 if f.name not in ("id", "creditor", "portfolio")]
PERCENT_FIELDS = ["promise_min_percent", "promise_tolerance_percent", "plan_min_down_payment_percent"]


def clean_policy_values(values: dict) -> dict:
    """Check a policy's terms as a whole; raises ValidationError keyed by field."""
    errors = {}
    for name in PERCENT_FIELDS:
        if name in values and not 0 <= Decimal(values[name]) < 100:
            errors[name] = _("A share between 0 and 100%.")
    if "plan_annual_rate" in values and not 0 <= Decimal(values["plan_annual_rate"]) <= 30:
        errors["plan_annual_rate"] = _("An annual rate between 0 and 30%.")
    frequencies = values.get("plan_frequencies")
    if frequencies is not None and (not isinstance(frequencies, list) or not frequencies
                                    or any(f not in Frequency.values for f in frequencies)):
        errors["plan_frequencies"] = _("A list of one or more of: %(values)s.") % {
            "values": ", ".join(Frequency.values)}
    for name in ("plan_max_instalments", "plan_max_months", "plan_missed_to_break", "settlement_max_payments",
                 "settlement_max_days", "offer_valid_days"):
        if name in values and int(values[name]) < 1:
            errors[name] = _("At least 1.")
    table = values.get("settlement_discounts")
    if table is not None and (problem := _discount_table_problem(table)):
        errors["settlement_discounts"] = problem
    portfolio, creditor = values.get("portfolio"), values.get("creditor")
    if portfolio is not None and creditor is not None and portfolio.creditor_id != creditor.pk:
        errors["portfolio"] = _("The portfolio belongs to another creditor.")
    if errors:
        raise ValidationError(errors)
    return values


def _discount_table_problem(table) -> str | None:
    example = '[{"min_dpd": 90, "min_balance_minor": 0, "discount_percent": "10"}]'
    if not isinstance(table, list):
        return _("A list of rows such as %(example)s.") % {"example": example}
    for n, row in enumerate(table, start=1):
        try:
            ok = (isinstance(row, dict) and int(row.get("min_dpd", 0)) >= 0
                  and int(row.get("min_balance_minor", 0)) >= 0
                  and 0 <= Decimal(str(row["discount_percent"])) < 100)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            ok = False
        if not ok:
            return _("Row %(n)s is not valid; each row is like %(example)s, with a discount under 100%%.") % {
                "n": n, "example": example}
    return None


def save_policy(*, actor, policy: ArrangementPolicy | None = None, **values) -> ArrangementPolicy:
    """Create a creditor's (or a portfolio's) arrangement policy, or change one."""
    creditor = values.get("creditor") or policy.creditor
    authorize(actor, roles.MANAGE_POLICIES, creditor.pk)
    before = snapshot(policy, POLICY_FIELDS) if policy else None
    clean_policy_values({"creditor": creditor, **({"portfolio": policy.portfolio} if policy else {}), **values})
    policy = policy or ArrangementPolicy()
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean()
    with transaction.atomic():
        policy.save()
        record(actor=actor, action="arrangement_policy.updated" if before else "arrangement_policy.created",
               obj=policy, creditor_id=creditor.pk, before=before, after=snapshot(policy, POLICY_FIELDS))
    return policy
