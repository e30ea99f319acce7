"""Online payment: a debtor pays an account through a payment provider, or by bank transfer with an EPC QR code.

`start_online_payment` records the debtor's payment and opens a payment intent at the provider. The
provider's signed events (`handle_provider_event`, from the webhook or the test provider's checkout page)
then post the payment through the ledger's idempotent `post_payments`, with the provider's name as the
source and the intent id as the payment id: an event delivered again posts nothing new. `card_payment_outcome`
only reads: what a debtor is told on coming back from the provider's card page.
"""

import logging
import re
from enum import StrEnum

import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import SystemActor, authorize
from arrears.core.audit import record
from arrears.core.clock import business_date as today
from arrears.core.money import Money, from_minor
from arrears.ledger.models import Payment
from arrears.ledger.services import PaymentIn, post_payment
from arrears.payments import psp
from arrears.payments.online_models import OnlinePayment
from arrears.payments.queries import payment_instructions
from arrears.portfolio.models import Account

logger = logging.getLogger(__name__)
Status = OnlinePayment.Status

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"
CANCELED = "payment_intent.canceled"
MESSAGE_LENGTH = OnlinePayment._meta.get_field("failure_message").max_length


class EventResult(StrEnum):
    """What an event did, as the webhook answers it."""

    POSTED = "posted"
    ALREADY_POSTED = "already_posted"  # the payment had been posted; nothing new was
    MARKED_FAILED = "marked_failed"
    MARKED_CANCELED = "marked_canceled"
    ALREADY_RECORDED = "already_recorded"  # the same outcome had been recorded; nothing changed
    STALE = "stale"  # the payment had already succeeded or been canceled; a late event changes nothing
    IGNORED = "ignored"  # not an event of ours: another type, or an intent arrears did not open


def provider_actor(name: str) -> SystemActor:
    return SystemActor(f"psp:{name}")


def idempotency_key(online_payment: OnlinePayment) -> str:
    """The same for every retry of this payment's intent request; the creation time keeps two installations
    sharing a provider account from colliding on row ids."""
    return f"arrears-online-payment-{online_payment.pk}-{int(online_payment.created_at.timestamp() * 1e6)}"


def _amount_error(message: str, code: str) -> ValidationError:
    return ValidationError({"amount": ValidationError(message, code=code)})


def _payable(account: Account, amount) -> Money:
    """The amount as Money in the account's currency, if the account may be paid that much now."""
    money = amount if isinstance(amount, Money) else Money.of(amount, account.currency, exact=True)
    if money.currency != account.currency:
        raise _amount_error(_("Account %(ref)s is kept in %(account)s; it cannot be paid in %(currency)s.")
                            % {"ref": account.creditor_reference, "account": account.currency,
                               "currency": money.currency}, "currency")
    if money.minor <= 0:
        raise _amount_error(_("A payment must be more than zero; got %(amount)s.") % {"amount": money.amount},
                            "not_positive")
    if account.status not in Account.OPEN_STATUSES:
        raise _amount_error(_("Account %(ref)s is not in collection (%(status)s); it cannot be paid here.")
                            % {"ref": account.creditor_reference, "status": account.get_status_display()},
                            "not_open")
    balance = account.balance_minor
    if money.minor > balance:
        raise _amount_error(_("%(amount)s is more than the balance of %(balance)s.")
                            % {"amount": money.amount, "balance": from_minor(max(balance, 0), account.currency)},
                            "above_balance")
    return money


def _check_own_account(actor, account: Account) -> None:
    """A debtor signed in to the portal pays only accounts they are a debtor of."""
    debtor_id = getattr(actor, "debtor_id", None)
    if debtor_id is not None and not account.debtor_links.filter(debtor_id=debtor_id).exists():
        raise PermissionDenied(_("This account is not yours to pay."))


