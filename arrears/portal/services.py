"""Signing debtors in to the portal.

A first visit is proved by what the debtor knows (an account or payment reference, and the date of
birth or the end of a national ID) and then by a one-time code sent to a contact already on file;
after it the debtor has their own username and password, and may add an authenticator app (TOTP) whose
code is asked for after the password. A wrong guess gets the same answer whether the reference or the
username exists or not, repeated failures lock for a while, and every attempt is audited. Codes and
notices say nothing of the debt: a phone or a mailbox may be read by others.
"""

import datetime as dt
import hmac
import math
import re
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arrears.core import roles, shared_cache, sms
from arrears.core.actors import SystemActor
from arrears.core.audit import record
from arrears.core.crypto import decrypt, encrypt, lookup_hash
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
    deliver_code(debtor, contact_point, code)
    return sent


def deliver_code(debtor: Debtor, point: ContactPoint, code: str) -> None:
    """Send a code by e-mail or SMS in the debtor's language. The text names no debt and no creditor."""
    with translation.override(debtor.preferred_language or settings.LANGUAGE_CODE):
        _deliver(point, _("Your sign-in code"),
                 _("Your sign-in code is %(code)s. It expires in 10 minutes. If you did not ask for it, ignore this "
                   "message.") % {"code": code})


def _deliver(point: ContactPoint, subject: str, text: str) -> None:
    if point.kind == ContactPoint.Kind.EMAIL:
        send_mail(subject, text, None, [point.email])
    else:
        sms.send_sms(point.phone_e164, text)


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


# --- Signing in: password, lockout, and the optional authenticator app ------------------------------------


def sign_in(*, username: str, password: str, ip: str = "") -> PortalLogin | None:
    """The login for these credentials, or None. Ten tries per username per quarter of an hour, and
    LOCK_AFTER wrong passwords or codes in a row lock the username for LOCK_DURATION, whether the username
    exists or not, so neither says anything about who has a login.

    With an authenticator on, the right password alone signs no one in: the login comes back with
    `totp_secret` set, the caller asks for a code (`sign_in_with_code`), and the failures in a row are
    forgiven only when the code is right too, so knowing the password buys no fresh guesses at codes."""
    username = username.strip().lower()[:60]
    _throttle(f"login:{username}")
    login = PortalLogin.objects.filter(username=username).select_related("debtor").first()
    good = check_password(password, login.password if login else _DUMMY_HASH) and login is not None
    _refuse_if_locked(login, username, ip)  # after the hash, so a lock answers as slowly as a guess
    if not good:
        record(actor=PORTAL, action="portal.sign_in_failed", object_type="portal.portallogin",
               object_id=login.pk if login else "", after={"ip": ip, "username": username})
        _count_failure(login, username, ip)
        return None
    if login.totp_secret:
        record(actor=PORTAL, action="portal.password_accepted", obj=login, after={"ip": ip, "username": username})
        return login
    _signed_in(login, ip, by="password")
    return login


def sign_in_with_code(*, login_id: int, code: str, ip: str = "") -> PortalLogin | None:
    """The second step for a login with an authenticator: the login when the code is right and new, else None.
    Wrong and replayed codes count towards the same throttle and lockout as wrong passwords."""
    login = PortalLogin.objects.filter(pk=login_id).select_related("debtor").first()
    if login is None:
        return None
    _throttle(f"login:{login.username}")
    _refuse_if_locked(login, login.username, ip)
    outcome = _use_code(login, code) if login.totp_secret else "off"
    if outcome != "accepted":
        record(actor=PORTAL, action="portal.authenticator_refused", obj=login, after={"ip": ip, "why": outcome})
        _count_failure(login, login.username, ip)
        return None
    _signed_in(login, ip, by="password+authenticator")
    return login


def _signed_in(login: PortalLogin, ip: str, *, by: str) -> None:
    login.failed_attempts, login.locked_until, login.last_login_at = 0, None, timezone.now()
    login.save(update_fields=["failed_attempts", "locked_until", "last_login_at"])
    record(actor=actor_for(login.debtor_id), action="portal.signed_in", obj=login,
           after={"ip": ip, "username": login.username, "by": by})


LOCK_AFTER = 5  # wrong passwords or authenticator codes in a row
LOCK_DURATION = dt.timedelta(minutes=15)
# A username without a login remembers its failures this long, as a login remembers them until a sign-in.
STRANGER_MEMORY_SECONDS = 24 * 3600


