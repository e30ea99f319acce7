"""What the statement parsers hand to reconciliation: one parsed statement of bookings, or one error."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from arrears.core.money import check_currency, exponent


class StatementFileError(ValidationError):
    """The file cannot be read as a statement; nothing of it is stored."""

    def __init__(self, message, where: str = ""):
        text = f"{where}: {message}" if where else message
        super().__init__({"file": ValidationError(text, code="statement_file")})


@dataclass
class ParsedLine:
    """One booking: a credit (money received) or a debit, in integer minor units."""

    booking_date: dt.date
    value_date: dt.date
    amount_minor: int
    currency: str
    is_credit: bool
    entry_reference: str = ""
    is_reversal: bool = False
    is_booked: bool = True
    remittance_text: str = ""
    structured_reference: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""

    def content_key(self) -> str:
        """A stable stand-in for the bank's reference when a file carries none."""
        body = "|".join([self.booking_date.isoformat(), self.value_date.isoformat(), str(self.amount_minor),
                         self.currency, "C" if self.is_credit else "D", self.remittance_text,
                         self.structured_reference, self.counterparty_name, self.counterparty_iban])
        return hashlib.sha256(body.encode()).hexdigest()[:24]


@dataclass
class ParsedStatement:
    message_id: str = ""
    statement_ids: list[str] = field(default_factory=list)
    account_ibans: set[str] = field(default_factory=set)
    lines: list[ParsedLine] = field(default_factory=list)


def parse_amount(text: str, currency: str, where: str) -> int:
    """Decimal text in major units to minor units, refusing more decimals than the currency has."""
    try:
        check_currency(currency)
    except ValidationError:
        raise StatementFileError(_("“%(value)s” is not an ISO 4217 currency code.") % {"value": currency},
                                 where) from None
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise StatementFileError(_("“%(value)s” is not an amount.") % {"value": text}, where) from None
    if not value.is_finite():
        raise StatementFileError(_("“%(value)s” is not an amount.") % {"value": text}, where)
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise StatementFileError(_("%(value)s has more decimals than %(currency)s allows.")
                                 % {"value": text, "currency": currency}, where)
    return int(scaled)


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
