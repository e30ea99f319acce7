"""Banks' CSV exports, read through a small explicit column mapping.

Columns are named by their header text or by position (0-based). Greek, Polish and Spanish banks
write decimal commas ("1.234,56", "1 234,56") and export in cp1253 or cp1250; both are supported.
A negative amount is a debit unless a credit/debit column says otherwise.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arrears.payments.statement_files import ParsedLine, ParsedStatement, StatementFileError, parse_amount

ENCODINGS = ("utf-8", "utf-8-sig", "cp1253", "cp1250")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y")
FIELDS = ("date", "value_date", "amount", "currency", "reference", "name", "iban", "entry_reference",
          "direction")
REQUIRED = ("date", "amount")
CREDIT_MARKS = frozenset({"c", "cr", "crdt", "credit", "πίστωση", "uznanie", "abono", "haber"})


@dataclass(frozen=True)
class CsvColumns:
    """Which column holds what. `reference` is the remittance text (where RF references are found)."""

    date: str
    amount: str
    currency: str = ""
    reference: str = ""
    name: str = ""
    iban: str = ""
    entry_reference: str = ""
    value_date: str = ""
    direction: str = ""
    delimiter: str = ";"
    decimal_comma: bool = False
    encoding: str = "utf-8-sig"
    date_format: str = ""
    default_currency: str = ""

    @classmethod
    def from_text(cls, text: str, **options) -> "CsvColumns":
        """`date=Booking date,amount=Amount,reference=Details` (the CLI's --csv-columns)."""
        values = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, column = part.partition("=")
            if not sep or key.strip() not in FIELDS:
                raise StatementFileError(_("“%(part)s” is not a column mapping; use name=column with name one "
                                           "of %(names)s.") % {"part": part, "names": ", ".join(FIELDS)})
            values[key.strip()] = column.strip()
        return cls.build(**values, **options)

    @classmethod
    def build(cls, **values) -> "CsvColumns":
        missing = [name for name in REQUIRED if not values.get(name)]
        if missing:
            raise StatementFileError(_("The column mapping needs %(names)s.") % {"names": ", ".join(missing)})
        if values.get("encoding", "utf-8-sig") not in ENCODINGS:
            raise StatementFileError(_("Encoding “%(value)s” is not supported; use one of %(names)s.")
                                     % {"value": values["encoding"], "names": ", ".join(ENCODINGS)})
        if len(values.get("delimiter", ";")) != 1:
            raise StatementFileError(_("The delimiter must be one character."))
        return cls(**values)


def _number(text: str, decimal_comma: bool) -> str:
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if decimal_comma:
        return cleaned.replace(".", "").replace(",", ".")
    return cleaned.replace(",", "")


def _parse_date(text: str, fmt: str, where: str) -> dt.date:
    for candidate in ([fmt] if fmt else DATE_FORMATS):
        try:
            return dt.datetime.strptime(text.strip(), candidate).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise StatementFileError(_("“%(value)s” is not a date.") % {"value": text}, where)


def parse_csv_statement(content: bytes, columns: CsvColumns) -> ParsedStatement:
    try:
        text = content.decode(columns.encoding)
    except UnicodeDecodeError as exc:
        raise StatementFileError(_("The file is not in %(encoding)s (byte %(at)d).")
                                 % {"encoding": columns.encoding, "at": exc.start}) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=columns.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise StatementFileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise StatementFileError(_("The file is not CSV (%(error)s).") % {"error": exc}) from None
    header = [h.strip() for h in header]
    positions = {name: _position(header, getattr(columns, name)) for name in FIELDS if getattr(columns, name)}
    statement = ParsedStatement(statement_ids=[""])
    try:
        for row_number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            statement.lines.append(_line(row, positions, columns, _("row %(n)d") % {"n": row_number}))
    except csv.Error as exc:
        raise StatementFileError(_("The file is not CSV (%(error)s).") % {"error": exc}) from None
    return statement


def _position(header: list[str], column: str) -> int:
    if column in header:
        return header.index(column)
    if column.isdigit() and int(column) < len(header):
        return int(column)
    raise StatementFileError(_("The file has no column “%(column)s”; its columns are: %(header)s.")
                             % {"column": column, "header": ", ".join(header)})


def _line(row: list[str], positions: dict, columns: CsvColumns, where: str) -> ParsedLine:
    def cell(name: str) -> str:
        at = positions.get(name)
        if at is None:
            return ""
        if at >= len(row):
            raise StatementFileError(ngettext("The row has %(count)d column, fewer than the mapping needs.",
                                              "The row has %(count)d columns, fewer than the mapping needs.",
                                              len(row)) % {"count": len(row)}, where)
        return row[at].strip()

    currency = (cell("currency") or columns.default_currency).upper()
    if not currency:
        raise StatementFileError(_("The row has no currency."), where)
    raw_amount = _number(cell("amount"), columns.decimal_comma)
    if not raw_amount:
        raise StatementFileError(_("The row has no amount."), where)
    negative = raw_amount.startswith("-")
    amount = parse_amount(raw_amount.lstrip("+-"), currency, where)
    is_credit = not negative
    if marker := cell("direction").casefold():
        is_credit = marker in CREDIT_MARKS
    booking_date = _parse_date(cell("date"), columns.date_format, where)
    value_text = cell("value_date")
    value_date = _parse_date(value_text, columns.date_format, where) if value_text else booking_date
    return ParsedLine(
        booking_date=booking_date, value_date=value_date, amount_minor=amount, currency=currency,
        is_credit=is_credit, entry_reference=cell("entry_reference")[:80], remittance_text=cell("reference")[:1000],
        counterparty_name=cell("name")[:140], counterparty_iban=cell("iban").replace(" ", "").upper()[:34],
    )