def _locked_until(login: PortalLogin | None, username: str) -> dt.datetime | None:
    if login is not None:
        until = login.locked_until
    else:
        stamp = cache.get(f"portal:locked:{username}")
        until = dt.datetime.fromtimestamp(stamp, dt.UTC) if stamp else None
    return until if until and until > timezone.now() else None


def _refuse_if_locked(login: PortalLogin | None, username: str, ip: str) -> None:
    until = _locked_until(login, username)
    if until is not None:
        record(actor=PORTAL, action="portal.sign_in_locked", object_type="portal.portallogin",
               object_id=login.pk if login else "", after={"ip": ip, "username": username})
        raise _locked(until)


def _locked(until: dt.datetime) -> Refused:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return Refused(ngettext("Too many attempts. Try again in %(minutes)d minute.",
                            "Too many attempts. Try again in %(minutes)d minutes.", minutes) % {"minutes": minutes},
                   code="locked")


def _count_failure(login: PortalLogin | None, username: str, ip: str) -> None:
    """One more failure in a row; the LOCK_AFTER-th and each one after it lock for LOCK_DURATION, and say so.
    A username without a login counts and locks the same way in the shared cache."""
    until = timezone.now() + LOCK_DURATION
    if login is None:
        failures = shared_cache.count(f"portal:failures:{username}", expires=STRANGER_MEMORY_SECONDS)
        if failures >= LOCK_AFTER:
            cache.set(f"portal:locked:{username}", until.timestamp(), timeout=int(LOCK_DURATION.total_seconds()))
            raise _locked(until)
        return
    with transaction.atomic():  # concurrent guesses each count
        failures = PortalLogin.objects.select_for_update().values_list("failed_attempts", flat=True).get(pk=login.pk)
        login.failed_attempts = failures + 1
        if login.failed_attempts >= LOCK_AFTER:
            login.locked_until = until
        login.save(update_fields=["failed_attempts", "locked_until"])
        if login.failed_attempts >= LOCK_AFTER:
            record(actor=PORTAL, action="portal.login_locked", obj=login,
                   after={"ip": ip, "failures": login.failed_attempts, "until": until.isoformat()})
    if login.failed_attempts >= LOCK_AFTER:
        raise _locked(until)


def _secret_context(login: PortalLogin) -> str:
    return f"portal-totp:{login.pk}"  # bound to the login, so a secret copied to another row does not decrypt


def authenticator(login: PortalLogin) -> pyotp.TOTP:
    """The login's authenticator, its secret decrypted (the login must have one on)."""
    return pyotp.TOTP(decrypt(login.totp_secret, _secret_context(login)))


def _matching_step(totp: pyotp.TOTP, code: str) -> int | None:
    """The time step whose code this is, allowing a phone's clock one 30-second step off either way."""
    now = totp.timecode(timezone.now())
    code = code.strip()
    found = None
    for step in (now - 1, now, now + 1):  # every step compared, in constant time
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _use_code(login: PortalLogin, code: str) -> str:
    """'accepted' once for a right code, 'wrong', or 'replayed' for a code of a step already used (or earlier)."""
    with transaction.atomic():
        current = PortalLogin.objects.select_for_update().get(pk=login.pk)
        step = _matching_step(authenticator(current), code)
        if step is None:
            return "wrong"
        if current.totp_last_step is not None and step <= current.totp_last_step:
            return "replayed"
        login.totp_last_step = step
        login.save(update_fields=["totp_last_step"])
    return "accepted"


def login_of(actor: DebtorActor) -> PortalLogin:
    return PortalLogin.objects.get(debtor_id=actor.debtor_id)


def new_authenticator_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(login: PortalLogin, secret: str, issuer: str) -> str:
    """What the QR code holds: an authenticator app reads the secret, the servicer's name and the username."""
    return pyotp.TOTP(secret).provisioning_uri(name=login.username, issuer_name=issuer)


def turn_on_authenticator(*, actor: DebtorActor, secret: str, code: str) -> PortalLogin:
    """Save the secret shown to the debtor once their app shows a right code for it: a secret typed wrongly
    or never scanned would lock them out at the next sign-in."""
    login = login_of(actor)
    if login.totp_secret:
        raise ValidationError(_("An authenticator app is already on."))
    step = _matching_step(pyotp.TOTP(secret), code)
    if step is None:
        raise ValidationError({"code": _("That code is not right. Enter the code your app shows now.")})
    with transaction.atomic():
        login.totp_secret = encrypt(secret, _secret_context(login))
        login.totp_last_step = step  # the confirming code cannot sign anyone in
        login.save(update_fields=["totp_secret", "totp_last_step"])
        record(actor=actor, action="portal.authenticator_on", obj=login, after={"authenticator": True})
    return login


