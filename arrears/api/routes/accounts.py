"""Accounts: their state (balances by component, DPD, bucket, status) and the creditor's adjustments:
charges, status changes (hold, legal, recall, closure), write-offs, debtor flags."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Router, Status

from arrears.api.auth import require
from arrears.api.errors import InvalidQuery
from arrears.api.idempotency import once
from arrears.api.models import Scope
from arrears.api.routes.common import account_for, after_cursor, page_size, sent_money
from arrears.api.schemas import (
    REFUSALS,
    AccountPage,
    AccountState,
    ChargesRequest,
    FlagsOut,
    FlagsRequest,
    Message,
    StatusRequest,
    Text,
    WriteOffRequest,
)
from arrears.core import roles
from arrears.ledger.corrections import write_off
from arrears.ledger.models import EntryKind
from arrears.ledger.queries import account_state
from arrears.ledger.services import ChargeIn, post_charges
from arrears.portfolio.models import Account
from arrears.portfolio.services import change_account_status, set_debtor_flags

router = Router(tags=["accounts"])
ADJUSTED = {200: AccountState, 404: Message, 409: Message, **REFUSALS}


@router.get("/accounts", response={200: AccountPage, **REFUSALS}, summary="The creditor's accounts")
def list_accounts(request, status: Text | None = None, cursor: Text | None = None, limit: int = 100):
    actor = require(request, Scope.ACCOUNTS_READ)
    size = page_size(limit)
    rows = Account.objects.visible_to(actor).filter(pk__gt=after_cursor(cursor)).order_by("pk")
    if status:
        if status not in Account.Status.values:
            raise InvalidQuery({"status": [_("“%(value)s” is not an account status.") % {"value": status[:40]}]})
        rows = rows.filter(status=status)
    rows = list(rows[:size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {"accounts": [account_state(a) for a in rows], "next_cursor": str(rows[-1].pk) if more else None}


@router.get("/accounts/{reference}", response={200: AccountState, 404: Message, **REFUSALS},
            summary="An account as it stands")
def get_account(request, reference: Text):
    actor = require(request, Scope.ACCOUNTS_READ)
    return account_state(account_for(actor, reference, roles.VIEW))


@router.post("/accounts/{reference}/charges", response=ADJUSTED, summary="Charge interest, fees, costs")
def charge(request, reference: Text, body: ChargesRequest):
    actor = require(request, Scope.ADJUSTMENTS_WRITE)

    def work():
        account = account_for(actor, reference, roles.POST_ADJUSTMENTS)
        charges = [ChargeIn(c.component, sent_money(c.amount, c.currency, f"charges[{i}]."), c.due_date)
                   for i, c in enumerate(body.charges)]
        post_charges(actor=actor, account=account, charges=charges, kind=EntryKind.ADJUSTMENT, memo=body.memo)
        return 200, account_state(account)

    return Status(*once(request, f"POST /accounts/{reference}/charges", body.dict(), work))


@router.post("/accounts/{reference}/status", response=ADJUSTED, summary="Hold, legal, recall, close, reactivate")
def set_status(request, reference: Text, body: StatusRequest):
    actor = require(request, Scope.ADJUSTMENTS_WRITE)

    def work():
        account = account_for(actor, reference, roles.POST_ADJUSTMENTS)
        change_account_status(actor=actor, account=account, status=body.status, reason=body.reason)
        return 200, account_state(Account.objects.visible_to(actor, roles.POST_ADJUSTMENTS).get(pk=account.pk))

    return Status(*once(request, f"POST /accounts/{reference}/status", body.dict(), work))


@router.post("/accounts/{reference}/write-off", response=ADJUSTED, summary="Write off the balance and close")
def write_off_balance(request, reference: Text, body: WriteOffRequest):
    actor = require(request, Scope.ADJUSTMENTS_WRITE)

    def work():
        account = account_for(actor, reference, roles.POST_ADJUSTMENTS)
        write_off(actor=actor, account=account, reason=body.reason, status=body.status)
        return 200, account_state(account)

    return Status(*once(request, f"POST /accounts/{reference}/write-off", body.dict(), work))


@router.post("/accounts/{reference}/flags", response={200: FlagsOut, 404: Message, 409: Message, **REFUSALS},
             summary="Dispute, bankruptcy, death, vulnerability of the account's debtors")
def set_flags(request, reference: Text, body: FlagsRequest):
    """Flags belong to the people: every debtor of the account gets them. A debtor who also owes
    another creditor can only be flagged by arrears staff (403)."""
    actor = require(request, Scope.ADJUSTMENTS_WRITE)
    flags = {name: value for name, value in body.dict().items() if value is not None}
    if not flags:
        raise ValidationError({"__all__": [_("Say which flags to set (disputed, bankrupt, deceased, vulnerable).")]})

    def work():
        with transaction.atomic():
            account = account_for(actor, reference, roles.SET_DEBTOR_FLAGS)
            debtors = list(account.debtors.all())
            for debtor in debtors:
                set_debtor_flags(actor=actor, debtor=debtor, **flags)
            return 200, {"debtors": len(debtors), "account": account_state(account)}

    return Status(*once(request, f"POST /accounts/{reference}/flags", body.dict(), work))
