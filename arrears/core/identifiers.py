"""National, tax and company identifiers by country, validated with python-stdnum."""

from dataclasses import dataclass
from importlib import import_module

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.exceptions import ValidationError as StdnumError

from arrears.core.errors import field_error


@dataclass(frozen=True)
class Scheme:
    code: str  # stable key stored with the identifier, e.g. "PL-PESEL"
    country: str  # ISO 3166-1 alpha-2
    kind: str  # "national", "tax" or "company"
    label: object  # translatable name
    module: str  # python-stdnum module that validates it

    def validator(self):
        return import_module(self.module)

    def normalise(self, value: str, field: str = "identifier") -> str:
        """The compact, validated form of `value`, or a ValidationError naming the field and value."""
        try:
            return self.validator().validate(value)
        except StdnumError as exc:
            raise field_error(field, _("“%(value)s” is not a valid %(scheme)s: %(reason)s")
                              % {"value": value, "scheme": self.label, "reason": exc.message}, "identifier") from None


SCHEMES = {
    s.code: s
    for s in [
        Scheme("GR-AFM", "GR", "tax", gettext_lazy("Greek tax number (ΑΦΜ)"), "stdnum.gr.vat"),
        Scheme("GR-AMKA", "GR", "national", gettext_lazy("Greek social security number (ΑΜΚΑ)"), "stdnum.gr.amka"),
        Scheme("PL-PESEL", "PL", "national", gettext_lazy("Polish national ID (PESEL)"), "stdnum.pl.pesel"),
        Scheme("PL-NIP", "PL", "tax", gettext_lazy("Polish tax number (NIP)"), "stdnum.pl.nip"),
        Scheme("PL-REGON", "PL", "company", gettext_lazy("Polish business register number (REGON)"), "stdnum.pl.regon"),
        Scheme("ES-DNI", "ES", "national", gettext_lazy("Spanish national ID (DNI)"), "stdnum.es.dni"),
        Scheme("ES-NIE", "ES", "national", gettext_lazy("Spanish foreigner ID (NIE)"), "stdnum.es.nie"),
        Scheme("ES-CIF", "ES", "company", gettext_lazy("Spanish company tax code (CIF)"), "stdnum.es.cif"),
        Scheme("MX-CURP", "MX", "national", gettext_lazy("Mexican population registry code (CURP)"), "stdnum.mx.curp"),
        Scheme("MX-RFC", "MX", "tax", gettext_lazy("Mexican tax ID (RFC)"), "stdnum.mx.rfc"),
        Scheme("RU-INN", "RU", "tax", gettext_lazy("Russian taxpayer number (INN)"), "stdnum.ru.inn"),
        Scheme("RU-OGRN", "RU", "company", gettext_lazy("Russian state registration number (OGRN)"), "stdnum.ru.ogrn"),
        Scheme("US-SSN", "US", "national", gettext_lazy("US social security number (SSN)"), "stdnum.us.ssn"),
        Scheme("US-EIN", "US", "company", gettext_lazy("US employer identification number (EIN)"), "stdnum.us.ein"),
        Scheme("GB-UTR", "GB", "tax", gettext_lazy("UK unique taxpayer reference (UTR)"), "stdnum.gb.utr"),
    ]
}

SCHEME_CHOICES = [(code, scheme.label) for code, scheme in SCHEMES.items()]


def scheme(code: str, field: str = "scheme") -> Scheme:
    try:
        return SCHEMES[code]
    except KeyError:
        raise field_error(field, _("“%(value)s” is not an identifier type arrears knows.") % {"value": code},
                          "scheme") from None


def masked(compact: str) -> str:
    """What staff and letters may show: the last characters only."""
    return "•" * max(len(compact) - 3, 0) + compact[-3:]
