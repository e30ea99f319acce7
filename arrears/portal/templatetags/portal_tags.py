from django import template
from django.utils.translation import get_language

from arrears.core.money import Money

register = template.Library()


@register.filter
def money(minor, currency):
    """Minor units as an amount in the reader's language: 1.234,56 € in Greek, €1,234.56 in English."""
    return Money(int(minor), currency).format((get_language() or "en").replace("-", "_"))
