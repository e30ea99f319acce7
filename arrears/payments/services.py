"""Every write of bank reconciliation: collection accounts, statement imports, manual matches and ignores.

An import reads the whole file first (a bad file stores nothing), then in one transaction stores the
statement, matches its credit lines chunk by chunk and posts the matched ones through the ledger's
idempotent `post_payments`. A line's payment id is the collection account's IBAN and the bank's entry
reference, so a booking that comes again in another file finds its payment and posts nothing new.
"""

import datetime as dt
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from arrears.core import roles
from arrears.core.actors import audit_identity, authorize
from arrears.core.audit import record, snapshot
from arrears.core.bulk import insert_objects
from arrears.core.clock import business_date as today
from arrears.core.money import Money, check_currency
from arrears.ledger.models import Payment
from arrears.ledger.services import VALUE_DATE_LEEWAY, PaymentIn, post_payments
from arrears.payments.camt053 import parse_camt053
from arrears.payments.csv_statements import CsvColumns, parse_csv_statement
from arrears.payments.matching import ChunkMatcher
from arrears.payments.models import BankStatement, CollectionAccount, StatementLine
from arrears.payments.statement_files import ParsedLine, StatementFileError, file_digest
from arrears.portfolio.models import Account, Creditor, Portfolio

SOURCE = "bank"
CHUNK = 1000  # lines matched and posted together; post_payments takes batches of up to 1,000
Status = StatementLine.Status
COLLECTION_ACCOUNT_FIELDS = ["creditor_id", "portfolio_id", "iban", "bic", "holder_name", "currency", "is_active"]


def _valid_iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException:
        raise ValidationError({"iban": _("“%(value)s” is not a valid IBAN.") % {"value": value}}) from None


def clean_collection_account_values(values: dict) -> dict:
    """Validate a collection account's values (also the back office form's validation); returns them with
    IBAN and BIC in their compact form."""
    errors = {}
    values = dict(values)
    creditor, portfolio = values.get("creditor"), values.get("portfolio")
    try:
        values["iban"] = _valid_iban(values.get("iban") or "")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if values.get("bic"):
        try:
            values["bic"] = BIC(values["bic"]).compact
        except SchwiftyException:
            errors["bic"] = [_("“%(value)s” is not a valid BIC.") % {"value": values["bic"]}]
    try:
        check_currency(values.get("currency") or "")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    values["holder_name"] = (values.get("holder_name") or "").strip()[:140]
    if not values["holder_name"]:
        errors["holder_name"] = [_("Give the account holder's name as the bank has it.")]
    if portfolio is not None and creditor is not None and portfolio.creditor_id != creditor.pk:
        errors["portfolio"] = [_("Portfolio %(portfolio)s belongs to another creditor.") % {"portfolio": portfolio}]
    if "iban" not in errors and CollectionAccount.objects.filter(iban=values["iban"]).exists():
        errors["iban"] = [_("IBAN %(iban)s is already a collection account.") % {"iban": values["iban"]}]
    if errors:
        raise ValidationError(errors)
    return values


def create_collection_account(*, actor, creditor: Creditor, iban: str, holder_name: str, currency: str,
                              bic: str = "", portfolio: Portfolio | None = None,
                              is_active: bool = True) -> CollectionAccount:
    """A bank account debtors of `creditor` (or of one of its portfolios) pay into."""
    authorize(actor, roles.MANAGE_CREDITORS, creditor.pk)
    values = clean_collection_account_values({"creditor": creditor, "portfolio": portfolio, "iban": iban,
                                              "bic": bic, "holder_name": holder_name, "currency": currency})
    with transaction.atomic():
        account = CollectionAccount.objects.create(
            creditor=creditor, portfolio=portfolio, iban=values["iban"], bic=values.get("bic") or "",
            holder_name=values["holder_name"], currency=currency, is_active=is_active)
        record(actor=actor, action="collection_account.created", obj=account, creditor_id=creditor.pk,
               after=snapshot(account, COLLECTION_ACCOUNT_FIELDS))
    return account


