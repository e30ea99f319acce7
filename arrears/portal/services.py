"""Signing debtors in to the portal.

A first visit is proved by what the debtor knows (an account or payment reference, and the date of
birth or the end of a national ID) and then by a one-time code sent to a contact already on file;
after it the debtor has their own username and password. A wrong guess gets the same answer whether
the reference exists or not, repeated failures lock for a while, and every attempt is audited.
Codes say nothing of the debt: a phone or a mailbox may be read by others.
"""

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from arrears.core import roles, shared_cache, sms
from arrears.core.actors import SystemActor
from arrears.core.audit import record
from arrears.core.crypto import decrypt, lookup_hash
from arrears.portal.models import OneTimeCode, PortalLogin
from arrears.portfolio.models import Account, ContactPoint, Debtor

CODE_LIFETIME = dt.timedelta(minutes=10)
CODE_TRIES = 5  # wrong entries before a code is spent
CODES_PER_WINDOW = 3  # codes sent to one debtor per window
WINDOW_SECONDS = 15 * 60
GUESSES_PER_WINDOW = 10  # first-visit attempts from one address, or sign-ins to one username, per window
PORTAL = SystemActor("portal")  # who acts before anyone is signed in
# What a signed-in debtor may do, on their own accounts only (the portal's views find accounts through
# the debtor's links, never by id).
DEBTOR_ACTIONS = frozenset({roles.VIEW, roles.VIEW_PERSONAL_DATA, roles.ARRANGE, roles.POST_PAYMENTS, roles.DISPUTE,
                            roles.EDIT_CONTACT_POINTS, roles.RECORD_CIRCUMSTANCES})
USERNAME = re.compile(r"^[a-z0-9._@+-]{3,60}$")
_DUMMY_HASH = make_password("arrears-portal-timing-equaliser")


@dataclass(frozen=True)
class DebtorActor:
    """A debtor signed in to the portal, as services see an actor."""

    debtor_id: int
    creditors: frozenset[int]

    is_authenticated = True
    is_active = True
    sees_all_creditors = False
    audit_user = None

    @property
    def audit_label(self) -> str:
        return f"debtor:{self.debtor_id}"

    def may(self, action: str) -> bool:
        return action in DEBTOR_ACTIONS

    def creditor_ids(self) -> frozenset[int]:
        return self.creditors


def actor_for(debtor_id: int) -> DebtorActor:
    creditors = Account.objects.filter(debtor_links__debtor_id=debtor_id).values_list("creditor_id", flat=True)
    return DebtorActor(debtor_id, frozenset(creditors))


class Refused(ValidationError):
    """Too many attempts: the caller waits before trying again."""


