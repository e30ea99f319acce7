"""Countries arrears operates in: currency, language, and the phone region used for numbers."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Country:
    code: str
    name: object
    currency: str
    language: str
    time_zone: str


COUNTRIES = {
    c.code: c
    for c in [
        Country("GR", _("Greece"), "EUR", "el", "Europe/Athens"),
        Country("PL", _("Poland"), "PLN", "pl", "Europe/Warsaw"),
        Country("ES", _("Spain"), "EUR", "es", "Europe/Madrid"),
        Country("MX", _("Mexico"), "MXN", "es", "America/Mexico_City"),
        Country("RU", _("Russia"), "RUB", "ru", "Europe/Moscow"),
        Country("US", _("United States"), "USD", "en", "America/New_York"),
        Country("GB", _("United Kingdom"), "GBP", "en", "Europe/London"),
    ]
}

COUNTRY_CHOICES = [(c.code, c.name) for c in COUNTRIES.values()]