@dataclass
class StatementImport:
    """What an import did, for the CLI and the back office to report."""

    statement: BankStatement
    matched_by: Counter = field(default_factory=Counter)
    posted: int = 0
    already_posted: int = 0
    seconds: float = 0.0


def _payment_id(iban: str, reference: str) -> str:
    external_id = f"{iban}/{reference}"
    if len(external_id) > 100:  # Payment.external_id's length; a long reference is kept by its digest
        external_id = f"{iban}/{hashlib.sha256(reference.encode()).hexdigest()[:40]}"
    return external_id


def _refuse_duplicate(digest: str) -> None:
    earlier = BankStatement.objects.filter(sha256=digest).first()
    if earlier is not None:
        raise ValidationError({"file": ValidationError(
            _("This file was already imported as “%(name)s” on %(when)s by %(who)s (statement %(id)d); it is "
              "not imported twice.") % {"name": earlier.file_name, "when": earlier.imported_at.date().isoformat(),
                                        "who": earlier.created_by_label, "id": earlier.pk},
            code="duplicate")})


def _parse(content: bytes, fmt: str, collection_account: CollectionAccount, csv_columns: CsvColumns | None):
    if fmt == BankStatement.Format.CAMT053:
        parsed = parse_camt053(content)
        if parsed.account_ibans and parsed.account_ibans != {collection_account.iban}:
            raise StatementFileError(_("The statement is for %(ibans)s, not for collection account %(iban)s.")
                                     % {"ibans": ", ".join(sorted(parsed.account_ibans)),
                                        "iban": collection_account.iban})
        return parsed
    if fmt == BankStatement.Format.CSV:
        if csv_columns is None:
            raise StatementFileError(_("A CSV statement needs a column mapping."))
        if not csv_columns.default_currency:
            csv_columns = CsvColumns(**{**csv_columns.__dict__, "default_currency": collection_account.currency})
        return parse_csv_statement(content, csv_columns)
    raise StatementFileError(_("“%(value)s” is not a statement format; use camt053 or csv.") % {"value": fmt})


def _new_line(statement: BankStatement, number: int, parsed: ParsedLine, external_id: str,
              business_date: dt.date) -> StatementLine:
    line = StatementLine(
        statement=statement, line_number=number, entry_reference=parsed.entry_reference[:100],
        external_id=external_id, booking_date=parsed.booking_date, value_date=parsed.value_date,
        amount_minor=parsed.amount_minor, currency=parsed.currency,
        direction=StatementLine.Direction.CREDIT if parsed.is_credit else StatementLine.Direction.DEBIT,
        is_reversal=parsed.is_reversal, remittance_text=parsed.remittance_text,
        structured_reference=parsed.structured_reference, counterparty_name=parsed.counterparty_name,
        counterparty_iban=parsed.counterparty_iban, status=Status.UNMATCHED)
    if not parsed.is_credit:
        line.status, line.note = Status.IGNORED, _("A debit: money paid out, not received.")
    elif parsed.is_reversal:
        line.status, line.note = Status.IGNORED, _("A reversal of an earlier booking.")
    elif not parsed.is_booked:
        line.status, line.note = Status.IGNORED, _("Not booked yet (pending); it is read again once booked.")
    elif parsed.amount_minor == 0:
        line.status, line.note = Status.IGNORED, _("An amount of zero.")
    elif parsed.value_date > business_date + VALUE_DATE_LEEWAY:
        line.note = _("Value date %(date)s is in the future.") % {"date": parsed.value_date.isoformat()}
    return line


def _external_ids(collection_account: CollectionAccount, lines: list[ParsedLine]) -> list[str]:
    """One payment id per line, stable across files; a file without references falls back on content."""
    seen = Counter()
    ids = []
    for parsed in lines:
        reference = parsed.entry_reference or f"c:{parsed.content_key()}"
        seen[reference] += 1
        if seen[reference] > 1:  # the same reference twice in one file: keep both bookings apart
            reference = f"{reference}#{seen[reference]}"
        ids.append(_payment_id(collection_account.iban, reference))
    return ids


