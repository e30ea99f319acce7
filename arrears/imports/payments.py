"""The payment side of a file import: rows become ledger payments, checked by the ledger's own rules
and posted through `post_payments` (once per creditor, source and payment id)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from arrears.core.clock import business_date as today
from arrears.core.money import Money
from arrears.imports import columns as cols
from arrears.ledger.models import Payment
from arrears.ledger.services import PaymentIn, post_payments, validate_payments
from arrears.portfolio.models import Account

ROW_INDEX = re.compile(r"^payments\[(\d+)\]\.")


def _payments_of(batch, chunk) -> tuple[list[cols.MappedRow], list[PaymentIn], dict[int, Account]]:
    """The rows that read cleanly, as PaymentIn for their accounts (found by the creditor's reference)."""
    references = {m.values["creditor_reference"] for m in chunk if not m.errors}
    accounts = {a.creditor_reference: a for a in Account.objects.filter(creditor_id=batch.creditor_id,
                                                                        creditor_reference__in=references)}
    rows, payments = [], []
    for mapped in chunk:
        if mapped.errors:
            continue
        values = mapped.values
        account = accounts.get(values["creditor_reference"])
        if account is None:
            mapped.errors["creditor_reference"] = [_("%(creditor)s has no account %(ref)s.")
                                                   % {"creditor": batch.creditor.code,
                                                      "ref": values["creditor_reference"]}]
            continue
        try:
            amount = Money.of(values["amount"], values["currency"] or account.currency, "amount")
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                mapped.errors.setdefault("currency" if key == "currency" else "amount", []).extend(messages)
            continue
        rows.append(mapped)
        payments.append(PaymentIn(account_id=account.pk, amount=amount, source=batch.profile.payment_source,
                                  external_id=values["external_id"], value_date=values["value_date"],
                                  method=values["method"]))
    return rows, payments, {a.pk: a for a in accounts.values()}


def _by_row(rows, exc: ValidationError) -> set[int]:
    """Spread a ledger error over the rows it names; returns their indexes (all rows if it names none)."""
    named = set()
    for key, messages in (exc.message_dict if hasattr(exc, "error_dict") else {"payments": exc.messages}).items():
        match = ROW_INDEX.match(key)
        targets = [int(match.group(1))] if match else range(len(rows)) if len(rows) != 1 else [0]
        for index in targets:
            rows[index].errors.setdefault(cols.field_of(key, {}), []).extend(messages)
            named.add(index)
    return named


def check_payments(batch, chunk) -> None:
    """Validate a chunk of payment rows as the ledger would, writing nothing; errors land on the rows."""
    rows, payments, accounts = _payments_of(batch, chunk)
    if not payments:
        return
    try:
        validate_payments(payments, accounts, today(), single=False)
    except ValidationError as exc:
        _by_row(rows, exc)
    # The same payment id received before with other content would be refused as a conflict.
    known = dict(Payment.objects.filter(creditor_id=batch.creditor_id, source=batch.profile.payment_source,
                                        external_id__in=[p.external_id for p in payments])
                 .values_list("external_id", "fingerprint"))
    first_in_chunk: dict[str, str] = {}
    for mapped, payment in zip(rows, payments, strict=True):
        fingerprint = payment.fingerprint()
        earlier = known.get(payment.external_id) or first_in_chunk.setdefault(payment.external_id, fingerprint)
        if earlier != fingerprint:
            mapped.errors.setdefault("external_id", []).append(
                _("Payment %(id)s was already received with different details (amount, date, account or "
                  "method).") % {"id": payment.external_id})


def apply_payments(actor, batch, todo, all_or_nothing: bool, tally) -> int:
    """Post a chunk. All or nothing: the chunk posts whole or not at all. Valid rows only: a row the
    ledger refuses is reported and the rest of the chunk posted without it."""
    rows, payments, _accounts = _payments_of(batch, todo)
    if all_or_nothing and len(rows) != len(todo):
        return 0
    while payments:
        try:
            outcomes = post_payments(actor=actor, payments=payments)
        except ValidationError as exc:
            refused = _by_row(rows, exc)
            if all_or_nothing or not refused:
                return 0
            rows = [m for i, m in enumerate(rows) if i not in refused]
            payments = [p for i, p in enumerate(payments) if i not in refused]
            continue
        for outcome in outcomes:
            tally["posted" if outcome.created else "already posted"] += 1
        return len(outcomes)
    return 0
