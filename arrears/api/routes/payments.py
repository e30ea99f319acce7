"""Payments from the creditor: single and batch, idempotent by the creditor's payment id and the
Idempotency-Key header; reversals (corrections); an account's payments."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Status

from arrears.api.auth import require
from arrears.api.idempotency import once
from arrears.api.models import Scope
from arrears.api.routes.common import (
    account_for,
    account_ids_by_reference,
    after_cursor,
    page_size,
    payment_out,
    sent_money,
)
from arrears.api.schemas import (
    REFUSALS,
    Message,
    PaymentBatchRequest,
    PaymentBatchResult,
    PaymentPage,
    PaymentRequest,
    PaymentResult,
    ReversalRequest,
    Text,
)
from arrears.core import roles
from arrears.ledger.corrections import reverse_payment
from arrears.ledger.models import Payment
from arrears.ledger.queries import account_state
from arrears.ledger.services import PaymentIn, post_payments
from arrears.portfolio.models import Account

router = Router(tags=["payments"])
SOURCE = "api"


def _post(actor, rows: list[PaymentRequest], single: bool) -> list[dict]:
    account_ids = account_ids_by_reference(actor, [row.account_reference for row in rows], roles.POST_PAYMENTS)
    errors, payments = {}, []
    for i, row in enumerate(rows):
        at = "" if single else f"payments[{i}]."
        account_id = account_ids.get(row.account_reference)
        if account_id is None:
            errors[f"{at}account_reference"] = [_("No account with reference %(ref)s.")
                                                % {"ref": row.account_reference}]
            continue
        try:
            amount = sent_money(row.amount, row.currency, at)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        payments.append(PaymentIn(account_id=account_id, amount=amount, source=SOURCE, external_id=row.payment_id,
                                  value_date=row.value_date, method=row.method,
                                  designation=tuple(row.allocation_hint) if row.allocation_hint else None))
    if errors:
        raise ValidationError(errors)
    # The accounts come back locked and up to date from post_payments, which authorised the actor for them.
    states = {}
    results = []
    for outcome in post_payments(actor=actor, payments=payments):
        account = outcome.account
        if account.pk not in states:
            states[account.pk] = account_state(account)
        results.append({"created": outcome.created, "payment": payment_out(outcome.payment, account.creditor_reference),
                        "account": states[account.pk]})
    return results


@router.post("/payments", response={200: PaymentResult, 201: PaymentResult, 409: Message, **REFUSALS},
             summary="Post one payment")
def create_payment(request, body: PaymentRequest):
    """201 when posted now, 200 when this payment id (or Idempotency-Key) was posted before with the same
    content; 409 when it comes again with different content. The answer carries the account's balance,
    DPD and bucket after the payment."""
    actor = require(request, Scope.PAYMENTS_WRITE)

    def work():
        result = _post(actor, [body], single=True)[0]
        return (201 if result["created"] else 200), result

    return Status(*once(request, "POST /payments", body.dict(), work))


@router.post("/payments/batch", response={200: PaymentBatchResult, 409: Message, **REFUSALS},
             summary="Post up to 1,000 payments at once")
def create_payments(request, body: PaymentBatchRequest):
    """All or nothing: an invalid row rejects the batch with an error per row (`payments[i].field`)."""
    actor = require(request, Scope.PAYMENTS_WRITE)
    return Status(*once(request, "POST /payments/batch", body.dict(),
                lambda: (200, {"results": _post(actor, body.payments, single=False)})))


@router.post("/payments/{payment_id}/reverse", response={200: PaymentResult, 404: Message, 409: Message, **REFUSALS},
             summary="Reverse a payment (returned, misapplied)")
def reverse(request, payment_id: Text, body: ReversalRequest):
    actor = require(request, Scope.ADJUSTMENTS_WRITE)

    def work():
        with transaction.atomic():
            payment = (Payment.objects.visible_to(actor, roles.REVERSE_ENTRIES)
                       .filter(source=SOURCE, external_id=payment_id).first())
            if payment is None:
                raise Http404(_("No payment with id %(id)s.") % {"id": payment_id})
            reversed_payment = reverse_payment(actor=actor, payment=payment, reason=body.reason)
            account = Account.objects.visible_to(actor, roles.REVERSE_ENTRIES).get(pk=payment.account_id)
            return 200, {"created": True, "payment": payment_out(reversed_payment, account.creditor_reference),
                         "account": account_state(account)}

    return Status(*once(request, f"POST /payments/{payment_id}/reverse", body.dict(), work))


@router.get("/accounts/{reference}/payments", response={200: PaymentPage, 404: Message, **REFUSALS},
            summary="An account's payments, oldest first")
def account_payments(request, reference: Text, cursor: Text | None = None, limit: int = 100):
    actor = require(request, Scope.ACCOUNTS_READ)
    account = account_for(actor, reference, roles.VIEW)
    size = page_size(limit)
    rows = list(Payment.objects.visible_to(actor).filter(account=account, pk__gt=after_cursor(cursor))
                .order_by("pk")[:size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {"payments": [payment_out(p, reference) for p in rows],
            "next_cursor": str(rows[-1].pk) if more else None}
