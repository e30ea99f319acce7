"""Every write to the ledger: charges and payments (single and bulk, one code path); corrections are in
corrections.py.

A posting locks its accounts (in id order, so concurrent batches cannot deadlock), settles due
items through the creditor's waterfall, writes immutable entries, moves the accounts' running
balances and delinquency in the same transaction, and audits each change.
"""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import audit_event, record_many
from arrears.core.bulk import insert_objects, update_rows
from arrears.core.clock import business_date as today
from arrears.core.events import EventIn, emit_many
from arrears.core.money import Money, check_currency
from arrears.ledger import delinquency
from arrears.ledger.allocation import OpenItem, allocate
from arrears.ledger.events import payment_state, status_changed_event
from arrears.ledger.models import (
    OWED_COMPONENTS,
    Allocation,
    BucketSpell,
    Component,
    DueItem,
    EntryKind,
    LedgerEntry,
    Payment,
)
from arrears.ledger.queries import account_state
from arrears.portfolio.models import Account, Creditor

BALANCE_FIELD = {
    Component.PRINCIPAL: "principal_minor",
    Component.INTEREST: "interest_minor",
    Component.FEES: "fees_minor",
    Component.COSTS: "costs_minor",
    Component.PENALTIES: "penalties_minor",
    Component.CREDIT: "credit_minor",
}
FEW_ACCOUNTS = 8  # up to this many, a posting loads accounts and creditors in one query
# How far ahead a value date may lie (a payment dated tomorrow in another time zone is fine).
VALUE_DATE_LEEWAY = dt.timedelta(days=1)


class PaymentConflict(ValidationError):
    """The same payment id arrived again with different content."""


@dataclass(frozen=True)
class PaymentIn:
    """A payment to post. `external_id` is the sender's id, unique per creditor and source."""

    account_id: int
    amount: Money
    source: str
    external_id: str
    value_date: dt.date
    method: str = Payment.Method.TRANSFER
    designation: tuple[str, ...] | None = None

    def fingerprint(self) -> str:
        body = {
            "account": self.account_id, "amount": self.amount.minor, "currency": self.amount.currency,
            "value_date": self.value_date.isoformat(), "method": self.method,
            "designation": list(self.designation) if self.designation else None,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass
class PaymentOutcome:
    payment: Payment
    created: bool  # False: the same payment had been posted before; nothing new was written
    account: Account | None = None  # the account as the batch left it (balances, DPD, bucket, status)


@dataclass
class _Posting:
    """Work in progress for one locked account during a batch."""

    account: Account
    items: list = field(default_factory=list)
    dirty_items: dict = field(default_factory=dict)
    before: dict = field(default_factory=dict)


def _row_error(row: int | None, name: str, message: str, code: str) -> ValidationError:
    key = name if row is None else f"payments[{row}].{name}"
    return ValidationError({key: ValidationError(message, code=code)})


def _lock_accounts(account_ids) -> dict[int, Account]:
    """Lock the accounts in id order (batches never deadlock). A few accounts come with their creditor
    in the same query; for more, each creditor is loaded once and shared, not decoded again for every
    account of a batch."""
    locked = Account.objects.filter(pk__in=account_ids).order_by("pk")
    if len(account_ids) <= FEW_ACCOUNTS:
        return {a.pk: a for a in locked.select_related("creditor").select_for_update(of=("self",))}
    accounts = {a.pk: a for a in locked.select_for_update()}
    creditors = Creditor.objects.in_bulk({a.creditor_id for a in accounts.values()})
    for account in accounts.values():
        account.creditor = creditors[account.creditor_id]
    return accounts


def validate_payments(payments: list[PaymentIn], accounts: dict[int, Account], business_date: dt.date,
                      single: bool) -> None:
    """Raise one ValidationError naming each payment that cannot be posted to its account (loaded in
    `accounts`), keyed payments[i].field (bare field names when `single`). Writes nothing."""
    errors = {}
    for row, p in enumerate(payments):
        at = None if single else row
        try:
            account = accounts.get(p.account_id)
            if account is None:
                raise _row_error(at, "account", _("No account with id %(id)s.") % {"id": p.account_id}, "unknown")
            check_currency(p.amount.currency)
            if p.amount.currency != account.currency:
                raise _row_error(at, "currency", _("Account %(ref)s is kept in %(account)s; a payment in "
                                                   "%(payment)s cannot be posted to it.")
                                 % {"ref": account.creditor_reference, "account": account.currency,
                                    "payment": p.amount.currency}, "currency")
            if p.amount.minor <= 0:
                raise _row_error(at, "amount", _("A payment must be more than zero; got %(amount)s.")
                                 % {"amount": p.amount}, "not_positive")
            if p.value_date > business_date + VALUE_DATE_LEEWAY:
                raise _row_error(at, "value_date", _("Value date %(date)s is in the future.")
                                 % {"date": p.value_date.isoformat()}, "future")
            if not p.external_id or len(p.external_id) > 100:
                raise _row_error(at, "external_id", _("A payment needs the sender's id (1 to 100 characters)."),
                                 "external_id")
            if p.method not in Payment.Method.values:
                raise _row_error(at, "method", _("“%(value)s” is not a payment method.") % {"value": p.method},
                                 "method")
            for component in p.designation or ():
                if component not in OWED_COMPONENTS:
                    raise _row_error(at, "designation", _("“%(value)s” is not a balance component.")
                                     % {"value": component}, "designation")
        except ValidationError as exc:
            errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"payments": exc.messages})
    if errors:
        raise ValidationError(errors)


