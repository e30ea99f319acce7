"""Reading import files row by row, never whole: CSV through the csv module, XLSX through openpyxl's
read-only mode. Each row comes out as (row number, {header: value}); row 1 is the header, so the
numbers are the ones a spreadsheet shows."""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class FileFormat:
    delimiter: str = ","
    encoding: str = "utf-8-sig"


def file_error(message: str) -> ValidationError:
    return ValidationError(message, code="file")


def is_xlsx(file_name: str) -> bool:
    return file_name.lower().endswith(XLSX_SUFFIXES)


def read_rows(path: Path, file_name: str, fmt: FileFormat, expected: list[str]) -> Iterator[tuple[int, dict]]:
    """The file's data rows; raises a file error (code "file") for a file that cannot be read as such,
    or whose header lacks one of the `expected` columns. Entirely empty rows are skipped."""
    rows = _xlsx_rows(path) if is_xlsx(file_name) else _csv_rows(path, fmt)
    header = None
    for number, values in rows:
        if header is None:
            if not any(_blank(v) is False for v in values):
                continue
            header = [("" if v is None else str(v)).strip().lstrip("\ufeff") for v in values]
            missing = [name for name in expected if name not in header]
            if missing:
                raise file_error(_("The header (row %(row)s) lacks the column(s) %(columns)s that the profile maps.")
                                 % {"row": number, "columns": ", ".join(f"“{m}”" for m in missing)})
            continue
        if all(_blank(v) for v in values):
            continue
        yield number, {name: values[i] if i < len(values) else None for i, name in enumerate(header) if name}
    if header is None:
        raise file_error(_("The file has no header row and no data."))


def check_file(path: Path, file_name: str, fmt: FileFormat, expected: list[str]) -> None:
    """Before a file is taken in (an upload): a CSV or XLSX file by its name and by its content, readable in
    the profile's encoding to its last line, with the header the profile maps and at least one row.
    Raises a file error that says which of these it is not; reads the file, keeps nothing."""
    name = file_name.lower()
    if not name.endswith(CSV_SUFFIXES + XLSX_SUFFIXES):
        raise file_error(_("“%(name)s” is neither a CSV file (.csv, .txt) nor an XLSX workbook (.xlsx); only those "
                           "can be imported.") % {"name": file_name})
    with open(path, "rb") as raw:
        start = raw.read(4)
        if not start:
            raise file_error(_("The file is empty."))
        if is_xlsx(name) and start != ZIP_MAGIC:
            raise file_error(_("The file is named as an XLSX workbook but is not one (a CSV file saved under "
                               "another name?)."))
    with closing(read_rows(path, file_name, fmt, expected)) as rows:
        first = next(rows, None)
    if not is_xlsx(name):
        with open(path, "rb") as raw:
            for _line in _decoded_lines(raw, fmt.encoding):  # an undecodable byte anywhere, not only at the top
                pass
    if first is None:
        raise file_error(_("The file has its header but no rows to import."))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decoded_lines(raw, encoding: str):
    """Lines decoded one at a time, so that a byte the encoding lacks is reported on its own line."""
    decoder = codecs.getincrementaldecoder(encoding)()
    for number, line in enumerate(raw, start=1):
        if b"\x00" in line:
            raise file_error(_("Line %(line)s holds binary data: this is not a CSV text file.") % {"line": number})
        try:
            yield decoder.decode(line)
        except UnicodeDecodeError:
            raise file_error(_("Line %(line)s is not %(encoding)s text: is this the right encoding for the "
                               "profile, or a CSV file at all?") % {"line": number, "encoding": encoding}) from None


def _csv_rows(path: Path, fmt: FileFormat) -> Iterator[tuple[int, list]]:
    with open(path, "rb") as raw:
        if raw.read(4) == ZIP_MAGIC:
            raise file_error(_("This file is a spreadsheet workbook (XLSX), not CSV text; give it an .xlsx name."))
        raw.seek(0)
        reader = csv.reader(_decoded_lines(raw, fmt.encoding), delimiter=fmt.delimiter, strict=True)
        number = 0
        try:
            for number, values in enumerate(reader, start=1):  # noqa: B007 - the number names the failing row
                yield number, values
        except csv.Error as exc:
            raise file_error(_("Row %(row)s cannot be read as CSV (%(problem)s): is this a CSV file?")
                             % {"row": number + 1, "problem": exc}) from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    stream = open(path, "rb")  # noqa: SIM115 - a file object, as a stored file has no .xlsx name; closed below
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        stream.close()
        raise file_error(_("This file cannot be opened as an XLSX workbook: it is damaged or of another "
                           "kind.")) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise file_error(_("The workbook has no sheet."))
        # A read-only sheet may not know its size; row numbers are counted, as the sheet shows them.
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise file_error(_("The workbook is damaged (%(problem)s).") % {"problem": exc}) from None
    finally:
        workbook.close()
        stream.close()