def _state(online_payment: OnlinePayment) -> dict:
    return {"account": online_payment.account_id, "provider": online_payment.provider,
            "provider_ref": online_payment.provider_ref, "amount_minor": online_payment.amount_minor,
            "currency": online_payment.currency, "status": online_payment.status,
            "payment": online_payment.payment_id, "failure_message": online_payment.failure_message}


def start_online_payment(*, actor, account: Account, amount) -> OnlinePayment:
    """Start paying `amount` (Money, or decimal text in the account's currency) on an account online.

    The payment is recorded first and committed, then the provider is asked for an intent (no database
    transaction is held open across the network), keyed by the payment so a retried request cannot open a
    second intent. A provider that refuses or cannot be reached leaves the payment failed, with its reason,
    and raises ValidationError."""
    authorize(actor, roles.POST_PAYMENTS, account.creditor_id)
    _check_own_account(actor, account)
    adapter = psp.provider()
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)  # the balance as it stands
        money = _payable(account, amount)
        online_payment = OnlinePayment.objects.create(
            account=account, creditor_id=account.creditor_id, provider=adapter.name, amount_minor=money.minor,
            currency=money.currency)
        record(actor=actor, action="online_payment.started", obj=online_payment, creditor_id=account.creditor_id,
               after=_state(online_payment))
    try:
        intent = adapter.create_intent(amount=money, idempotency_key=idempotency_key(online_payment),
                                       metadata={"account": str(account.pk), "online_payment": str(online_payment.pk)})
    except ValidationError as exc:
        with transaction.atomic():
            before = _state(online_payment)
            online_payment.status = Status.FAILED
            online_payment.failure_message = " ".join(exc.messages)[:MESSAGE_LENGTH]
            online_payment.completed_at = timezone.now()
            online_payment.save(update_fields=["status", "failure_message", "completed_at"])
            record(actor=actor, action="online_payment.failed", obj=online_payment, creditor_id=account.creditor_id,
                   before=before, after=_state(online_payment))
        raise
    with transaction.atomic():
        before = _state(online_payment)
        online_payment.provider_ref = intent.provider_ref
        online_payment.client_secret = intent.client_secret
        online_payment.save(update_fields=["provider_ref", "client_secret"])
        record(actor=actor, action="online_payment.opened", obj=online_payment, creditor_id=account.creditor_id,
               before=before, after=_state(online_payment))
    return online_payment


class CardOutcome(StrEnum):
    """Where a card payment stands, in the three words a debtor is told."""

    RECEIVED = "received"
    PROCESSING = "processing"
    FAILED = "failed"


# A PaymentIntent's statuses (Stripe's "How intents work") as the debtor coming back from the card page sees them.
# Any other status is reported as processing: not confirmed yet, never as paid.
CARD_OUTCOMES = {
    "succeeded": CardOutcome.RECEIVED,
    "processing": CardOutcome.PROCESSING,
    "requires_capture": CardOutcome.PROCESSING,  # authorised but not yet captured: money not taken yet
    "requires_payment_method": CardOutcome.FAILED,  # declined; the intent takes another card
    "requires_action": CardOutcome.FAILED,  # authentication (3-D Secure) left unfinished
    "requires_confirmation": CardOutcome.FAILED,
    "canceled": CardOutcome.FAILED,
}


def card_payment_outcome(online_payment: OnlinePayment) -> CardOutcome:
    """The payment's outcome as its provider reports it now, read server side. Nothing is written: the ledger is
    posted by the provider's signed event (handle_provider_event), never on the word of a page the debtor's
    browser was sent back to. ValidationError when the provider cannot say."""
    intent = psp.provider(online_payment.provider).retrieve_intent(online_payment.provider_ref)
    return CARD_OUTCOMES.get(intent.status, CardOutcome.PROCESSING)


