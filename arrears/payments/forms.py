"""The back office's upload of a bank statement: a camt.053 or CSV file for one collection account the user
may post payments to, checked before anything is stored; the import itself is payments.services'."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.payments import services
from arrears.payments.csv_statements import ENCODINGS, CsvColumns
from arrears.payments.models import BankStatement, CollectionAccount

MAX_STATEMENT_BYTES = 50 * 2**20  # a statement is read whole; banks' daily files are far smaller
SUFFIXES = {BankStatement.Format.CAMT053: (".xml",), BankStatement.Format.CSV: (".csv", ".txt")}
ZIP_MAGIC = b"PK\x03\x04"


class StatementUploadForm(forms.Form):
    collection_account = forms.ModelChoiceField(label=_("Collection account"),
                                                queryset=CollectionAccount.objects.none())
    source_format = forms.ChoiceField(label=_("Format"), choices=BankStatement.Format.choices)
    file = forms.FileField(label=_("Statement file"))
    csv_columns = forms.CharField(
        label=_("CSV columns"), required=False, max_length=500,
        help_text=_("CSV only: date=COLUMN,amount=COLUMN and optionally currency, reference, name, iban, "
                    "entry_reference, value_date, direction; each by its header text or 0-based position."))
    csv_delimiter = forms.CharField(label=_("CSV delimiter"), max_length=1, initial=";", required=False,
                                    strip=False)
    csv_decimal_comma = forms.BooleanField(label=_("Amounts are written 1.234,56"), required=False)
    csv_encoding = forms.ChoiceField(label=_("CSV encoding"), choices=[(e, e) for e in ENCODINGS],
                                     initial="utf-8-sig")
    csv_date_format = forms.CharField(label=_("CSV date format"), required=False, max_length=20,
                                      help_text=_("e.g. %d/%m/%Y; empty: the common formats are tried."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["collection_account"].queryset = (CollectionAccount.objects.visible_to(user, roles.POST_PAYMENTS)
                                                      .filter(is_active=True).select_related("creditor"))
        self.fields["file"].help_text = _("camt.053 XML (.xml) or a bank's CSV export (.csv, .txt), up to "
                                          "%(size)s.") % {"size": filesizeformat(MAX_STATEMENT_BYTES)}
        self.result = None

    def clean(self):
        cleaned = super().clean()
        fmt, upload = cleaned.get("source_format"), cleaned.get("file")
        if fmt and upload is not None:
            cleaned["content"] = self._content(upload, fmt)
        if fmt == BankStatement.Format.CSV:
            try:
                cleaned["columns"] = CsvColumns.from_text(
                    cleaned.get("csv_columns") or "", delimiter=cleaned.get("csv_delimiter") or ";",
                    decimal_comma=cleaned.get("csv_decimal_comma", False),
                    encoding=cleaned.get("csv_encoding") or "utf-8-sig",
                    date_format=cleaned.get("csv_date_format") or "")
            except ValidationError as exc:
                self.add_error("csv_columns", exc.messages)
            content = cleaned.get("content")
            if content is not None and "columns" in cleaned:
                try:
                    content.decode(cleaned["columns"].encoding)
                except UnicodeDecodeError as exc:
                    self.add_error("file", _("The file is not %(encoding)s text (byte %(at)s); choose its encoding.")
                                   % {"encoding": cleaned["columns"].encoding, "at": exc.start})
        return cleaned

    def _content(self, upload, fmt: str) -> bytes | None:
        if upload.size > MAX_STATEMENT_BYTES:
            self.add_error("file", _("The file is %(size)s; a statement may be at most %(max)s.")
                           % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_STATEMENT_BYTES)})
            return None
        if not upload.name.lower().endswith(SUFFIXES[fmt]):
            self.add_error("file", _("“%(name)s” is not a %(format)s file (%(suffixes)s).")
                           % {"name": upload.name, "format": BankStatement.Format(fmt).label,
                              "suffixes": ", ".join(SUFFIXES[fmt])})
            return None
        content = upload.read()
        head = content[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
        if content.startswith(ZIP_MAGIC) or (fmt == BankStatement.Format.CSV and b"\x00" in content[:65536]):
            self.add_error("file", _("This is a binary file (a spreadsheet workbook?), not a statement; export the "
                                     "statement as camt.053 XML or CSV text."))
            return None
        if fmt == BankStatement.Format.CAMT053 and not head.startswith(b"<"):
            self.add_error("file", _("This is not an XML file; a camt.053 statement begins with “<”."))
            return None
        return content

    def start(self):
        """Import the statement (its lines matched and posted now); a refusal becomes the form's error."""
        data = self.cleaned_data
        try:
            self.result = services.import_statement(
                actor=self.user, collection_account=data["collection_account"], file_name=data["file"].name,
                content=data["content"], fmt=data["source_format"], csv_columns=data.get("columns"))
        except ValidationError as exc:
            for name, messages in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
                self.add_error(name if name in self.fields else "file", messages)
        except PermissionDenied as exc:
            self.add_error(None, str(exc))
        return self.result
