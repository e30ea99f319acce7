"""How promises and arrangements stand, kept current: on every payment event and each night.

Payments count towards a promise or an arrangement when they were posted after it was made; what they
amount to is decided by evaluation.py from value dates and amounts alone. A settlement paid in full
writes off the rest and closes the account as settled; a broken arrangement returns the account to
collection.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.arrangements import evaluation
from arrears.arrangements.models import Arrangement, Instalment, Promise
from arrears.arrangements.services import ARRANGEMENTS, Tallies
from arrears.core.audit import audit_event, record_many
from arrears.core.bulk import update_rows
from arrears.core.clock import business_date as today
from arrears.core.events import EventIn, emit_many, subscriber
from arrears.ledger.corrections import write_off
from arrears.ledger.models import Payment
from arrears.portfolio.models import Account, AccountDebtor
from arrears.portfolio.services import set_status

PROMISE_EVENT = {Promise.Status.KEPT: "promise.kept", Promise.Status.PARTIALLY_KEPT: "promise.broken",
                 Promise.Status.BROKEN: "promise.broken"}
TALLY_FIELD = {Promise.Status.KEPT: "promises_kept", Promise.Status.PARTIALLY_KEPT: "promises_partially_kept",
               Promise.Status.BROKEN: "promises_broken"}


def _payments(account_ids) -> dict[int, list[tuple]]:
    """Posted (not reversed) payments per account: (posted at, value date, amount)."""
    rows = defaultdict(list)
    for account_id, posted_at, value_date, amount in (
            Payment.objects.filter(account_id__in=account_ids, status=Payment.Status.POSTED)
            .values_list("account_id", "posted_at", "value_date", "amount_minor")):
        rows[account_id].append((posted_at, value_date, amount))
    return rows


def _since(payments, moment) -> list[evaluation.Paid]:
    return [(value_date, amount) for posted_at, value_date, amount in payments if posted_at >= moment]


def _debtors_of(account_ids) -> dict[int, list[int]]:
    found = defaultdict(list)
    for account_id, debtor_id in AccountDebtor.objects.filter(account_id__in=account_ids).values_list(
            "account_id", "debtor_id"):
        found[account_id].append(debtor_id)
    return found


def evaluate_accounts(account_ids, business_date: dt.date | None = None) -> dict:
    """Bring the pending promises and running arrangements of these accounts up to date. Safe to repeat."""
    business_date = business_date or today()
    account_ids = sorted(set(account_ids))
    counts = defaultdict(int)
    if not account_ids:
        return counts
    with transaction.atomic():
        # Lock the accounts first, in id order, as payment posting does: no payment lands mid-evaluation.
        accounts = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=account_ids).order_by("pk")}
        payments = _payments(account_ids)
        debtors = _debtors_of(account_ids)
        events, audits, tallies = [], [], Tallies()
        _promises(accounts, payments, debtors, business_date, events, audits, counts, tallies)
        settled = _arrangements(accounts, payments, debtors, business_date, events, audits, counts, tallies)
        tallies.write()
        emit_many(events)
        record_many(audits)
        for arrangement, account in settled:
            write_off(actor=ARRANGEMENTS, account=account, reason=_("Settlement %(id)s paid") % {"id": arrangement.pk},
                      status=Account.Status.SETTLED, business_date=business_date)
    return counts


def _promises(accounts, payments, debtors, business_date, events, audits, counts, tallies):
    pending = list(Promise.objects.filter(account_id__in=list(accounts), status=Promise.Status.PENDING))
    changed = []
    for promise in pending:
        outcome = evaluation.promise_outcome(
            amount_minor=promise.amount_minor, due_date=promise.due_date, grace_days=promise.grace_days,
            tolerance_percent=promise.tolerance_percent, today=business_date,
            payments=_since(payments[promise.account_id], promise.created_at))
        if (outcome.status, outcome.paid_minor) == (promise.status, promise.paid_minor):
            continue
        promise.status, promise.paid_minor = outcome.status, outcome.paid_minor
        promise.resolved_on = outcome.resolved_on
        changed.append(promise)
        if outcome.status == Promise.Status.PENDING:
            continue
        account = accounts[promise.account_id]
        counts[f"promises_{outcome.status}"] += 1
        tallies.bump(debtors[promise.account_id], **{TALLY_FIELD[outcome.status]: 1},
                   **({"last_broken_on": outcome.resolved_on} if outcome.status != Promise.Status.KEPT else {}))
        after = {"status": outcome.status, "paid_minor": outcome.paid_minor,
                 "resolved_on": outcome.resolved_on.isoformat()}
        audits.append(audit_event(actor=ARRANGEMENTS, action=f"promise.{outcome.status}", obj=promise,
                                  creditor_id=account.creditor_id, before={"status": Promise.Status.PENDING},
                                  after=after))
        events.append(EventIn(PROMISE_EVENT[outcome.status], account.creditor_id, account_id=account.pk,
                              payload={"promise": promise.pk, "account_reference": account.creditor_reference,
                                       "amount_minor": promise.amount_minor, **after}))
    update_rows(Promise, ["status", "paid_minor", "resolved_on"], changed)


def _arrangements(accounts, payments, debtors, business_date, events, audits, counts, tallies) -> list:
    """Returns the settlements completed now, with their accounts, for the caller to write off."""
    running = list(Arrangement.objects.filter(account_id__in=list(accounts), status__in=Arrangement.ACTIVE_STATUSES))
    instalments = defaultdict(list)
    for row in Instalment.objects.filter(arrangement__in=running).order_by("arrangement_id", "number"):
        instalments[row.arrangement_id].append(row)
    changed, changed_rows, settled = [], [], []
    for arrangement in running:
        rows = instalments[arrangement.pk]
        outcome = evaluation.arrangement_outcome(
            instalments=[(row.due_date, row.amount_minor) for row in rows],
            payments=_since(payments[arrangement.account_id], arrangement.created_at),
            grace_days=arrangement.grace_days, missed_to_break=arrangement.missed_to_break, today=business_date)
        for row, state in zip(rows, outcome.instalments, strict=True):
            if (row.paid_minor, row.paid_on) != (state.paid_minor, state.paid_on):
                row.paid_minor, row.paid_on = state.paid_minor, state.paid_on
                changed_rows.append(row)
        old = arrangement.status
        if (outcome.status, outcome.paid_minor) == (old, arrangement.paid_minor):
            continue
        arrangement.status, arrangement.paid_minor, arrangement.ended_on = (
            outcome.status, outcome.paid_minor, outcome.ended_on)
        changed.append(arrangement)
        if outcome.status == old:
            continue
        account = accounts[arrangement.account_id]
        counts[f"arrangements_{outcome.status}"] += 1
        after = {"status": outcome.status, "paid_minor": outcome.paid_minor, "missed": outcome.missed}
        audits.append(audit_event(actor=ARRANGEMENTS, action=f"arrangement.{outcome.status}", obj=arrangement,
                                  creditor_id=account.creditor_id, before={"status": old}, after=after))
        event = {Arrangement.Status.COMPLETED: "arrangement.completed",
                 Arrangement.Status.BROKEN: "arrangement.broken"}.get(outcome.status, "arrangement.updated")
        events.append(EventIn(event, account.creditor_id, account_id=account.pk,
                              payload={"arrangement": arrangement.pk, "kind": arrangement.kind,
                                       "account_reference": account.creditor_reference, **after}))
        if outcome.status == Arrangement.Status.BROKEN:
            tallies.bump(debtors[account.pk], plans_broken=1, last_broken_on=outcome.ended_on)
            if account.status == Account.Status.ARRANGEMENT:
                set_status(actor=ARRANGEMENTS, locked=account, status=Account.Status.ACTIVE,
                           reason=f"arrangement {arrangement.pk} broken", business_date=business_date)
        elif outcome.status == Arrangement.Status.COMPLETED:
            tallies.bump(debtors[account.pk], plans_completed=1)
            if arrangement.kind == Arrangement.Kind.SETTLEMENT and account.balance_minor > 0:
                settled.append((arrangement, account))
    update_rows(Instalment, ["paid_minor", "paid_on"], changed_rows)
    update_rows(Arrangement, ["status", "paid_minor", "ended_on"], changed)
    return settled


def accounts_to_watch():
    """Accounts with a pending promise or a running arrangement: the nightly evaluation's work."""
    promised = Promise.objects.filter(status=Promise.Status.PENDING).values_list("account_id", flat=True)
    arranged = Arrangement.objects.filter(status__in=Arrangement.ACTIVE_STATUSES).values_list("account_id", flat=True)
    return sorted(set(promised) | set(arranged))


@subscriber("payment.posted", "payment.reversed")
def track_payments(events) -> None:
    """A payment may keep a promise or fill an instalment; a reversal may undo it."""
    evaluate_accounts({event.account_id for event in events if event.account_id})