def handle_provider_event(*, provider_name: str, payload: bytes, signature_header: str) -> str:
    """Apply one signed provider event; returns an EventResult saying what it did.

    Raises psp.WebhookRefused when the request is not verifiably the provider's, and ValidationError
    (PaymentConflict among them) when a verified event cannot be applied: the same intent with another
    amount or currency, say. A refusal posts nothing, is audited, and is raised again on every delivery."""
    adapter = psp.provider(provider_name)
    event = adapter.verify_webhook(payload, signature_header)
    kind, intent = event["type"], event["data"]["object"]
    provider_ref = intent.get("id")
    if kind not in (SUCCEEDED, FAILED, CANCELED) or not isinstance(provider_ref, str) or not provider_ref:
        return EventResult.IGNORED
    actor = provider_actor(adapter.name)
    try:
        with transaction.atomic():
            # Locked: deliveries of the same event at once are applied one after the other.
            online_payment = (OnlinePayment.objects.select_for_update()
                              .filter(provider=adapter.name, provider_ref=provider_ref).first())
            if online_payment is None:
                logger.info("%s event %s for unknown intent %s ignored", adapter.name, event.get("id"), provider_ref)
                return EventResult.IGNORED
            if kind == SUCCEEDED:
                return _succeeded(actor, adapter, online_payment, intent)
            return _ended(actor, online_payment, kind, intent)
    except ValidationError as exc:
        _record_refusal(actor, adapter.name, event, provider_ref, exc)
        raise


def _succeeded(actor, adapter, online_payment: OnlinePayment, intent: dict) -> EventResult:
    received = adapter.amount_received(intent)
    # A redelivery carries the first posting's value date, so its content is the same payment's.
    value_date = online_payment.payment.value_date if online_payment.payment_id else today()
    outcome = post_payment(actor=actor, payment=PaymentIn(
        account_id=online_payment.account_id, amount=received, source=adapter.name,
        external_id=online_payment.provider_ref, value_date=value_date, method=Payment.Method.CARD))
    if not outcome.created and online_payment.status == Status.SUCCEEDED:
        return EventResult.ALREADY_POSTED
    before = _state(online_payment)
    online_payment.status = Status.SUCCEEDED
    online_payment.payment = outcome.payment
    online_payment.failure_message = ""
    online_payment.completed_at = timezone.now()
    online_payment.save(update_fields=["status", "payment", "failure_message", "completed_at"])
    after = _state(online_payment)
    if received.minor != online_payment.amount_minor:
        after["amount_received_minor"] = received.minor
        logger.warning("online payment %s received %s, started for %s", online_payment.pk, received.minor,
                       online_payment.amount_minor)
    record(actor=actor, action="online_payment.succeeded", obj=online_payment,
           creditor_id=online_payment.creditor_id, before=before, after=after)
    return EventResult.POSTED if outcome.created else EventResult.ALREADY_POSTED


def _ended(actor, online_payment: OnlinePayment, kind: str, intent: dict) -> EventResult:
    if online_payment.status in (Status.SUCCEEDED, Status.CANCELED):
        return EventResult.STALE
    if kind == FAILED:
        error = intent.get("last_payment_error") if isinstance(intent.get("last_payment_error"), dict) else {}
        status, result = Status.FAILED, EventResult.MARKED_FAILED
        message = str(error.get("message") or _("The payment was declined."))
    else:
        status, result = Status.CANCELED, EventResult.MARKED_CANCELED
        message = str(intent.get("cancellation_reason") or "")
    message = message[:MESSAGE_LENGTH]
    if online_payment.status == status and online_payment.failure_message == message:
        return EventResult.ALREADY_RECORDED
    before = _state(online_payment)
    online_payment.status = status
    online_payment.failure_message = message
    online_payment.completed_at = timezone.now()
    online_payment.save(update_fields=["status", "failure_message", "completed_at"])
    record(actor=actor, action=f"online_payment.{status}", obj=online_payment,
           creditor_id=online_payment.creditor_id, before=before, after=_state(online_payment))
    return result


