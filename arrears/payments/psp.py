"""Payment providers behind one small interface: open a payment intent, verify a provider's webhook, read
the amount an intent received.

StripeProvider speaks Stripe's REST API (PaymentIntents) over httpx and verifies webhooks by Stripe's
signature scheme. TestProvider is local, for the demo and tests: no network and no money; it signs its own
events by the same scheme with TEST_PSP_SECRET, so they pass through the same verification as Stripe's.

Configuration (Django settings when defined, else the environment):
  PAYMENT_PROVIDER       "test" (default) or "stripe": the provider new online payments go to
  STRIPE_SECRET_KEY      the secret API key (sk_...) for opening payment intents and reading their status
  STRIPE_PUBLISHABLE_KEY the publishable key (pk_...) Stripe.js takes card details with in the debtor's browser
  STRIPE_WEBHOOK_SECRET  the endpoint's signing secret (whsec_...); Stripe's webhooks are refused without it
  TEST_PSP_SECRET        the test provider's signing secret; derived from SECRET_KEY when not set
"""

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from arrears.core.money import Money, check_currency, exponent

STRIPE = "stripe"
TEST = "test"
PROVIDERS = (STRIPE, TEST)
SIGNATURE_HEADER = "Stripe-Signature"
SIGNATURE_SCHEME = "v1"  # the only scheme Stripe signs live events with; v0 (test-mode legacy) is ignored
SIGNATURE_TOLERANCE_SECONDS = 300  # Stripe's default: an older signed timestamp is a replay

STRIPE_API = "https://api.stripe.com/v1"
STRIPE_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
# How Stripe counts a currency's smallest unit where that differs from ISO 4217 (docs: "Supported
# currencies"): these are zero-decimal, these three-decimal (last digit 0), every other currency
# two-decimal, ISK included (ISO 0 decimals; Stripe keeps 2 and wants multiples of 100).
STRIPE_ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                                 "VUV", "XAF", "XOF", "XPF"})
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def setting(name: str, default: str = "") -> str:
    """A payments setting (settings.py reads each from the environment)."""
    return getattr(settings, name, "") or default


def configured_name() -> str:
    name = setting("PAYMENT_PROVIDER", TEST).strip().lower()
    if name not in PROVIDERS:
        raise ImproperlyConfigured(f"PAYMENT_PROVIDER is {name!r}; it must be one of {', '.join(PROVIDERS)}.")
    return name


def portal_card_provider() -> str | None:
    """The provider the portal's card form goes to: the test provider, or Stripe once both its secret key (to open
    intents) and its publishable key (for Stripe.js in the browser) are set; None while cards cannot be taken."""
    name = configured_name()
    if name == STRIPE and not (setting("STRIPE_SECRET_KEY") and setting("STRIPE_PUBLISHABLE_KEY")):
        return None
    return name


