"""ISO 20022 camt.053 (bank-to-customer statement), versions 001.02 to 001.08, read as a stream.

Each `Ntry` is read when its closing tag arrives and then dropped, so a file of tens of thousands of
entries is read in one pass with flat memory. An entry with several `TxDtls` (a batch booking) gives
one line per transaction.
"""

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET  # noqa: S405 - DTDs are refused before parsing (see parse_camt053)

from django.utils.translation import gettext as _

from arrears.payments.statement_files import ParsedLine, ParsedStatement, StatementFileError, parse_amount

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.0([2-8])$")
NOT_PROVIDED = "NOTPROVIDED"


class _Paths:
    """Element paths qualified with the document's namespace, built once per file."""

    def __init__(self, uri: str):
        self.uri = uri
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        qualified = self._cache.get(path)
        if qualified is None:
            qualified = "/".join(f"{{{self.uri}}}{part}" for part in path.split("/"))
            self._cache[path] = qualified
        return qualified


def _text(elem, path: str, q: _Paths) -> str:
    found = elem.find(q(path))
    return (found.text or "").strip() if found is not None else ""


def _first_text(elem, paths: list[str], q: _Paths) -> str:
    for path in paths:
        if value := _text(elem, path, q):
            return value
    return ""


def _date(elem, path: str, q: _Paths) -> dt.date | None:
    """`Dt` or `DtTm` under `path`; a date-time counts by the date the bank wrote."""
    value = _first_text(elem, [f"{path}/Dt", f"{path}/DtTm"], q)
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise StatementFileError(_("“%(value)s” is not a date.") % {"value": value}) from None


def _amount(elem, q: _Paths, where: str) -> tuple[int, str] | None:
    amt = elem.find(q("Amt"))
    if amt is None:
        return None
    currency = (amt.get("Ccy") or "").strip()
    if not currency:
        raise StatementFileError(_("The amount has no currency (Ccy)."), where)
    return parse_amount(amt.text or "", currency, where), currency


def _direction(text: str, where: str) -> bool:
    if text == "CRDT":
        return True
    if text == "DBIT":
        return False
    raise StatementFileError(_("Credit or debit (CdtDbtInd) must be CRDT or DBIT, not “%(value)s”.")
                             % {"value": text}, where)


def _transaction_amount(tx, q: _Paths, where: str) -> tuple[int, str] | None:
    """The transaction's amount in the account's currency where the bank gives it."""
    for path in ("AmtDtls/TxAmt", ""):
        holder = tx.find(q(path)) if path else tx
        if holder is not None and (found := _amount(holder, q, where)) is not None:
            return found
    return None