def _post_chunk(actor, creditor_id: int, lines: list[StatementLine], result: StatementImport,
                business_date: dt.date) -> None:
    matched = [line for line in lines if line.account_id is not None]
    if not matched:
        return
    payments = [PaymentIn(account_id=line.account_id, amount=Money(line.amount_minor, line.currency),
                          source=SOURCE, external_id=line.external_id, value_date=line.value_date,
                          method=Payment.Method.TRANSFER) for line in matched]
    # A payment id seen before with other details (another account, amount or date) would fail the
    # whole batch in post_payments: such a line waits in the queue with the reason instead.
    earlier = dict(Payment.objects.filter(creditor_id=creditor_id, source=SOURCE,
                                          external_id__in=[p.external_id for p in payments])
                   .values_list("external_id", "fingerprint"))  # a chunk is at most 1,000 ids
    postable = []
    for line, payment in zip(matched, payments, strict=True):
        if payment.external_id in earlier and earlier[payment.external_id] != payment.fingerprint():
            line.account_id, line.match_method = None, ""
            line.note = _("Payment %(id)s was posted before with other details; check it by hand.") % {
                "id": payment.external_id}
            continue
        postable.append((line, payment))
    outcomes = post_payments(actor=actor, payments=[p for _, p in postable], business_date=business_date)
    for (line, _payment), outcome in zip(postable, outcomes, strict=True):
        line.payment_id = outcome.payment.pk
        line.status = Status.POSTED if outcome.created else Status.MATCHED
        result.matched_by[line.match_method] += 1
        result.posted += outcome.created
        result.already_posted += not outcome.created


def import_statement(*, actor, collection_account: CollectionAccount, file_name: str, content: bytes, fmt: str,
                     csv_columns: CsvColumns | None = None, business_date: dt.date | None = None) -> StatementImport:
    """Import a statement file into a collection account: store its lines, match and post credits."""
    started = time.monotonic()
    business_date = business_date or today()
    authorize(actor, roles.POST_PAYMENTS, collection_account.creditor_id)
    if not collection_account.is_active:
        raise ValidationError({"collection_account": _("Collection account %(iban)s is not active.")
                               % {"iban": collection_account.iban}})
    if not file_name.strip():
        raise ValidationError({"file_name": _("Give the statement's file name.")})
    digest = file_digest(content)
    _refuse_duplicate(digest)
    parsed = _parse(content, fmt, collection_account, csv_columns)
    user, label = audit_identity(actor)
    creditor_id = collection_account.creditor_id
    with transaction.atomic():
        try:
            with transaction.atomic():
                statement = BankStatement.objects.create(
                    collection_account=collection_account, creditor_id=creditor_id, source_format=fmt,
                    file_name=file_name.strip()[:255], sha256=digest,
                    statement_id=",".join(parsed.statement_ids)[:100], message_id=parsed.message_id,
                    created_by=user, created_by_label=label[:120], line_count=len(parsed.lines))
        except IntegrityError:  # the same file, imported at this moment by someone else
            raise ValidationError({"file": _("This file is being imported by someone else right now.")},
                                  code="duplicate") from None
        result = StatementImport(statement)
        lines = [_new_line(statement, number, line, external_id, business_date)
                 for number, (line, external_id)
                 in enumerate(zip(parsed.lines, _external_ids(collection_account, parsed.lines), strict=True), 1)]
        matcher = ChunkMatcher(creditor_id)
        for start in range(0, len(lines), CHUNK):
            chunk = lines[start:start + CHUNK]
            matcher.match([line for line in chunk if line.status == Status.UNMATCHED and not line.note])
            _post_chunk(actor, creditor_id, chunk, result, business_date)
            insert_objects(StatementLine, chunk)
        counts = Counter(line.status for line in lines)
        statement.matched_count = counts[Status.POSTED] + counts[Status.MATCHED]
        statement.unmatched_count = counts[Status.UNMATCHED]
        statement.ignored_count = counts[Status.IGNORED]
        statement.posted_count = result.posted
        statement.save(update_fields=["matched_count", "unmatched_count", "ignored_count", "posted_count"])
        record(actor=actor, action="bank_statement.imported", obj=statement, creditor_id=creditor_id, after={
            "file_name": statement.file_name, "format": fmt, "sha256": digest, "lines": len(lines),
            "matched": statement.matched_count, "unmatched": statement.unmatched_count,
            "ignored": statement.ignored_count, "posted": result.posted, "already_posted": result.already_posted,
            "matched_by": dict(result.matched_by)})
    result.seconds = time.monotonic() - started
    return result