class WebhookRefused(Exception):  # noqa: N818 - named for what the endpoint does with the request
    """A webhook request not verifiably from the provider, or not an event; `code` says which check failed."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Intent:
    """A payment intent as the provider opened it."""

    provider_ref: str
    client_secret: str
    status: str


def _sign(secret: str, timestamp: int, payload: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` value for the payload, as Stripe writes it: t=<unix time>,v1=<hex HMAC-SHA256>."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},{SIGNATURE_SCHEME}={_sign(secret, timestamp, payload)}"


def verify_signature(payload: bytes, header: str | None, secret: str, *, now: float | None = None,
                     tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> None:
    """Check a `Stripe-Signature` header against the raw request body, by Stripe's scheme.

    The header is comma-separated key=value pairs: one t=<unix time> and one or more v1=<signature> (more
    than one while an endpoint secret is being rolled); other schemes (v0) are ignored. The signature is
    the hex HMAC-SHA256, keyed with the endpoint secret, of "<t>.<raw body>". A header is accepted when any
    v1 value matches (compared in constant time) and t is no older than `tolerance` seconds."""
    if not header:
        raise WebhookRefused(_("The request has no %(header)s header.") % {"header": SIGNATURE_HEADER},
                             "missing_header")
    if not secret:
        raise WebhookRefused(_("No webhook signing secret is configured for this provider."), "no_secret")
    timestamp, signatures = None, []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t" and timestamp is None:
            timestamp = value
        elif key == SIGNATURE_SCHEME:
            signatures.append(value)
    try:
        timestamp = int(timestamp)
    except (TypeError, ValueError):
        raise WebhookRefused(_("The %(header)s header has no timestamp (t=).") % {"header": SIGNATURE_HEADER},
                             "malformed_header") from None
    if not signatures:
        raise WebhookRefused(_("The %(header)s header has no v1 signature; only v1 signatures are accepted.")
                             % {"header": SIGNATURE_HEADER}, "no_signature")
    expected = _sign(secret, timestamp, payload).encode()
    # Compared as bytes: the header may hold any characters, compare_digest takes only ASCII text.
    if not any(hmac.compare_digest(expected, value.encode("utf-8", "replace")) for value in signatures):
        raise WebhookRefused(_("No v1 signature matches the request body and timestamp: the body was changed "
                               "or signed with another secret."), "bad_signature")
    now = time.time() if now is None else now
    if timestamp < now - tolerance:
        raise WebhookRefused(_("The signature is %(age)d seconds old; at most %(tolerance)d are accepted.")
                             % {"age": now - timestamp, "tolerance": tolerance}, "too_old")


def parse_event(payload: bytes) -> dict:
    """The event object of a verified body: {"id", "type", "data": {"object": {...}}}."""
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        raise WebhookRefused(_("The request body is not JSON."), "not_json") from None
    if (not isinstance(event, dict) or not isinstance(event.get("type"), str)
            or not isinstance(event.get("data"), dict) or not isinstance(event["data"].get("object"), dict)):
        raise WebhookRefused(_("The request body is not an event (type and data.object)."), "not_event")
    return event


def _malformed(intent: dict) -> ValidationError:
    return ValidationError(_("Payment intent %(id)s has no valid amount and currency.") % {"id": intent.get("id")},
                           code="malformed")


class StripeProvider:
    name = STRIPE
    # Tests put an httpx.MockTransport here (or pass one); None is the real network.
    transport: httpx.BaseTransport | None = None

    def __init__(self, secret_key: str | None = None, webhook_secret: str | None = None,
                 transport: httpx.BaseTransport | None = None):
        self.secret_key = secret_key if secret_key is not None else setting("STRIPE_SECRET_KEY")
        self.webhook_secret = webhook_secret if webhook_secret is not None else setting("STRIPE_WEBHOOK_SECRET")
        if transport is not None:
            self.transport = transport

    @staticmethod
    def stripe_exponent(currency: str) -> int:
        if currency in STRIPE_ZERO_DECIMAL:
            return 0
        return 3 if currency in STRIPE_THREE_DECIMAL else 2

    def to_stripe_amount(self, amount: Money) -> int:
        """Our minor units to the integer Stripe expects for the currency."""
        shift = self.stripe_exponent(amount.currency) - exponent(amount.currency)
        units, remainder = (amount.minor * 10 ** shift, 0) if shift >= 0 else divmod(amount.minor, 10 ** -shift)
        if remainder or (amount.currency in STRIPE_THREE_DECIMAL and units % 10):
            raise ValidationError({"amount": ValidationError(
                _("Card payments in %(currency)s take fewer decimals than %(amount)s has.")
                % {"currency": amount.currency, "amount": amount.amount}, code="precision")})
        return units

    def amount_received(self, intent: dict) -> Money:
        """What a succeeded intent received, in our minor units."""
        try:
            currency = check_currency(str(intent["currency"]).upper())
            units = intent.get("amount_received", intent["amount"])
            if not isinstance(units, int) or isinstance(units, bool):
                raise TypeError
        except (KeyError, TypeError, ValidationError):
            raise _malformed(intent) from None
        shift = self.stripe_exponent(currency) - exponent(currency)
        minor, remainder = divmod(units, 10 ** shift) if shift >= 0 else (units * 10 ** -shift, 0)
        if remainder:
            raise _malformed(intent)
        return Money(minor, currency)

    def create_intent(self, *, amount: Money, idempotency_key: str, metadata: dict[str, str]) -> Intent:
        """Open a PaymentIntent. The idempotency key makes a retried request return the same intent."""
        if not self.secret_key:
            raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set; Stripe payment intents cannot be opened.")
        form = {
            "amount": str(self.to_stripe_amount(amount)),
            "currency": amount.currency.lower(),
            "automatic_payment_methods[enabled]": "true",
            **{f"metadata[{key}]": str(value) for key, value in metadata.items()},
        }
        try:
            response, body = self._send("POST", "/payment_intents", data=form,
                                        headers={"Idempotency-Key": idempotency_key})
        except httpx.HTTPError as exc:
            raise ValidationError(_("The card payment service could not be reached (%(error)s); nothing was "
                                    "charged. Try again in a moment.") % {"error": type(exc).__name__},
                                  code="provider_unreachable") from None
        if response.is_error or not isinstance(body, dict):
            raise ValidationError(_("The card payment service refused to start the payment: %(reason)s")
                                  % {"reason": self._error_reason(response, body)}, code="provider_refused")
        if not isinstance(body.get("id"), str) or not body["id"]:
            raise ValidationError(_("The card payment service answered without a payment id."),
                                  code="provider_refused")
        return Intent(provider_ref=body["id"], client_secret=body.get("client_secret") or "",
                      status=body.get("status") or "")

    def retrieve_intent(self, provider_ref: str) -> Intent:
        """The PaymentIntent as Stripe has it now (its status above all), read with the secret key: what the
        debtor's browser reports after confirmPayment is never taken on its word."""
        if not self.secret_key:
            raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set; Stripe payment intents cannot be read.")
        try:
            response, body = self._send("GET", f"/payment_intents/{quote(provider_ref, safe='')}")
        except httpx.HTTPError as exc:
            raise ValidationError(_("The card payment service could not be reached (%(error)s) to check the "
                                    "payment.") % {"error": type(exc).__name__}, code="provider_unreachable") from None
        if response.is_error or not isinstance(body, dict):
            raise ValidationError(_("The card payment service did not report the payment: %(reason)s")
                                  % {"reason": self._error_reason(response, body)}, code="provider_refused")
        if body.get("id") != provider_ref or not isinstance(body.get("status"), str):
            raise ValidationError(_("The card payment service answered about a payment other than %(id)s.")
                                  % {"id": provider_ref}, code="provider_refused")
        return Intent(provider_ref=provider_ref, client_secret=body.get("client_secret") or "", status=body["status"])

    def _send(self, method: str, path: str, *, data: dict | None = None,
              headers: dict | None = None) -> tuple[httpx.Response, dict | None]:
        """One request to Stripe's API with the secret key: the response and its JSON body (None if not JSON).
        httpx.HTTPError when Stripe cannot be reached."""
        headers = {"Authorization": f"Bearer {self.secret_key}", **(headers or {})}
        with httpx.Client(transport=self.transport, timeout=STRIPE_TIMEOUT) as client:
            response = client.request(method, f"{STRIPE_API}{path}", data=data, headers=headers)
        try:
            body = response.json()
        except ValueError:
            body = None
        return response, body

    @staticmethod
    def _error_reason(response: httpx.Response, body) -> str:
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and error.get("message"):
            code = error.get("code") or error.get("type")
            return f"{error['message']} ({code}, HTTP {response.status_code})" if code else error["message"]
        return f"HTTP {response.status_code}"

    def accepts_webhooks(self) -> bool:
        return bool(self.webhook_secret)

    def verify_webhook(self, payload: bytes, header: str | None, now: float | None = None) -> dict:
        """The event of a request signed by Stripe, or WebhookRefused saying why not."""
        verify_signature(payload, header, self.webhook_secret, now=now)
        return parse_event(payload)