def _open_items(account_ids) -> dict[int, list[DueItem]]:
    by_account = defaultdict(list)
    rows = DueItem.objects.filter(account_id__in=account_ids, settled_minor__lt=F("amount_minor"))
    for item in rows.order_by("due_date", "id"):
        by_account[item.account_id].append(item)
    return by_account


def _refresh_delinquency(account: Account, items, business_date: dt.date, spells_closed, spells_opened):
    """Recompute oldest unpaid date, DPD and bucket of a locked account from its open items."""
    open_items = [OpenItem(i.id, i.component, i.due_date, i.amount_minor - i.settled_minor) for i in items]
    account.oldest_unpaid_due_date = delinquency.oldest_unpaid_due_date(open_items, dt.date.max)
    account.dpd = delinquency.days_past_due(account.oldest_unpaid_due_date, business_date, account.pause_days)
    account.dpd_as_of = business_date
    bucket = delinquency.bucket_for(account.dpd, account.creditor.buckets)
    if bucket != account.bucket:
        spells_closed.append(account.pk)
        spells_opened.append(BucketSpell(account_id=account.pk, bucket=bucket, entered_on=business_date))
        account.bucket = bucket


def _write_spells(closed, opened, business_date):
    if closed:
        BucketSpell.objects.filter(account_id__in=closed, exited_on__isnull=True).update(exited_on=business_date)
    if opened:
        insert_objects(BucketSpell, opened)


ACCOUNT_LEDGER_FIELDS = [
    "principal_minor", "interest_minor", "fees_minor", "costs_minor", "penalties_minor", "credit_minor",
    "oldest_unpaid_due_date", "dpd", "dpd_as_of", "bucket", "status", "closed_on",
]


def _settle_status(account: Account, business_date: dt.date) -> tuple[str, str] | None:
    """Owing nothing closes an open account as paid in full; owing again (a reversal, a new charge)
    reopens a paid one. Returns (old, new) when the status moved."""
    owed = sum(getattr(account, BALANCE_FIELD[c]) for c in OWED_COMPONENTS)
    if owed <= 0 and account.status in Account.OPEN_STATUSES:
        new, closed_on = Account.Status.PAID, business_date
    elif owed > 0 and account.status == Account.Status.PAID:
        new, closed_on = Account.Status.ACTIVE, None
    else:
        return None
    old, account.status, account.closed_on = account.status, new, closed_on
    return old, new


