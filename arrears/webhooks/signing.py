"""Webhook signatures, Stripe-style: `Arrears-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The signed message is f"{t}.{raw body}". While a secret is being rotated the header carries one v1=
value per live secret; a receiver accepts the request when any of them matches its secret. The
timestamp is signed too, so a captured request cannot be replayed outside the tolerance window.
"""

import hashlib
import hmac
import json
import secrets
import time

SIGNATURE_HEADER = "Arrears-Signature"
SCHEME = "v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 - marks a string as a signing secret


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def compute(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secrets_: list[str], body: bytes, timestamp: int | None = None) -> str:
    """The header value for `body`, with one v1= per secret (current first)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    parts = [f"t={timestamp}"] + [f"{SCHEME}={compute(secret, timestamp, body)}" for secret in secrets_]
    return ",".join(parts)


def parse(header: str) -> tuple[int, list[str]]:
    timestamp, signatures = None, []
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("timestamp is not an integer") from None
        elif key == SCHEME and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("header has no timestamp or no v1 signature")
    return timestamp, signatures


def verify(secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> int:
    """For receivers: check a request's signature and freshness; return its timestamp or raise SignatureError.

    `body` must be the raw request body, byte for byte, as received (not re-serialized JSON). Also
    dedupe by the `Arrears-Event-Id` header: a valid request may arrive more than once."""
    timestamp, signatures = parse(header)
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("no signature matches")
    return timestamp


def encode_payload(*, event_id: int, event_type: str, created: str, creditor: str, data: dict) -> bytes:
    """The request body, serialized once: these exact bytes are signed and sent."""
    body = {"id": event_id, "type": event_type, "created": created, "creditor": creditor, "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=True,
                      default=str).encode()