def test_psp_secret() -> str:
    """TEST_PSP_SECRET, or a secret derived from SECRET_KEY: test events cannot be forged from outside."""
    return setting("TEST_PSP_SECRET") or hmac.new(settings.SECRET_KEY.encode(), b"arrears.payments.test-psp",
                                                  hashlib.sha256).hexdigest()


class TestProvider:
    """The local test payment provider: no network, no money. Its checkout page (online_views) builds signed
    events shaped like Stripe's and hands them to the same webhook handling."""

    __test__ = False  # not a pytest test class
    name = TEST

    def __init__(self, secret: str | None = None):
        self.secret = secret if secret is not None else test_psp_secret()

    def create_intent(self, *, amount: Money, idempotency_key: str, metadata: dict[str, str]) -> Intent:
        return Intent(provider_ref=f"test_pi_{secrets.token_hex(12)}", client_secret="",
                      status="requires_payment_method")

    def amount_received(self, intent: dict) -> Money:
        try:
            currency = check_currency(str(intent["currency"]).upper())
            minor = intent.get("amount_received", intent["amount"])
            return Money(minor, currency)
        except (KeyError, TypeError, ValidationError):
            raise _malformed(intent) from None

    def accepts_webhooks(self) -> bool:
        return configured_name() == TEST

    def verify_webhook(self, payload: bytes, header: str | None, now: float | None = None) -> dict:
        verify_signature(payload, header, self.secret, now=now)
        return parse_event(payload)

    def sign(self, payload: bytes, timestamp: int | None = None) -> str:
        return signature_header(payload, self.secret, timestamp)

    def event(self, event_type: str, *, provider_ref: str, amount: Money, failure_message: str = "") -> bytes:
        """A payment_intent.* event body as Stripe would send it, for this provider's intent."""
        status = {"payment_intent.succeeded": "succeeded", "payment_intent.payment_failed": "requires_payment_method",
                  "payment_intent.canceled": "canceled"}[event_type]
        intent = {"id": provider_ref, "object": "payment_intent", "amount": amount.minor,
                  "amount_received": amount.minor if status == "succeeded" else 0,
                  "currency": amount.currency.lower(), "status": status}
        if event_type == "payment_intent.payment_failed":
            intent["last_payment_error"] = {"type": "card_error", "code": "card_declined", "message": failure_message}
        body = {"id": f"test_evt_{secrets.token_hex(12)}", "object": "event", "type": event_type,
                "created": int(time.time()), "livemode": False, "data": {"object": intent}}
        return json.dumps(body, separators=(",", ":")).encode()


def provider(name: str | None = None) -> StripeProvider | TestProvider:
    """The configured provider, or the one named (a webhook's URL names its provider)."""
    name = configured_name() if name is None else name
    if name == STRIPE:
        return StripeProvider()
    if name == TEST:
        return TestProvider()
    raise LookupError(f"no payment provider {name!r}")
