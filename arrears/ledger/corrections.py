"""Corrections to the ledger: a payment reversed (bounced, misapplied) and an account written off or
closed. Each reverses or settles through entries, never by editing one, and audits the change."""

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import record
from arrears.core.bulk import update_rows
from arrears.core.clock import business_date as today
from arrears.core.events import emit, emit_many
from arrears.ledger.events import payment_state, status_changed_event
from arrears.ledger.models import OWED_COMPONENTS, Allocation, DueItem, EntryKind, LedgerEntry, Payment
from arrears.ledger.queries import account_state
from arrears.ledger.services import (
    BALANCE_FIELD,
    _balances,
    _close_postings,
    _copy_ledger_state,
    _move_credit,
    _open_items,
    _Posting,
)
from arrears.portfolio.models import Account


def _withdraw_credit(account: Account, effective_date: dt.date, memo: str) -> None:
    """A reversal took back money that had already been applied as credit: move it back, reopening the
    due items it paid, latest due first, so credit held never turns into a debt."""
    shortfall = account.credit_minor
    if shortfall <= 0:
        return
    net = defaultdict(int)
    for item_id, amount in (Allocation.objects.filter(entry__account_id=account.pk,
                                                      entry__kind=EntryKind.CREDIT_APPLIED)
                            .values_list("due_item_id", "amount_minor")):
        net[item_id] += amount
    moves = []
    for item in DueItem.objects.filter(pk__in=[k for k, v in net.items() if v > 0]).order_by("-due_date", "-id"):
        if shortfall == 0:
            break
        take = min(shortfall, net[item.id])
        moves.append((item, -take))
        shortfall -= take
    _move_credit(account, moves, effective_date, memo)


def reverse_payment(*, actor, payment: Payment, reason: str, business_date: dt.date | None = None) -> Payment:
    """Undo a payment (bounced, misapplied): reversing entries, due items reopened, payment marked."""
    business_date = business_date or today()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the payment is reversed.")})
    authorize(actor, roles.REVERSE_ENTRIES, payment.creditor_id)
    with transaction.atomic():
        account = (Account.objects.select_for_update(of=("self",)).select_related("creditor")
                   .get(pk=payment.account_id))
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.REVERSED:
            raise ValidationError({"payment": _("Payment %(id)s has already been reversed.")
                                   % {"id": payment.external_id}}, code="reversed")
        before = _balances(account)
        reopened = {}
        reversals = []
        for entry in payment.entries.all():
            reversal = LedgerEntry(account_id=account.pk, component=entry.component, kind=EntryKind.REVERSAL,
                                   amount_minor=-entry.amount_minor, currency=entry.currency,
                                   effective_date=business_date, payment=payment, reverses=entry,
                                   memo=reason[:200])
            reversals.append((reversal, entry))
            name = BALANCE_FIELD[entry.component]
            setattr(account, name, getattr(account, name) - entry.amount_minor)
        LedgerEntry.objects.bulk_create([r for r, _ in reversals])
        undo = []
        for reversal, entry in reversals:
            for allocation in entry.allocations.select_related("due_item"):
                item = reopened.setdefault(allocation.due_item_id, allocation.due_item)
                item.settled_minor -= allocation.amount_minor
                undo.append(Allocation(entry=reversal, due_item_id=item.id, amount_minor=-allocation.amount_minor))
        Allocation.objects.bulk_create(undo)
        update_rows(DueItem, ["settled_minor"], list(reopened.values()))
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.REVERSED)
        payment.status = Payment.Status.REVERSED
        _withdraw_credit(account, business_date, reason[:200])
        posting = _Posting(account, items=list(_open_items([account.pk]).get(account.pk, [])))
        status_events = _close_postings(actor, [posting], business_date)
        record(actor=actor, action="payment.reversed", obj=payment, creditor_id=payment.creditor_id,
               before=before, after={**_balances(account), "reason": reason})
        emit("payment.reversed", creditor_id=payment.creditor_id, account_id=account.pk,
             payload={"payment": payment_state(payment), "account": account_state(account), "reason": reason})
        emit_many(status_events)
    return payment


def write_off(*, actor, account: Account, reason: str, status: str = Account.Status.WRITTEN_OFF,
              business_date: dt.date | None = None) -> list[LedgerEntry]:
    """Write off what is still owed, component by component, and close the account as written off or
    (after a settlement is paid) as settled. Credit held for the debtor is left untouched."""
    business_date = business_date or today()
    if status not in (Account.Status.WRITTEN_OFF, Account.Status.SETTLED):
        raise ValidationError({"status": _("A write-off closes an account as written off or settled, not "
                                           "“%(value)s”.") % {"value": status}})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the balance is written off.")})
    authorize(actor, roles.POST_ADJUSTMENTS, account.creditor_id)
    with transaction.atomic():
        locked = Account.objects.select_for_update(of=("self",)).select_related("creditor").get(pk=account.pk)
        if locked.status not in Account.OPEN_STATUSES:
            raise ValidationError({"status": _("Account %(ref)s is %(status)s; only an open account can be "
                                               "written off.") % {"ref": locked.creditor_reference,
                                                                  "status": locked.get_status_display()}})
        before = {**_balances(locked), "status": locked.status}
        items = _open_items([locked.pk]).get(locked.pk, [])
        entries, allocations = [], []
        for component in OWED_COMPONENTS:
            name = BALANCE_FIELD[component]
            outstanding = getattr(locked, name)
            if outstanding <= 0:
                continue
            entry = LedgerEntry(account_id=locked.pk, component=component, kind=EntryKind.WRITE_OFF,
                                amount_minor=-outstanding, currency=locked.currency, effective_date=business_date,
                                memo=reason[:200])
            entries.append(entry)
            for item in items:
                if item.component == component and item.open_minor > 0:
                    allocations.append(Allocation(entry=entry, due_item_id=item.id, amount_minor=item.open_minor))
                    item.settled_minor = item.amount_minor
            setattr(locked, name, 0)
        LedgerEntry.objects.bulk_create(entries)
        Allocation.objects.bulk_create(allocations)
        update_rows(DueItem, ["settled_minor"], items)
        locked.status, locked.closed_on = status, business_date
        _close_postings(actor, [_Posting(locked, items=[])], business_date)  # an ended account moves no further
        emit_many([status_changed_event(locked, before["status"], reason)])
        record(actor=actor, action="account.written_off", obj=locked, creditor_id=locked.creditor_id,
               before=before, after={**_balances(locked), "status": status, "reason": reason})
    _copy_ledger_state(locked, account)
    return entries
