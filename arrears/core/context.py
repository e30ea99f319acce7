"""The request id of the work in progress, carried into audit events and task logs."""

import contextvars
import uuid

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("arrears_request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


def bind_request_id(value: str | None = None) -> contextvars.Token:
    return _request_id.set(value or uuid.uuid4().hex)


def unbind_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)
