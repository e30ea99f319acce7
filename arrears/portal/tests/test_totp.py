"""An authenticator app (TOTP) for a debtor's portal login: turned on only with a code that proves the app has
the secret, then asked for after the password; wrong codes lock like wrong passwords, a code is good once, the
code step expires, and a debtor who lost the phone still gets in by the first-visit path, with a notice."""

import datetime as dt
import html
import re

import pyotp
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from arrears.core import sms
from arrears.core.models import AuditEvent
from arrears.portal import services
from arrears.portal.models import PortalLogin

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase"
WRONG_PASSWORD = "The username or the password is wrong"
LOCKED = "Too many attempts. Try again in 15 minutes."


@pytest.fixture
def clock(monkeypatch):
    """The time the portal reads, moved by hand; it starts at the beginning of a 30-second code step."""

    class Clock:
        now = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=timezone.now().second % 30)

        def advance(self, **delta):
            self.now += dt.timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    sms.outbox.clear()
    return clock


def turn_on(client, clock) -> pyotp.TOTP:
    """Turn the authenticator on as a debtor does: type the key shown on the page into the app."""
    page = client.get(reverse("portal:security")).content.decode()
    key = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    app = pyotp.TOTP(key.replace(" ", ""))
    answer = client.post(reverse("portal:security"), {"action": "turn_on", "turn_on-code": app.at(clock.now)})
    assert answer.url == reverse("portal:security")
    return app


def sign_in(client, password=PASSWORD, username="giorgos"):
    return client.post(reverse("portal:sign_in"), {"username": username, "password": password})


def enter(client, code):
    return client.post(reverse("portal:sign_in_code"), {"code": code})


def is_signed_in(client) -> bool:
    return client.get(reverse("portal:overview")).status_code == 200


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_turning_on_needs_a_right_code_and_stores_the_secret_encrypted(signed_in, clock):
    page = signed_in.get(reverse("portal:security"))
    assert "no-store" in page["Cache-Control"]
    shown = text(page)
    key = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', shown).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)  # grouped for typing
    assert 'src="data:image/svg+xml' in shown  # the QR code, drawn on the server
    assert key in text(signed_in.get(reverse("portal:security")))  # the same key on a reload, until confirmed
    secret = key.replace(" ", "")
    app = pyotp.TOTP(secret)
    wrong = f"{(int(app.at(clock.now)) + 1) % 10**6:06d}"
    refused = signed_in.post(reverse("portal:security"), {"action": "turn_on", "turn_on-code": wrong})
    assert "That code is not right" in text(refused)
    assert PortalLogin.objects.get().totp_secret == ""

    signed_in.post(reverse("portal:security"), {"action": "turn_on", "turn_on-code": app.at(clock.now)})
    login = PortalLogin.objects.get()
    assert login.totp_secret and secret not in login.totp_secret
    assert services.authenticator(login).secret == secret
    assert "Your authenticator app is on" in text(signed_in.get(reverse("portal:security")))
    assert AuditEvent.objects.filter(action="portal.authenticator_on", object_id=str(login.pk)).exists()
    assert secret not in str(list(AuditEvent.objects.values_list("after", flat=True)))


def test_with_an_authenticator_the_password_alone_does_not_sign_in(signed_in, clock):
    app = turn_on(signed_in, clock)
    signed_in.post(reverse("portal:sign_out"))
    assert sign_in(signed_in).url == reverse("portal:sign_in_code")
    assert not is_signed_in(signed_in)
    clock.advance(seconds=30)
    assert enter(signed_in, app.at(clock.now)).url == reverse("portal:overview")
    assert is_signed_in(signed_in)
    actions = list(AuditEvent.objects.filter(action__startswith="portal.").order_by("pk")
                   .values_list("action", flat=True))
    assert actions[-3:] == ["portal.password_accepted", "portal.signed_in", "portal.visit"]


def test_five_wrong_codes_lock_the_login_as_five_wrong_passwords_lock_an_unknown_username(signed_in, client, clock):
    app = turn_on(signed_in, clock)
    signed_in.post(reverse("portal:sign_out"))
    sign_in(signed_in)
    wrong = f"{(int(app.at(clock.now)) + 500) % 10**6:06d}"
    for _ in range(4):
        assert "That code is not right" in text(enter(signed_in, wrong))
    locked = enter(signed_in, wrong)
    assert locked.url == reverse("portal:sign_in")
    assert LOCKED in text(signed_in.get(locked.url))
    assert PortalLogin.objects.get().locked_until is not None
    # Locked: even the right password is refused, and there is no code step to go back to.
    assert LOCKED in text(sign_in(signed_in))
    assert enter(signed_in, app.at(clock.now)).url == reverse("portal:sign_in")
    # A username nobody has locks after as many failures and answers alike: a lock reveals no login.
    answers = [text(sign_in(client, "wrong", username="nobody")) for _ in range(5)]
    assert all(WRONG_PASSWORD in a for a in answers[:4]) and LOCKED in answers[4]

    clock.advance(minutes=15, seconds=1)
    assert sign_in(signed_in).url == reverse("portal:sign_in_code")
    assert enter(signed_in, app.at(clock.now)).url == reverse("portal:overview")
    assert PortalLogin.objects.get().failed_attempts == 0