def _record_refusal(actor, provider_name: str, event: dict, provider_ref: str, exc: ValidationError) -> None:
    """Keep a refused event in the audit trail (its own transaction: the refused one was rolled back)."""
    online_payment = OnlinePayment.objects.filter(provider=provider_name, provider_ref=provider_ref).first()
    intent = event["data"]["object"]
    logger.error("%s event %s for intent %s refused: %s", provider_name, event.get("id"), provider_ref,
                 "; ".join(exc.messages))
    record(actor=actor, action="online_payment.event_refused", obj=online_payment,
           object_type="" if online_payment else OnlinePayment._meta.label_lower,
           object_id="" if online_payment else provider_ref,
           creditor_id=online_payment.creditor_id if online_payment else None,
           after={"event": str(event.get("id")), "type": event["type"], "provider_ref": provider_ref,
                  "amount": intent.get("amount_received", intent.get("amount")),
                  "currency": intent.get("currency"), "reason": " ".join(exc.messages)})


# EPC069-12 "Quick Response Code: guidelines to enable data capture for the initiation of a SEPA credit
# transfer", version 002: at most 331 bytes, error correction M, QR version 13 at most.
EPC_MAX_BYTES = 331
EPC_NAME_LENGTH = 70
EPC_MAX_AMOUNT_MINOR = 99_999_999_999  # EUR 999,999,999.99
EPC_SVG_OPTIONS = {"scale": 4, "border": 4, "svgclass": "epc-qr", "lineclass": None}


def epc_qr_payload(*, name: str, iban: str, reference: str, bic: str = "", amount: Money | None = None) -> str:
    """The text of an EPC QR code for a SEPA credit transfer paid with a structured (RF) reference.

    One element a line: service tag BCD, version 002, character set 1 (UTF-8), identification SCT, the
    beneficiary's BIC (optional in version 002), name (at most 70 characters), IBAN, amount ("EUR12.34",
    optional), purpose (empty), structured reference. The unstructured remittance and the note to the payer
    are left out, so the text ends after the reference."""
    if amount is not None and (amount.currency != "EUR" or not 0 < amount.minor <= EPC_MAX_AMOUNT_MINOR):
        raise ValueError(f"an EPC QR code carries EUR 0.01 to 999999999.99, not {amount}")
    name = re.sub(r"\s+", " ", name).strip()[:EPC_NAME_LENGTH]
    lines = ["BCD", "002", "1", "SCT", bic.strip(), name, iban.replace(" ", "").upper(),
             f"EUR{amount.amount:.2f}" if amount is not None else "", "", reference.replace(" ", "").upper()]
    # Names in scripts of several bytes a letter may overflow the 331 bytes: shorten the name to fit.
    while len("\n".join(lines).encode()) > EPC_MAX_BYTES and lines[5]:
        lines[5] = lines[5][:-1].rstrip()
    return "\n".join(lines)


def epc_qr_svg(payload: str) -> str:
    """The payload as an inline SVG QR code, as EPC069-12 asks: byte mode, UTF-8, error correction M."""
    code = segno.make_qr(payload.encode(), error="m", boost_error=False)
    if code.version > 13:
        raise ValueError(f"EPC QR codes go up to version 13; this payload needs {code.version}")
    # segno writes only its own markup and escapes the title.
    return mark_safe(code.svg_inline(title=_("QR code for a bank transfer"), **EPC_SVG_OPTIONS))  # noqa: S308


def transfer_instructions(account: Account, amount: Money | None = None) -> dict:
    """How to pay by bank transfer: payment_instructions plus `epc_qr_svg`, a QR code a banking app scans into
    a SEPA credit transfer (for `amount` when given), for EUR accounts with a collection account; else None."""
    instructions = payment_instructions(account)
    instructions["epc_qr_svg"] = None
    if account.currency == "EUR" and instructions["iban"]:
        payload = epc_qr_payload(name=instructions["holder_name"], iban=instructions["iban"],
                                 bic=instructions["bic"] or "", reference=account.rf_reference, amount=amount)
        instructions["epc_qr_svg"] = epc_qr_svg(payload)
    return instructions
