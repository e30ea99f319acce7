"""ISO 11649 structured creditor references ("RF" + 2 check digits + up to 21 characters)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import iso11649
from stdnum.exceptions import ValidationError as StdnumError

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _to_digits(text: str) -> int:
    return int("".join(str(_ALPHABET.index(ch)) for ch in text))


def make_rf(base: str) -> str:
    """The RF reference for `base` (1 to 21 letters and digits): check digits by ISO 7064 mod 97-10."""
    body = base.upper().replace(" ", "")
    if not 1 <= len(body) <= 21 or any(ch not in _ALPHABET for ch in body):
        raise ValueError(f"an RF reference body is 1 to 21 letters and digits, not {base!r}")
    check = 98 - _to_digits(body + "RF00") % 97
    return f"RF{check:02d}{body}"


def validate_rf(value: str, field: str = "rf_reference") -> str:
    try:
        compact = iso11649.validate(value)
        if not 2 <= int(compact[2:4]) <= 98:  # ISO 7064 check digits never fall outside 02-98
            raise StdnumError
        return compact
    except StdnumError:
        raise ValidationError(
            {field: _("“%(value)s” is not a valid ISO 11649 creditor reference.") % {"value": value}}
        ) from None
