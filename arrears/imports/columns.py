"""From a file's row to a placement or a payment, through the profile's column mapping, and from an
error's field path back to the column that caused it."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from arrears.core.money import Money
from arrears.ledger.models import Payment
from arrears.ledger.services import ChargeIn
from arrears.portfolio.models import AccountDebtor, ContactPoint, Debtor, Portfolio
from arrears.portfolio.placements import PlacementIn
from arrears.portfolio.services import AccountIn, ContactPointIn, DebtorIn, IdentifierIn

BALANCE_FIELDS = ["principal", "interest", "fees", "costs", "penalties"]
PERSON_FIELDS = ["kind", "given_name", "family_name", "company_name", "date_of_birth", "country",
                 "preferred_language", "id_scheme", "id_value", "phone", "email", "address_line1", "address_line2",
                 "postal_code", "city", "region"]
PLACEMENT_FIELDS = (["portfolio_code", "creditor_reference", "original_reference", "product", "contract_date",
                     "charge_off_date", "currency", "balance_due_date", *BALANCE_FIELDS]
                    + [f"debtor.{name}" for name in PERSON_FIELDS]
                    + [f"co_debtor.{name}" for name in PERSON_FIELDS] + ["co_debtor.role"])
PAYMENT_FIELDS = ["creditor_reference", "amount", "currency", "value_date", "method", "external_id"]
ADDRESS_PARTS = ["address_line1", "address_line2", "postal_code", "city", "region"]


@dataclass(frozen=True)
class Options:
    decimal_separator: str = "."
    date_format: str = "%Y-%m-%d"


@dataclass
class MappedRow:
    number: int
    values: object = None  # PlacementIn, or a dict of payment values
    errors: dict[str, list[str]] = field(default_factory=dict)  # arrears field -> messages
    sources: dict[str, str] = field(default_factory=dict)  # error path prefix -> arrears field


class _Row:
    """One row's raw values, read by arrears field name; parse failures collect as errors."""

    def __init__(self, raw: dict, columns: dict[str, str], options: Options):
        self.by_field = {name: raw.get(header) for header, name in columns.items()}
        self.options = options
        self.errors: dict[str, list[str]] = {}

    def text(self, name: str) -> str:
        value = self.by_field.get(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a phone or a reference a spreadsheet took for a number
        if isinstance(value, dt.datetime | dt.date):
            return value.isoformat()
        return str(value).strip()

    def date(self, name: str) -> dt.date | None:
        value = self.by_field.get(name)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = self.text(name)
        if not text:
            return None
        try:
            return dt.datetime.strptime(text, self.options.date_format).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            self.errors.setdefault(name, []).append(
                _("“%(value)s” is not a date in the form %(format)s.") % {"value": text,
                                                                           "format": self.options.date_format})
            return None

    def amount(self, name: str) -> str:
        """Decimal text for Money.of: spreadsheet numbers by their shortest exact repr, text by the profile's
        decimal separator (the other separator, spaces and apostrophes group thousands)."""
        value = self.by_field.get(name)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, int | Decimal):
            return str(value)
        if isinstance(value, float):
            return repr(value)
        text = re.sub(r"[\s\u00a0\u202f']", "", self.text(name))
        if self.options.decimal_separator == ",":
            return text.replace(".", "").replace(",", ".")
        return text.replace(",", "")


def _person(row: _Row, prefix: str, default_country: str, sources: dict, path: str) -> DebtorIn | None:
    get = lambda name: row.text(f"{prefix}.{name}")  # noqa: E731
    if not any(get(name) for name in ("given_name", "family_name", "company_name", "id_value")):
        return None
    kind = get("kind") or (Debtor.Kind.COMPANY if get("company_name") and not get("family_name")
                           else Debtor.Kind.PERSON)
    person = DebtorIn(country=(get("country") or default_country).upper(), kind=kind, given_name=get("given_name"),
                      family_name=get("family_name"), company_name=get("company_name"),
                      date_of_birth=row.date(f"{prefix}.date_of_birth"),
                      preferred_language=get("preferred_language").lower())
    if get("id_value") or get("id_scheme"):
        person.identifiers.append(IdentifierIn(get("id_scheme"), get("id_value")))
        sources[f"{path}.identifiers"] = f"{prefix}.id_value"
    for kind_, name in ((ContactPoint.Kind.PHONE, "phone"), (ContactPoint.Kind.EMAIL, "email")):
        if get(name):
            sources[f"{path}.contact_points[{len(person.contact_points)}]"] = f"{prefix}.{name}"
            person.contact_points.append(ContactPointIn(kind_, get(name), is_primary=True))
    if any(get(name) for name in ADDRESS_PARTS):
        sources[f"{path}.contact_points[{len(person.contact_points)}]"] = f"{prefix}.address_line1"
        person.contact_points.append(ContactPointIn(ContactPoint.Kind.ADDRESS, is_primary=True,
                                                    **{name: get(name) for name in ADDRESS_PARTS}))
    for name in ("kind", "given_name", "family_name", "company_name", "date_of_birth", "country",
                 "preferred_language"):
        sources[f"{path}.{name}"] = f"{prefix}.{name}"
    return person