def test_a_right_password_forgives_no_wrong_codes(signed_in, clock):
    """Starting again from the password buys no fresh guesses at the code."""
    app = turn_on(signed_in, clock)
    signed_in.post(reverse("portal:sign_out"))
    wrong = f"{(int(app.at(clock.now)) + 500) % 10**6:06d}"
    for _ in range(2):
        sign_in(signed_in)
        enter(signed_in, wrong)
        enter(signed_in, wrong)
    sign_in(signed_in)
    assert enter(signed_in, wrong).url == reverse("portal:sign_in")
    assert LOCKED in text(sign_in(signed_in))


def test_a_code_is_good_once(signed_in, clock):
    app = turn_on(signed_in, clock)
    signed_in.post(reverse("portal:sign_out"))
    sign_in(signed_in)
    assert "That code is not right" in text(enter(signed_in, app.at(clock.now)))  # the one that turned it on
    clock.advance(seconds=30)
    code = app.at(clock.now)
    assert enter(signed_in, code).url == reverse("portal:overview")
    signed_in.post(reverse("portal:sign_out"))
    clock.advance(seconds=10)  # the same 30-second step
    sign_in(signed_in)
    assert "That code is not right" in text(enter(signed_in, code))
    assert AuditEvent.objects.filter(action="portal.authenticator_refused", after__why="replayed").count() == 2
    clock.advance(seconds=20)
    assert enter(signed_in, app.at(clock.now)).url == reverse("portal:overview")


def test_a_phone_clock_one_step_off_is_accepted_two_steps_is_not(signed_in, clock):
    app = turn_on(signed_in, clock)
    signed_in.post(reverse("portal:sign_out"))
    clock.advance(minutes=2)
    sign_in(signed_in)
    assert "not right" in text(enter(signed_in, app.at(clock.now - dt.timedelta(seconds=60))))
    assert enter(signed_in, app.at(clock.now - dt.timedelta(seconds=30))).url == reverse("portal:overview")


def test_the_code_step_expires_after_five_minutes(signed_in, clock):
    app = turn_on(signed_in, clock)
    signed_in.post(reverse("portal:sign_out"))
    sign_in(signed_in)
    clock.advance(minutes=5, seconds=1)
    expired = enter(signed_in, app.at(clock.now))
    assert expired.url == reverse("portal:sign_in")
    assert "The time for the code ran out" in text(signed_in.get(expired.url))
    assert not is_signed_in(signed_in)
    assert signed_in.get(reverse("portal:sign_in_code")).url == reverse("portal:sign_in")


def test_turning_off_needs_the_password_and_a_current_code(signed_in, clock):
    app = turn_on(signed_in, clock)
    clock.advance(seconds=30)
    no_password = signed_in.post(reverse("portal:security"), {
        "action": "turn_off", "turn_off-password": "not my password", "turn_off-code": app.at(clock.now)})
    assert "The password is not right" in text(no_password)
    no_code = signed_in.post(reverse("portal:security"), {
        "action": "turn_off", "turn_off-password": PASSWORD, "turn_off-code": "000000"})
    assert "That code is not right" in text(no_code)
    assert PortalLogin.objects.get().totp_secret
    assert PortalLogin.objects.get().failed_attempts == 2  # wrong answers here count towards the lockout

    turned_off = signed_in.post(reverse("portal:security"), {
        "action": "turn_off", "turn_off-password": PASSWORD, "turn_off-code": app.at(clock.now)})
    assert turned_off.url == reverse("portal:security")
    assert PortalLogin.objects.get().totp_secret == ""
    assert AuditEvent.objects.filter(action="portal.authenticator_off").exists()
    signed_in.post(reverse("portal:sign_out"))
    assert sign_in(signed_in).url == reverse("portal:overview")