def _balances(account: Account) -> dict:
    return {name: getattr(account, name) for name in ACCOUNT_LEDGER_FIELDS if name.endswith("_minor")}


def post_payments(*, actor, payments: list[PaymentIn], business_date: dt.date | None = None) -> list[PaymentOutcome]:
    """Post payments, each exactly once per (creditor, source, external id).

    The whole batch is validated first; any invalid row rejects the batch with an error per row and
    nothing is written. A payment seen before with the same content is returned as it was; with
    different content it is a PaymentConflict. Overpayment is held as credit on the account.
    """
    business_date = business_date or today()
    single = len(payments) == 1
    if not payments:
        return []
    keys_seen: dict[tuple, PaymentIn] = {}
    with transaction.atomic():
        account_ids = sorted({p.account_id for p in payments})
        accounts = _lock_accounts(account_ids)
        validate_payments(payments, accounts, business_date, single)
        for creditor_id in {a.creditor_id for a in accounts.values()}:
            authorize(actor, roles.POST_PAYMENTS, creditor_id)

        existing = _existing_payments(payments, accounts)
        outcomes: list[PaymentOutcome | None] = [None] * len(payments)
        fresh: list[tuple[int, PaymentIn]] = []
        for row, p in enumerate(payments):
            key = (accounts[p.account_id].creditor_id, p.source, p.external_id)
            earlier = existing.get(key)
            if earlier is not None:
                if earlier.fingerprint != p.fingerprint():
                    raise _conflict(row if not single else None, p)
                outcomes[row] = PaymentOutcome(earlier, created=False)
                continue
            twin = keys_seen.get(key)
            if twin is not None:
                if twin.fingerprint() != p.fingerprint():
                    raise _conflict(row if not single else None, p)
                continue  # resolved to the twin's payment below
            keys_seen[key] = p
            fresh.append((row, p))

        if fresh:
            _apply(actor, fresh, accounts, outcomes, business_date)
        by_key = {(accounts[p.account_id].creditor_id, p.source, p.external_id): outcomes[row].payment
                  for row, p in fresh}
        for row, p in enumerate(payments):
            if outcomes[row] is None:  # a twin of an earlier row in this batch
                key = (accounts[p.account_id].creditor_id, p.source, p.external_id)
                outcomes[row] = PaymentOutcome(by_key[key], created=False)
        for outcome in outcomes:
            outcome.account = accounts[outcome.payment.account_id]
    return outcomes


def _conflict(row, p: PaymentIn) -> PaymentConflict:
    key = "external_id" if row is None else f"payments[{row}].external_id"
    return PaymentConflict({key: ValidationError(
        _("Payment %(source)s:%(id)s was already received with different details (amount, date, "
          "account or method); it was not posted again.") % {"source": p.source, "id": p.external_id},
        code="conflict")})


def _existing_payments(payments, accounts) -> dict[tuple, Payment]:
    by_source = defaultdict(set)
    for p in payments:
        by_source[(accounts[p.account_id].creditor_id, p.source)].add(p.external_id)
    found = {}
    for (creditor_id, source), ids in by_source.items():
        for payment in Payment.objects.filter(creditor_id=creditor_id, source=source, external_id__in=ids):
            found[(creditor_id, source, payment.external_id)] = payment
    return found


