"""Validation of what comes in with a placement: phones, e-mails, IBANs, countries, currencies.

Each function returns the normalised value or raises a ValidationError that names the field and
the value, so a caller can report it on the right form field, API path or import row.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from arrears.core.countries import COUNTRIES
from arrears.core.errors import field_error
from arrears.core.money import check_currency

LINE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed",
    # Not known to be a mobile: consent rules for mobiles and SMS must not assume it is one.
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_or_mobile",
    phonenumbers.PhoneNumberType.VOIP: "voip",
}


def country(code: str, field: str = "country") -> str:
    if code not in COUNTRIES:
        raise field_error(field, _("“%(value)s” is not a country arrears serves.") % {"value": code}, "country")
    return code


def currency(code: str, field: str = "currency") -> str:
    return check_currency(code, field)


def phone(number: str, region: str, field: str = "phone") -> tuple[str, str]:
    """(E.164, line type) of a phone number written nationally for `region` or internationally."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise field_error(field, _("“%(value)s” is not a valid phone number.") % {"value": number}, "phone")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, LINE_TYPES.get(phonenumbers.number_type(parsed), "other")


def email(value: str, field: str = "email") -> str:
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise field_error(field, _("“%(value)s” is not a valid e-mail address.") % {"value": value},
                          "email") from None
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def iban(value: str, field: str = "iban") -> str:
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise field_error(field, _("“%(value)s” is not a valid IBAN: %(reason)s") % {"value": value, "reason": exc},
                          "iban") from None
