"""Text messages, by the backend SMS_BACKEND names, as Django does for e-mail: "console" writes each
message to the log (development and the demo), "locmem" keeps them in `outbox` (tests). The SMPP
channel of the contact module plugs in here as one more backend."""

import logging
from dataclasses import dataclass

from django.conf import settings

log = logging.getLogger("arrears.sms")
outbox: list["TextMessage"] = []


@dataclass(frozen=True)
class TextMessage:
    to: str
    text: str


def send_sms(to: str, text: str) -> None:
    backend = getattr(settings, "SMS_BACKEND", "console")
    message = TextMessage(to, text)
    if backend == "locmem":
        outbox.append(message)
    elif backend == "console":
        log.info("SMS to %s: %s", to, text)
    else:
        raise ValueError(f"unknown SMS_BACKEND {backend!r}")