def _apply(actor, fresh, accounts, outcomes, business_date):
    postings = {aid: _Posting(accounts[aid]) for aid in {p.account_id for _, p in fresh}}
    for aid, items in _open_items(list(postings)).items():
        postings[aid].items = items
    for posting in postings.values():
        posting.before = _balances(posting.account)

    new_payments = [
        Payment(
            account_id=p.account_id, creditor_id=accounts[p.account_id].creditor_id, source=p.source,
            external_id=p.external_id, fingerprint=p.fingerprint(), amount_minor=p.amount.minor,
            currency=p.amount.currency, value_date=p.value_date, method=p.method,
            designation=list(p.designation) if p.designation else None,
        )
        for _, p in fresh
    ]
    try:
        with transaction.atomic():
            insert_objects(Payment, new_payments)
    except IntegrityError:
        # Another transaction posted one of these ids between our check and insert (possible only
        # where accounts differ); report it rather than guess.
        raise ValidationError({"external_id": _("A payment in this batch was posted concurrently; "
                                                "send the batch again to get each payment's result.")},
                              code="race") from None

    entries: list[LedgerEntry] = []
    entry_shares: list[list] = []
    for payment, (row, p) in zip(new_payments, fresh, strict=True):
        posting = postings[p.account_id]
        account = posting.account
        creditor = account.creditor
        by_id = {item.id: item for item in posting.items}
        open_items = [OpenItem(i.id, i.component, i.due_date, i.amount_minor - i.settled_minor)
                      for i in posting.items]
        shares = allocate(p.amount.minor, open_items, creditor.allocation_order, creditor.allocation_mode,
                          p.designation, due_by=p.value_date)
        per_component = defaultdict(list)
        for share in shares:
            per_component[share.component].append(share)
            if share.item_id is not None:
                item = by_id[share.item_id]
                item.settled_minor += share.amount_minor
                posting.dirty_items[item.id] = item
        for component, component_shares in per_component.items():
            total = sum(s.amount_minor for s in component_shares)
            entries.append(LedgerEntry(
                account_id=account.pk, component=component, kind=EntryKind.PAYMENT, amount_minor=-total,
                currency=account.currency, effective_date=p.value_date, payment_id=payment.pk,
            ))
            entry_shares.append(component_shares)
            field_name = BALANCE_FIELD[component]
            setattr(account, field_name, getattr(account, field_name) - total)
        outcomes[row] = PaymentOutcome(payment, created=True)

    insert_objects(LedgerEntry, entries)
    allocations = [
        Allocation(entry_id=entry.pk, due_item_id=share.item_id, amount_minor=share.amount_minor)
        for entry, shares in zip(entries, entry_shares, strict=True)
        for share in shares if share.item_id is not None
    ]
    insert_objects(Allocation, allocations)
    dirty = [item for posting in postings.values() for item in posting.dirty_items.values()]
    update_rows(DueItem, ["settled_minor"], dirty)
    status_events = _close_postings(actor, postings.values(), business_date)

    emit_many([
        EventIn("payment.posted", payment.creditor_id, account_id=payment.account_id, payload={
            "payment": payment_state(payment), "account": account_state(postings[payment.account_id].account)})
        for payment in new_payments
    ] + status_events)
    record_many([
        audit_event(actor=actor, action="payment.posted", obj=payment, creditor_id=payment.creditor_id,
                    after={"account": payment.account_id, "amount_minor": payment.amount_minor,
                           "currency": payment.currency, "value_date": payment.value_date.isoformat(),
                           "source": payment.source, "external_id": payment.external_id})
        for payment in new_payments
    ])


def _close_postings(actor, postings, business_date) -> list[EventIn]:
    """Refresh delinquency and status and write the running balances of every touched account.

    Returns the status-change events, for the caller to emit after its own."""
    closed, opened = [], []
    accounts, moves, events = [], [], []
    for posting in postings:
        # Items not loaded (fully settled) cannot be the oldest unpaid; the loaded ones decide.
        _refresh_delinquency(posting.account, posting.items, business_date, closed, opened)
        accounts.append(posting.account)
        if moved := _settle_status(posting.account, business_date):
            moves.append(audit_event(actor=actor, action="account.status_changed", obj=posting.account,
                                     creditor_id=posting.account.creditor_id, before={"status": moved[0]},
                                     after={"status": moved[1], "reason": "balance"}))
            events.append(status_changed_event(posting.account, moved[0], "balance"))
    update_rows(Account, ACCOUNT_LEDGER_FIELDS, accounts)
    _write_spells(closed, opened, business_date)
    record_many(moves)
    return events


