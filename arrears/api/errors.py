"""Errors as the API answers them: one shape for every refusal, field paths for invalid input."""

import re

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError

from arrears.api.auth import ApiRefusal
from arrears.ledger.services import PaymentConflict

_INDEX = re.compile(r"\[(\d+)\]")


class Conflict(Exception):  # noqa: N818 - an answer, not a bug
    """The same idempotency key came with a different request."""


class InvalidQuery(ValidationError):
    """A query parameter the schema let through but the endpoint refuses: reported at ["query", name]."""


def location(path: str, root: str = "body") -> list:
    """"payments[3].currency" → ["body", "payments", 3, "currency"], as the schema validator reports."""
    parts: list = [root]
    for piece in path.split("."):
        name, *indexes = _INDEX.split(piece)
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes if i.isdigit())
    return parts


def validation_detail(exc: ValidationError, prefix: str = "", root: str = "body") -> list[dict]:
    if not hasattr(exc, "error_dict"):
        return [{"loc": [root], "msg": message, "type": "invalid"} for message in exc.messages]
    detail = []
    for field, errors in exc.error_dict.items():
        for error in errors:
            message = error.message % error.params if error.params else error.message
            path = f"{prefix}{field}" if field != "__all__" else prefix.rstrip(".")
            detail.append({"loc": location(path, root) if path else [root], "msg": str(message),
                           "type": error.code or "invalid"})
    return detail


def install(api) -> None:
    """Map domain exceptions to answers on a NinjaAPI."""

    @api.exception_handler(SchemaError)
    def malformed(request, exc):
        # Ninja names the body parameter in its paths (["body", "body", "amount"]); say it once.
        detail = []
        for error in exc.errors:
            loc = list(error.get("loc", ["body"]))
            if loc[:2] == ["body", "body"]:
                loc = loc[1:]
            detail.append({"loc": loc, "msg": str(error.get("msg", "")), "type": str(error.get("type", "invalid"))})
        return api.create_response(request, {"detail": detail}, status=422)

    @api.exception_handler(HttpError)
    def unreadable(request, exc):
        if exc.status_code == 400:  # the body is not JSON at all: still a field-path answer, at the body
            return api.create_response(request, {"detail": [
                {"loc": ["body"], "msg": _("The request body is not valid JSON."), "type": "json_invalid"}]},
                status=422)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    @api.exception_handler(ApiRefusal)
    def refused(request, exc):
        response = api.create_response(request, {"detail": exc.message}, status=exc.status)
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(PaymentConflict)
    def payment_conflict(request, exc):
        return api.create_response(request, {"detail": " ".join(exc.messages)}, status=409)

    @api.exception_handler(Conflict)
    def conflict(request, exc):
        return api.create_response(request, {"detail": str(exc)}, status=409)

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        return api.create_response(request, {"detail": validation_detail(exc)}, status=422)

    @api.exception_handler(InvalidQuery)
    def invalid_query(request, exc):
        return api.create_response(request, {"detail": validation_detail(exc, root="query")}, status=422)

    @api.exception_handler(PermissionDenied)
    def denied(request, exc):
        return api.create_response(request, {"detail": str(exc) or _("You may not do this.")}, status=403)

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request, exc):
        return api.create_response(request, {"detail": str(exc)}, status=404)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, {"detail": str(exc) or _("Not found.")}, status=404)
