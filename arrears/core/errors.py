"""Input errors that name their field and keep a machine-readable code (API clients branch on it)."""

from django.core.exceptions import ValidationError


def field_error(field: str, message: str, code: str | None = None) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})