def _window() -> int:
    return int(timezone.now().timestamp() // WINDOW_SECONDS)


def _throttle(name: str) -> None:
    if shared_cache.count(f"portal:{name}:{_window()}", expires=WINDOW_SECONDS) > GUESSES_PER_WINDOW:
        raise Refused(_("Too many attempts. Try again in 15 minutes."), code="throttled")


def match_first_visit(*, reference: str, date_of_birth: dt.date | None = None, id_end: str = "",
                      ip: str = "") -> Debtor | None:
    """The debtor of the account with this reference (the creditor's or the RF payment reference) whose date
    of birth or national ID ending matches; None otherwise, for any reason."""
    _throttle(f"first:{ip}")
    reference = reference.strip()[:64]
    compact = reference.upper().replace(" ", "")
    id_end = id_end.strip().upper()[-4:]
    found = None
    if reference and (date_of_birth or len(id_end) == 4):
        debtors = Debtor.objects.filter(
            Q(account_links__account__creditor_reference=reference) | Q(account_links__account__rf_reference=compact)
        ).distinct().prefetch_related("identifiers")
        for debtor in debtors:
            if date_of_birth and debtor.date_of_birth == date_of_birth:
                found = debtor
            elif len(id_end) == 4 and any(_ends_with(i, id_end) for i in debtor.identifiers.all()):
                found = debtor
            if found:
                break
    record(actor=PORTAL, action="portal.first_visit" if found else "portal.first_visit_failed",
           object_type="portfolio.debtor", object_id=found.pk if found else "",
           after={"ip": ip, "reference": reference, "by": "date_of_birth" if date_of_birth else "national_id"})
    return found


def _ends_with(identifier, end: str) -> bool:
    """Only the last three characters are kept in clear; the fourth needs the encrypted value."""
    return (identifier.last_chars.upper() == end[1:]
            and decrypt(identifier.value_encrypted, identifier.scheme).upper().endswith(end))


def code_destinations(debtor: Debtor) -> list[ContactPoint]:
    """E-mail addresses and mobile numbers on file that are not known to be wrong."""
    usable = debtor.contact_points.exclude(status__in=[ContactPoint.Status.INVALID, ContactPoint.Status.WRONG_PARTY])
    return [cp for cp in usable.order_by("-is_primary", "pk")
            if cp.kind == ContactPoint.Kind.EMAIL or (
                cp.kind == ContactPoint.Kind.PHONE and cp.line_type in (
                    ContactPoint.LineType.MOBILE, ContactPoint.LineType.FIXED_OR_MOBILE))]


def masked_destination(point: ContactPoint) -> str:
    """Enough of a contact for its owner to recognise it, not enough to learn it."""
    if point.kind == ContactPoint.Kind.EMAIL:
        name, _at, domain = point.email.partition("@")
        return f"{name[:1]}•••@{domain}"
    return f"•••{point.phone_e164[-3:]}"


def code_hash(debtor_id: int, code: str) -> str:
    return lookup_hash(f"{debtor_id}:{code}", "portal-one-time-code")


def send_code(*, debtor: Debtor, contact_point: ContactPoint, purpose: str) -> OneTimeCode:
    """Send a six-digit code to one of the debtor's contacts; at most three per quarter of an hour."""
    if contact_point.debtor_id != debtor.pk or contact_point not in code_destinations(debtor):
        raise ValidationError({"destination": _("Choose one of the contacts shown.")})
    since = timezone.now() - dt.timedelta(seconds=WINDOW_SECONDS)
    if OneTimeCode.objects.filter(debtor=debtor, created_at__gte=since).count() >= CODES_PER_WINDOW:
        raise Refused(_("Too many codes were sent. Try again in 15 minutes."), code="throttled")
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        OneTimeCode.objects.filter(debtor=debtor, purpose=purpose, used_at__isnull=True).update(used_at=timezone.now())
        sent = OneTimeCode.objects.create(debtor=debtor, purpose=purpose, contact_point=contact_point,
                                          code_hash=code_hash(debtor.pk, code),
                                          expires_at=timezone.now() + CODE_LIFETIME)
        record(actor=PORTAL, action="portal.code_sent", obj=debtor, after={
            "purpose": purpose, "kind": contact_point.kind, "to": masked_destination(contact_point)})
    with translation.override(debtor.preferred_language or settings.LANGUAGE_CODE):
        text = _("Your sign-in code is %(code)s. It expires in 10 minutes. If you did not ask for it, ignore this "
                 "message.") % {"code": code}
        if contact_point.kind == ContactPoint.Kind.EMAIL:
            send_mail(_("Your sign-in code"), text, None, [contact_point.email])
        else:
            sms.send_sms(contact_point.phone_e164, text)
    return sent


def check_code(*, debtor: Debtor, code: str, purpose: str) -> bool:
    """True once for the right code while it lives; five wrong entries spend it."""
    with transaction.atomic():
        current = (OneTimeCode.objects.select_for_update()
                   .filter(debtor=debtor, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now())
                   .order_by("-created_at").first())
        good = current is not None and hmac.compare_digest(current.code_hash, code_hash(debtor.pk, code.strip()))
        if current is not None:
            if good:
                current.used_at = timezone.now()
            else:
                current.attempts += 1
                if current.attempts >= CODE_TRIES:
                    current.used_at = timezone.now()
            current.save(update_fields=["used_at", "attempts"])
        record(actor=PORTAL, action="portal.code_accepted" if good else "portal.code_refused", obj=debtor,
               after={"purpose": purpose, "attempts": current.attempts if current else None})
    return good


def create_login(*, debtor: Debtor, username: str, password: str) -> PortalLogin:
    """The debtor's own username and password, chosen after a first visit proved by a code."""
    username = username.strip().lower()
    errors = {}
    if not USERNAME.match(username):
        errors["username"] = [_("3 to 60 characters: letters, digits and . _ @ + -")]
    elif PortalLogin.objects.filter(username=username).exists():
        errors["username"] = [_("That username is taken; choose another.")]
    try:
        validate_password(password)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if PortalLogin.objects.filter(debtor=debtor).exists():
        errors["username"] = [_("You already have a login; sign in with it.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        login = PortalLogin.objects.create(debtor=debtor, username=username, password=make_password(password))
        record(actor=actor_for(debtor.pk), action="portal.login_created", obj=login, after={"username": username})
    return login


def sign_in(*, username: str, password: str, ip: str = "") -> PortalLogin | None:
    """The login for these credentials, or None. Ten tries per username per quarter of an hour, whether
    the username exists or not, so a lock says nothing about who has a login."""
    username = username.strip().lower()[:60]
    _throttle(f"login:{username}")
    login = PortalLogin.objects.filter(username=username).select_related("debtor").first()
    good = check_password(password, login.password if login else _DUMMY_HASH) and login is not None
    if login is not None:
        login.failed_attempts = 0 if good else login.failed_attempts + 1
        login.last_login_at = timezone.now() if good else login.last_login_at
        login.save(update_fields=["failed_attempts", "last_login_at"])
    record(actor=actor_for(login.debtor_id) if good else PORTAL,
           action="portal.signed_in" if good else "portal.sign_in_failed",
           object_type="portal.portallogin", object_id=login.pk if login else "",
           after={"ip": ip, "username": username})
    return login if good else None