def post_payment(*, actor, payment: PaymentIn, business_date: dt.date | None = None) -> PaymentOutcome:
    """Post one payment; see post_payments."""
    return post_payments(actor=actor, payments=[payment], business_date=business_date)[0]


@dataclass(frozen=True)
class ChargeIn:
    component: str
    amount: Money
    due_date: dt.date
    instalment: int | None = None


def post_charges(*, actor, account: Account, charges: list[ChargeIn], kind: str = EntryKind.CHARGE,
                 effective_date: dt.date | None = None, memo: str = "",
                 business_date: dt.date | None = None, announce: bool = True) -> list[LedgerEntry]:
    """Charge amounts to an account (placement balances, interest, fees, costs), each due on a date.

    `announce=False` leaves out the account.charged event: a placement announces the account with its
    opening balances in account.placed instead. One account of post_charges_many."""
    return post_charges_many(actor=actor, charges=[(account, charges)], kind=kind, effective_date=effective_date,
                             memo=memo, business_date=business_date, announce=announce)


def _check_charges(account: Account, charges: list[ChargeIn], prefix: str) -> dict:
    errors = {}
    for row, charge in enumerate(charges):
        at = f"{prefix}charges[{row}]"
        if charge.component not in OWED_COMPONENTS:
            errors[f"{at}.component"] = [_("“%(value)s” is not a balance component that can be "
                                           "charged.") % {"value": charge.component}]
        elif charge.amount.currency != account.currency:
            errors[f"{at}.currency"] = [_("Account %(ref)s is kept in %(account)s, not %(charge)s.")
                                        % {"ref": account.creditor_reference, "account": account.currency,
                                           "charge": charge.amount.currency}]
        elif charge.amount.minor <= 0:
            errors[f"{at}.amount"] = [_("A charge must be more than zero; got %(amount)s.")
                                      % {"amount": charge.amount}]
    if not charges:
        errors[f"{prefix}charges"] = [_("Nothing to charge.")]
    return errors


def post_charges_many(*, actor, charges: list[tuple[Account, list[ChargeIn]]], kind: str = EntryKind.CHARGE,
                      effective_date: dt.date | None = None, memo: str = "", business_date: dt.date | None = None,
                      announce: bool = True) -> list[LedgerEntry]:
    """Charge many accounts at once (a placement file's opening balances), set-based: the accounts are
    locked in id order, entries and due items written in bulk, credit held applied, balances, DPD,
    buckets and spells refreshed, one audit event per account. All are validated first; errors are keyed
    accounts[i].charges[j]... (charges[j]... for a single account) and nothing is written. The given
    accounts take their new running balances and delinquency."""
    business_date = business_date or today()
    effective_date = effective_date or business_date
    action = roles.POST_ADJUSTMENTS if kind == EntryKind.ADJUSTMENT else roles.PLACE_ACCOUNTS
    for creditor_id in {account.creditor_id for account, _charges in charges}:
        authorize(actor, action, creditor_id)
    errors = {}
    for i, (account, account_charges) in enumerate(charges):
        errors.update(_check_charges(account, account_charges, "" if len(charges) == 1 else f"accounts[{i}]."))
    if errors or not charges:
        raise ValidationError(errors or {"charges": [_("Nothing to charge.")]})
    with transaction.atomic():
        locked = _lock_accounts([account.pk for account, _charges in charges])
        before = {pk: _balances(account) for pk, account in locked.items()}
        entries, items = [], []
        for account, account_charges in charges:
            target = locked[account.pk]
            for c in account_charges:
                entries.append(LedgerEntry(account_id=target.pk, component=c.component, kind=kind,
                                           amount_minor=c.amount.minor, currency=target.currency,
                                           effective_date=effective_date, memo=memo))
                items.append(DueItem(account_id=target.pk, component=c.component, due_date=c.due_date,
                                     amount_minor=c.amount.minor, instalment=c.instalment))
                name = BALANCE_FIELD[c.component]
                setattr(target, name, getattr(target, name) + c.amount.minor)
        insert_objects(LedgerEntry, entries)
        insert_objects(DueItem, items)
        open_items = _open_items(list(locked))
        postings = [_Posting(account, items=open_items.get(pk, [])) for pk, account in locked.items()]
        for posting in postings:
            _apply_credit(posting, effective_date)
        status_events = _close_postings(actor, postings, business_date)
        record_many([audit_event(actor=actor, action=f"ledger.{kind}", obj=account, creditor_id=account.creditor_id,
                                 before=before[pk], after=_balances(account)) for pk, account in locked.items()])
        charged = [EventIn("account.charged", locked[account.pk].creditor_id, account_id=account.pk, payload={
            "kind": kind, "memo": memo, "account": account_state(locked[account.pk]),
            "charges": [{"component": c.component, "amount": str(c.amount.amount), "currency": c.amount.currency,
                         "due_date": c.due_date.isoformat()} for c in account_charges]})
            for account, account_charges in charges] if announce else []
        emit_many(charged + status_events)
    for account, _charges in charges:
        _copy_ledger_state(locked[account.pk], account)
    return entries