def _lock_line(line: StatementLine) -> StatementLine:
    locked = StatementLine.objects.select_for_update(of=("self",)).select_related("statement").get(pk=line.pk)
    if locked.status != Status.UNMATCHED:
        raise ValidationError({"line": _("Line %(line)s is %(status)s, not waiting to be matched.")
                               % {"line": locked, "status": locked.get_status_display()}}, code="not_unmatched")
    return locked


LINE_FIELDS = ["status", "account_id", "payment_id", "match_method", "note"]


def match_line(*, actor, line: StatementLine, account: Account, business_date: dt.date | None = None) -> StatementLine:
    """Match an unmatched credit line to an account by hand and post its payment."""
    business_date = business_date or today()
    authorize(actor, roles.POST_PAYMENTS, line.statement.creditor_id)
    with transaction.atomic():
        locked = _lock_line(line)
        statement = locked.statement
        if locked.direction != StatementLine.Direction.CREDIT:
            raise ValidationError({"line": _("Only money received can be matched to an account.")})
        if account.creditor_id != statement.creditor_id:
            raise ValidationError({"account": _("Account %(ref)s belongs to another creditor than the statement.")
                                   % {"ref": account.creditor_reference}})
        if account.currency != locked.currency:
            raise ValidationError({"account": _("Account %(ref)s is kept in %(account)s; the line is in %(line)s.")
                                   % {"ref": account.creditor_reference, "account": account.currency,
                                      "line": locked.currency}})
        before = snapshot(locked, LINE_FIELDS)
        outcome = post_payments(actor=actor, business_date=business_date, payments=[PaymentIn(
            account_id=account.pk, amount=Money(locked.amount_minor, locked.currency), source=SOURCE,
            external_id=locked.external_id, value_date=locked.value_date, method=Payment.Method.TRANSFER)])[0]
        locked.status = Status.POSTED if outcome.created else Status.MATCHED
        locked.account_id, locked.payment_id = account.pk, outcome.payment.pk
        locked.match_method = StatementLine.MatchMethod.MANUAL
        locked.note = _("Matched by hand to %(ref)s.") % {"ref": account.creditor_reference}
        locked.save(update_fields=["status", "account", "payment", "match_method", "note"])
        BankStatement.objects.filter(pk=statement.pk).update(
            unmatched_count=F("unmatched_count") - 1, matched_count=F("matched_count") + 1,
            posted_count=F("posted_count") + int(outcome.created))
        record(actor=actor, action="statement_line.matched", obj=locked, creditor_id=statement.creditor_id,
               before=before, after=snapshot(locked, LINE_FIELDS))
    _copy(locked, line)
    return line


def ignore_line(*, actor, line: StatementLine, reason: str) -> StatementLine:
    """Take an unmatched line out of the queue (a refund, a payment for someone else) with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the line is ignored.")})
    authorize(actor, roles.POST_PAYMENTS, line.statement.creditor_id)
    with transaction.atomic():
        locked = _lock_line(line)
        before = snapshot(locked, LINE_FIELDS)
        locked.status, locked.note = Status.IGNORED, reason.strip()[:300]
        locked.save(update_fields=["status", "note"])
        BankStatement.objects.filter(pk=locked.statement_id).update(
            unmatched_count=F("unmatched_count") - 1, ignored_count=F("ignored_count") + 1)
        record(actor=actor, action="statement_line.ignored", obj=locked, creditor_id=locked.statement.creditor_id,
               before=before, after=snapshot(locked, LINE_FIELDS))
    _copy(locked, line)
    return line


def _copy(source: StatementLine, target: StatementLine) -> None:
    for name in LINE_FIELDS:
        setattr(target, name, getattr(source, name))