def map_placement(number: int, raw: dict, columns: dict, options: Options, default_portfolio: str,
                  portfolios: dict[str, Portfolio]) -> MappedRow:
    row = _Row(raw, columns, options)
    mapped = MappedRow(number)
    sources = mapped.sources
    code = row.text("portfolio_code") or default_portfolio
    portfolio = portfolios.get(code)
    default_country = portfolio.jurisdiction if portfolio else ""
    debtors = []
    for prefix, role in (("debtor", AccountDebtor.Role.PRIMARY), ("co_debtor", None)):
        path = f"account.debtors[{len(debtors)}]"
        person = _person(row, prefix, default_country, sources, path)
        if person is not None:
            role = role or row.text("co_debtor.role") or AccountDebtor.Role.CO_BORROWER
            sources[f"{path}.role"] = f"{prefix}.role" if prefix == "co_debtor" else "debtor.family_name"
            debtors.append((person, role))
    currency = row.text("currency").upper() or (portfolio.currency if portfolio else "")
    charge_off = row.date("charge_off_date")
    due = row.date("balance_due_date") or charge_off
    balances = []
    for component in BALANCE_FIELDS:
        if not row.text(component):
            continue
        try:
            amount = Money.of(row.amount(component), currency or "EUR", component)
        except ValidationError as exc:
            row.errors.setdefault(component, []).extend(exc.messages)
            continue
        if amount.minor == 0:
            continue
        if due is None:
            row.errors.setdefault("balance_due_date", []).append(
                _("Opening balances need a due date (a due date or charge-off date column)."))
            break
        sources[f"balances[{len(balances)}]"] = component
        balances.append(ChargeIn(component, amount, due))
    if currency and portfolio and currency != portfolio.currency:
        sources.update({f"balances[{i}]": "currency" for i in range(len(balances))})
    mapped.values = PlacementIn(
        portfolio_code=code,
        account=AccountIn(creditor_reference=row.text("creditor_reference"), product=row.text("product"),
                          contract_date=row.date("contract_date"), original_reference=row.text("original_reference"),
                          charge_off_date=charge_off, debtors=debtors),
        balances=balances)
    sources["account.debtors"] = "debtor.family_name"
    mapped.errors = row.errors
    return mapped


def map_payment(number: int, raw: dict, columns: dict, options: Options) -> MappedRow:
    row = _Row(raw, columns, options)
    values = {"creditor_reference": row.text("creditor_reference"), "amount": row.amount("amount"),
              "currency": row.text("currency").upper(), "value_date": row.date("value_date"),
              "method": row.text("method").lower() or Payment.Method.TRANSFER, "external_id": row.text("external_id")}
    if values["value_date"] is None and "value_date" not in row.errors:
        row.errors["value_date"] = [_("The value date is required.")]
    if not values["amount"]:
        row.errors["amount"] = [_("The amount is required.")]
    return MappedRow(number, values, row.errors)


PAYMENT_PATHS = {"account": "creditor_reference", "amount": "amount", "currency": "currency",
                 "value_date": "value_date", "external_id": "external_id", "method": "method"}
_ROW_PREFIX = re.compile(r"^(placements|payments)\[\d+\]\.")


def field_of(path: str, sources: dict[str, str]) -> str:
    """The arrears field an error path (placements[3].account.debtors[0].family_name) came from."""
    path = _ROW_PREFIX.sub("", path)
    if path in PAYMENT_PATHS:
        return PAYMENT_PATHS[path]
    best = ""
    for prefix in sources:
        within = path == prefix or path.startswith((prefix + ".", prefix + "["))
        if within and len(prefix) > len(best):
            best = prefix
    if best:
        return sources[best]
    return path.removeprefix("account.")
