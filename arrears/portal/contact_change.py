"""A debtor adds a phone number or e-mail address in the portal, proved by a code sent to it.

Until the code comes back nothing is stored on the debtor: the new value and the code's keyed hash wait in
the debtor's (server-side) session. A right code adds the contact point as the debtor's own, confirmed
(right party, full confidence). Codes are throttled per debtor, die after CODE_LIFETIME or CODE_TRIES
wrong entries, and say nothing of the debt.
"""

import hmac
import secrets
import time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from arrears.core import shared_cache
from arrears.core.audit import record
from arrears.portal.services import (
    CODE_LIFETIME,
    CODE_TRIES,
    CODES_PER_WINDOW,
    WINDOW_SECONDS,
    Refused,
    code_hash,
    deliver_code,
    masked_destination,
)
from arrears.portfolio.contact import add_contact_point, clean_new_contact
from arrears.portfolio.models import ContactPoint, Debtor
from arrears.portfolio.services import ContactPointIn

PENDING = "portal_contact_change"  # the session key


def start(*, actor, debtor: Debtor, kind: str, value: str) -> dict:
    """Check the new phone or e-mail, send it a code, and return what the session keeps meanwhile."""
    point = clean_new_contact(debtor, kind, value)
    window = int(time.time() // WINDOW_SECONDS)
    if shared_cache.count(f"portal:contact-codes:{debtor.pk}:{window}", expires=WINDOW_SECONDS) > CODES_PER_WINDOW:
        raise Refused(_("Too many codes were sent. Try again in 15 minutes."), code="throttled")
    code = f"{secrets.randbelow(10**6):06d}"
    deliver_code(debtor, point, code)
    record(actor=actor, action="portal.contact_code_sent", obj=debtor,
           after={"kind": point.kind, "to": masked_destination(point)})
    return {"kind": point.kind, "value": point.phone_e164 or point.email, "hash": code_hash(debtor.pk, code),
            "expires": time.time() + CODE_LIFETIME.total_seconds(), "attempts": 0}


def confirm(*, actor, debtor: Debtor, pending: dict, code: str, primary: bool = False) -> ContactPoint | None:
    """The new contact point once the right code is entered; None for a wrong one (the caller keeps the
    updated `pending`). Raises when the code has died: the debtor starts again."""
    if pending["expires"] < time.time() or pending["attempts"] >= CODE_TRIES:
        raise ValidationError({"code": _("That code has expired. Ask for a new one.")})
    if not hmac.compare_digest(pending["hash"], code_hash(debtor.pk, code.strip())):
        pending["attempts"] += 1
        record(actor=actor, action="portal.contact_code_refused", obj=debtor,
               after={"kind": pending["kind"], "attempts": pending["attempts"]})
        return None
    return add_contact_point(actor=actor, debtor=debtor, verified=True, primary=primary, point_in=ContactPointIn(
        kind=pending["kind"], value=pending["value"], source=ContactPoint.Source.DEBTOR))