def _move_credit(account: Account, moves: list[tuple[DueItem, int]], effective_date: dt.date,
                 memo: str = "") -> None:
    """Post credit moved onto due items (amount > 0) or back off them (amount < 0): one entry on credit,
    one per component, an allocation per item; balances and settled amounts follow."""
    if not moves:
        return
    per_component = defaultdict(list)
    for item, amount in moves:
        item.settled_minor += amount
        per_component[item.component].append((item, amount))
    moved = sum(amount for _, amount in moves)
    entries = [LedgerEntry(account_id=account.pk, component=Component.CREDIT, kind=EntryKind.CREDIT_APPLIED,
                           amount_minor=moved, currency=account.currency, effective_date=effective_date, memo=memo)]
    for component, component_moves in per_component.items():
        total = sum(amount for _, amount in component_moves)
        entries.append(LedgerEntry(account_id=account.pk, component=component, kind=EntryKind.CREDIT_APPLIED,
                                   amount_minor=-total, currency=account.currency, effective_date=effective_date,
                                   memo=memo))
        setattr(account, BALANCE_FIELD[component], getattr(account, BALANCE_FIELD[component]) - total)
    account.credit_minor += moved
    LedgerEntry.objects.bulk_create(entries)
    Allocation.objects.bulk_create([
        Allocation(entry=entry, due_item_id=item.id, amount_minor=amount)
        for entry, component in zip(entries[1:], per_component, strict=True)
        for item, amount in per_component[component]
    ])
    update_rows(DueItem, ["settled_minor"], [item for item, _ in moves])


def _apply_credit(posting: _Posting, effective_date: dt.date) -> None:
    """Money held for the debtor pays what is charged later, in the creditor's waterfall order, so an
    account never goes past due while holding the debtor's money."""
    account = posting.account
    held = -account.credit_minor
    if held <= 0 or not posting.items:
        return
    creditor = account.creditor
    open_items = [OpenItem(i.id, i.component, i.due_date, i.open_minor) for i in posting.items]
    by_id = {item.id: item for item in posting.items}
    shares = allocate(held, open_items, creditor.allocation_order, creditor.allocation_mode, due_by=effective_date)
    _move_credit(account, [(by_id[s.item_id], s.amount_minor) for s in shares if s.item_id is not None],
                 effective_date)


def _copy_ledger_state(source: Account, target: Account) -> None:
    for name in ACCOUNT_LEDGER_FIELDS:
        setattr(target, name, getattr(source, name))