def turn_off_authenticator(*, actor: DebtorActor, password: str, code: str, ip: str = "") -> PortalLogin:
    """Turn the authenticator off with the password and a current code: a session left open on a shared
    computer is not enough. Wrong answers count towards the sign-in lockout."""
    login = login_of(actor)
    _throttle(f"login:{login.username}")
    _refuse_if_locked(login, login.username, ip)
    if not login.totp_secret:
        raise ValidationError(_("No authenticator app is on."))
    errors = {}
    if not check_password(password, login.password):
        errors["password"] = [_("The password is not right.")]
    elif _use_code(login, code) != "accepted":
        errors["code"] = [_("That code is not right. Enter the code your app shows now.")]
    if errors:
        record(actor=actor, action="portal.authenticator_off_refused", obj=login, after={"ip": ip, "why": list(errors)})
        _count_failure(login, login.username, ip)
        raise ValidationError(errors)
    with transaction.atomic():
        login.totp_secret, login.totp_last_step = "", None
        login.save(update_fields=["totp_secret", "totp_last_step"])
        record(actor=actor, action="portal.authenticator_off", obj=login, after={"ip": ip, "authenticator": False})
    return login


def change_password(*, actor: DebtorActor, current_password: str | None, new_password: str,
                    ip: str = "") -> PortalLogin:
    """A new password, given the current one and passing the site's password validators. A wrong current
    password counts towards the sign-in lockout, so the form is no way round it. `current_password=None`:
    the debtor has just proved a contact on file with a code (the first-visit path), the way back from a
    forgotten password."""
    login = login_of(actor)
    _throttle(f"login:{login.username}")
    _refuse_if_locked(login, login.username, ip)
    if current_password is not None and not check_password(current_password, login.password):
        record(actor=actor, action="portal.password_change_refused", obj=login, after={"ip": ip})
        _count_failure(login, login.username, ip)
        raise ValidationError({"current_password": [_("The current password is not right.")]})
    try:
        validate_password(new_password, user=login)  # compared with the username, among others
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    with transaction.atomic():
        login.password = make_password(new_password)
        login.save(update_fields=["password"])
        record(actor=actor, action="portal.password_changed", obj=login,
               after={"ip": ip, "by": "current password" if current_password is not None else "code"})
    return login


def reopen_login_by_first_visit(*, debtor: Debtor, ip: str = "") -> bool:
    """A debtor with a login who comes back by the first-visit path (a reference, the date of birth or the
    end of the national ID, and a code sent to a contact on file) is signed in without the password or
    the authenticator: this path is how a debtor who forgot one or lost the phone with the other gets in.

    What it proves (knowledge of the debt and possession of a contact on file) is at least what the
    password proves, so it also forgives the failures in a row and lifts a lock. An authenticator that
    was on is turned off rather than left on or asked for: asking would shut out exactly the debtor who
    lost the phone, and leaving it on while this path bypasses it would give a false sense of safety.
    So that a stranger who got hold of one contact cannot do this unseen, a notice goes to every
    contact on file (not only the one the code went to), saying nothing about the debt, and the change
    is audited. True when an authenticator was turned off."""
    login = PortalLogin.objects.get(debtor=debtor)
    had_authenticator = bool(login.totp_secret)
    before = {"failed_attempts": login.failed_attempts, "authenticator": had_authenticator,
              "locked": _locked_until(login, login.username) is not None}
    after = {"failed_attempts": 0, "authenticator": False, "locked": False}
    if before == after:
        return False
    with transaction.atomic():
        login.failed_attempts, login.locked_until = 0, None
        login.totp_secret, login.totp_last_step = "", None
        login.save(update_fields=["failed_attempts", "locked_until", "totp_secret", "totp_last_step"])
        record(actor=actor_for(debtor.pk), action="portal.authenticator_reset" if had_authenticator else
               "portal.lock_lifted", obj=login, before=before, after={**after, "ip": ip, "by": "first_visit"})
    if had_authenticator:
        with translation.override(debtor.preferred_language or settings.LANGUAGE_CODE):
            subject = _("Your sign-in security changed")
            text = _("The authenticator app for your sign-in was turned off because someone signed in with a code "
                     "we sent to you. If this was you, you can turn it on again. If it was not you, contact us.")
            for point in code_destinations(debtor):
                _deliver(point, subject, text)
    return had_authenticator
