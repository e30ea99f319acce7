"""`arrears import statement FILE --collection-account IBAN`: import a bank statement from the command line."""

import argparse
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from arrears.core.actors import SystemActor
from arrears.payments.csv_statements import ENCODINGS, CsvColumns
from arrears.payments.models import BankStatement, CollectionAccount, StatementLine
from arrears.payments.services import import_statement

OPERATOR = SystemActor("cli")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arrears import statement")
    parser.add_argument("file", help=_("the statement file (camt.053 XML or CSV)"))
    parser.add_argument("--collection-account", required=True, metavar="IBAN",
                        help=_("the collection account the statement belongs to"))
    parser.add_argument("--format", choices=BankStatement.Format.values, default=None,
                        help=_("camt053 or csv; by default from the file's extension"))
    parser.add_argument("--csv-columns", default="",
                        help=_("for CSV: date=COLUMN,amount=COLUMN[,currency=..,reference=..,name=..,iban=..,"
                               "entry_reference=..,value_date=..,direction=..] by header text or 0-based position"))
    parser.add_argument("--csv-delimiter", default=";")
    parser.add_argument("--csv-decimal-comma", action="store_true", help=_("amounts are written 1.234,56"))
    parser.add_argument("--csv-encoding", default="utf-8-sig", choices=ENCODINGS)
    parser.add_argument("--csv-date-format", default="", help=_("e.g. %%d/%%m/%%Y; by default common formats"))
    return parser


def _format(args) -> str:
    if args.format:
        return args.format
    return BankStatement.Format.CSV if args.file.lower().endswith(".csv") else BankStatement.Format.CAMT053


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def main(argv) -> int:
    if argv and argv[0] == "statement":
        argv = argv[1:]
    args = _parser().parse_args(argv)
    iban = args.collection_account.replace(" ", "").upper()
    collection_account = CollectionAccount.objects.filter(iban=iban).first()
    if collection_account is None:
        return _fail(_("No collection account has IBAN %(iban)s.") % {"iban": iban})
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        return _fail(_("Cannot read %(file)s: %(error)s") % {"file": args.file, "error": exc.strerror})
    fmt = _format(args)
    try:
        columns = None
        if fmt == BankStatement.Format.CSV:
            columns = CsvColumns.from_text(args.csv_columns, delimiter=args.csv_delimiter,
                                           decimal_comma=args.csv_decimal_comma, encoding=args.csv_encoding,
                                           date_format=args.csv_date_format)
        result = import_statement(actor=OPERATOR, collection_account=collection_account, file_name=path.name,
                                  content=content, fmt=fmt, csv_columns=columns)
    except ValidationError as exc:
        messages = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
        return _fail("\n".join(f"{field}: {' '.join(texts)}" if field else " ".join(texts)
                               for field, texts in messages))
    except PermissionDenied as exc:
        return _fail(str(exc))
    statement = result.statement
    methods = StatementLine.MatchMethod
    print(_("Statement %(id)d: %(lines)d lines from %(file)s") % {"id": statement.pk, "lines": statement.line_count,
                                                                   "file": statement.file_name})
    for method in methods:
        if result.matched_by.get(method.value):
            print(_("  matched by %(method)s: %(count)d") % {"method": method.label,
                                                            "count": result.matched_by[method.value]})
    print(_("  unmatched: %(count)d") % {"count": statement.unmatched_count})
    print(_("  ignored: %(count)d") % {"count": statement.ignored_count})
    print(_("  payments posted: %(count)d (already posted before: %(earlier)d)")
          % {"count": result.posted, "earlier": result.already_posted})
    print(_("  %(seconds).2f seconds") % {"seconds": result.seconds})
    return 0