def test_changing_the_password_needs_the_current_one_and_a_good_new_one(signed_in, clock):
    def change(current, new, again=None):
        return signed_in.post(reverse("portal:security"), {
            "action": "password", "password-current_password": current, "password-password": new,
            "password-password_again": again or new})

    assert "The current password is not right" in text(change("guess", "a new and long passphrase"))
    assert "too short" in text(change(PASSWORD, "short"))
    assert "The two passwords differ" in text(change(PASSWORD, "a new and long passphrase", "another one"))
    assert change(PASSWORD, "a new and long passphrase").url == reverse("portal:security")
    assert AuditEvent.objects.filter(action="portal.password_changed").count() == 1
    signed_in.post(reverse("portal:sign_out"))
    assert WRONG_PASSWORD in text(sign_in(signed_in))
    assert sign_in(signed_in, "a new and long passphrase").url == reverse("portal:overview")


def test_a_debtor_who_lost_the_phone_gets_in_by_the_first_visit_path_and_the_authenticator_is_reset(
        signed_in, account, clock):
    turn_on(signed_in, clock)
    signed_in.post(reverse("portal:sign_out"))
    entered = by_first_visit(signed_in, account)
    assert entered.url == reverse("portal:overview")
    assert "Your authenticator app was turned off" in text(signed_in.get(entered.url))
    assert PortalLogin.objects.get().totp_secret == ""
    reset = AuditEvent.objects.get(action="portal.authenticator_reset")
    assert reset.before["authenticator"] is True and reset.after["by"] == "first_visit"
    # Every contact on file hears of it, so one contact in a stranger's hands is not enough to do it unseen,
    # and the notice says nothing of the debt.
    [notice] = mail.outbox
    [message] = sms.outbox
    assert notice.to == ["g.papadopoulos@example.gr"] and message.to == "+306912345678"
    for secret in ("1000", "1.000", account.creditor.name, account.creditor_reference, account.rf_reference):
        assert secret not in notice.body + notice.subject and secret not in message.text


def test_the_first_visit_path_lifts_a_lock_without_a_notice_when_no_authenticator_was_on(signed_in, account, clock):
    signed_in.post(reverse("portal:sign_out"))
    for _ in range(5):
        sign_in(signed_in, "wrong")
    assert LOCKED in text(sign_in(signed_in))
    assert by_first_visit(signed_in, account).url == reverse("portal:overview")
    lifted = AuditEvent.objects.get(action="portal.lock_lifted")
    assert (lifted.before["failed_attempts"], lifted.before["locked"], lifted.after["locked"]) == (5, True, False)
    assert not mail.outbox and not sms.outbox
    signed_in.post(reverse("portal:sign_out"))
    assert sign_in(signed_in).url == reverse("portal:overview")


def by_first_visit(client, account):
    """Come in by the reference, the date of birth and a code sent by e-mail; the code's message is then dropped."""
    client.post(reverse("portal:first_visit"), {"reference": account.creditor_reference, "date_of_birth": "1975-03-14"})
    page = text(client.get(reverse("portal:send_code")))
    email = re.search(r'value="(\d+)"[^>]*>\s*<label[^>]*>g•••@example\.gr', page).group(1)
    client.post(reverse("portal:send_code"), {"destination": email})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    mail.outbox.clear()
    return client.post(reverse("portal:enter_code"), {"code": code})


def test_a_forgotten_password_is_replaced_after_the_first_visit_path_without_the_old_one(signed_in, account, clock):
    signed_in.post(reverse("portal:sign_out"))
    assert by_first_visit(signed_in, account).url == reverse("portal:overview")
    page = text(signed_in.get(reverse("portal:security")))
    assert "password-current_password" not in page  # not asked for: it may be what was forgotten
    changed = signed_in.post(reverse("portal:security"), {
        "action": "password", "password-password": "a brand new passphrase", "password-password_again":
        "a brand new passphrase"})
    assert changed.url == reverse("portal:security")
    assert AuditEvent.objects.get(action="portal.password_changed").after["by"] == "code"
    signed_in.post(reverse("portal:sign_out"))
    assert sign_in(signed_in, "a brand new passphrase").url == reverse("portal:overview")
    # A plain sign-in proves no contact: the current password is asked for again.
    assert "password-current_password" in text(signed_in.get(reverse("portal:security")))


def test_changing_the_password_signs_out_every_other_browser_within_a_minute(signed_in, account, clock):
    from django.test import Client
    other = Client()
    assert sign_in(other).url == reverse("portal:overview")
    changed = signed_in.post(reverse("portal:security"), {
        "action": "password", "password-current_password": PASSWORD, "password-password": "a new and long passphrase",
        "password-password_again": "a new and long passphrase"})
    assert changed.url == reverse("portal:security")
    assert other.get(reverse("portal:overview")).status_code == 200  # until its next refresh
    for browser in (signed_in, other):
        session = browser.session
        session["portal_refreshed"] = 0  # a minute has passed
        session.save()
    assert other.get(reverse("portal:overview")).url == reverse("portal:sign_in")
    assert signed_in.get(reverse("portal:overview")).status_code == 200  # the browser that changed it stays