def _party(tx, q: _Paths, is_credit: bool) -> tuple[str, str]:
    role = "Dbtr" if is_credit else "Cdtr"
    name = _first_text(tx, [f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm"], q)
    iban = _text(tx, f"RltdPties/{role}Acct/Id/IBAN", q).replace(" ", "").upper()
    return name[:140], iban[:34]


def _entry_lines(entry, q: _Paths, ordinal: int) -> list[ParsedLine]:
    where = _("entry %(n)d") % {"n": ordinal}
    amount = _amount(entry, q, where)
    if amount is None:
        raise StatementFileError(_("The entry has no amount (Amt)."), where)
    is_credit = _direction(_text(entry, "CdtDbtInd", q), where)
    try:
        booking_date = _date(entry, "BookgDt", q)
        value_date = _date(entry, "ValDt", q)
    except StatementFileError as exc:
        raise StatementFileError(exc.messages[0], where) from None
    booking_date = booking_date or value_date
    if booking_date is None:
        raise StatementFileError(_("The entry has neither a booking date nor a value date."), where)
    value_date = value_date or booking_date
    status = _first_text(entry, ["Sts/Cd", "Sts"], q)
    is_reversal = _text(entry, "RvslInd", q).lower() == "true"
    entry_reference = _text(entry, "AcctSvcrRef", q) or _text(entry, "NtryRef", q)

    transactions = entry.findall(q("NtryDtls/TxDtls"))
    lines = []
    for number, tx in enumerate(transactions or [None], start=1):
        tx_where = where if len(transactions) <= 1 else _("entry %(n)d, transaction %(t)d") % {
            "n": ordinal, "t": number}
        line_amount, currency, line_credit = amount[0], amount[1], is_credit
        if tx is not None and len(transactions) > 1:
            found = _transaction_amount(tx, q, tx_where)
            if found is None:
                raise StatementFileError(_("The transaction has no amount (Amt)."), tx_where)
            line_amount, currency = found
            if indicator := _text(tx, "CdtDbtInd", q):
                line_credit = _direction(indicator, tx_where)
        line = ParsedLine(booking_date=booking_date, value_date=value_date, amount_minor=line_amount,
                          currency=currency, is_credit=line_credit, is_reversal=is_reversal,
                          is_booked=status in ("", "BOOK"))
        if tx is not None:
            line.remittance_text = " ".join(
                (u.text or "").strip() for u in tx.findall(q("RmtInf/Ustrd")) if u.text)[:1000]
            line.structured_reference = _text(tx, "RmtInf/Strd/CdtrRefInf/Ref", q)[:35]
            line.counterparty_name, line.counterparty_iban = _party(tx, q, line_credit)
            own = _text(tx, "Refs/AcctSvcrRef", q)
            end_to_end = _text(tx, "Refs/EndToEndId", q)
            if own:
                line.entry_reference = own
            elif entry_reference:
                line.entry_reference = entry_reference if len(transactions) == 1 else f"{entry_reference}/{number}"
            elif end_to_end and end_to_end != NOT_PROVIDED:
                line.entry_reference = end_to_end
        else:
            line.entry_reference = entry_reference
        lines.append(line)
    return lines


def _refuse_dtd(content: bytes) -> None:
    # Banks never send a DTD; refusing one rules out entity expansion and external entities.
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise StatementFileError(_("The file declares a document type; camt.053 statements never do."))


def parse_camt053(content: bytes) -> ParsedStatement:
    """Read a camt.053 message; any problem raises StatementFileError naming the entry."""
    _refuse_dtd(content)
    statement = ParsedStatement()
    q: _Paths | None = None
    stack: list = []
    ordinal = 0
    try:
        for event, elem in ET.iterparse(io.BytesIO(content), events=("start", "end")):  # noqa: S314
            if event == "start":
                if q is None:
                    q = _root_paths(elem.tag)
                stack.append(elem)
                continue
            stack.pop()
            tag = elem.tag
            if tag == q("Ntry"):
                ordinal += 1
                statement.lines.extend(_entry_lines(elem, q, ordinal))
                elem.clear()
                if stack:
                    stack[-1].remove(elem)  # the statement keeps no trace of entries already read
            elif tag == q("GrpHdr"):
                statement.message_id = _text(elem, "MsgId", q)[:100]
            elif tag == q("Stmt"):
                statement.statement_ids.append(_text(elem, "Id", q))
                if iban := _text(elem, "Acct/Id/IBAN", q):
                    statement.account_ibans.add(iban.replace(" ", "").upper())
                elem.clear()
    except ET.ParseError as exc:
        raise StatementFileError(_("The file is not well-formed XML (%(error)s).") % {"error": exc}) from None
    if q is None:
        raise StatementFileError(_("The file is empty."))
    if not statement.statement_ids:
        raise StatementFileError(_("The message holds no statement (Stmt)."))
    return statement


def _root_paths(tag: str) -> _Paths:
    uri, _sep, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if local != "Document" or not NAMESPACE.match(uri):
        raise StatementFileError(
            _("This is not a camt.053 statement (versions 001.02 to 001.08): the root element is “%(tag)s”.")
            % {"tag": tag})
    return _Paths(uri)
