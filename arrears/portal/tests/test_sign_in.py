"""The portal's sign-in: a first visit proved by what the debtor knows and a code to a contact on file, then
their own login. No answer tells a stranger whether a reference or a username exists; every attempt is audited."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from arrears.core import sms
from arrears.core.models import AuditEvent
from arrears.portal.models import OneTimeCode, PortalLogin

pytestmark = pytest.mark.django_db
NO_MATCH = "We could not match these details"


@pytest.fixture(autouse=True)
def _fresh(settings):
    from django.core.cache import cache
    cache.clear()  # throttling counters
    sms.outbox.clear()


def first_visit(client, account, dob="1975-03-14", id_end=""):
    return client.post(reverse("portal:first_visit"), {"reference": account.creditor_reference,
                                                       "date_of_birth": dob, "id_end": id_end})


def choose_email(client):
    page = client.get(reverse("portal:send_code"))
    email_choice = re.search(r'value="(\d+)"[^>]*>\s*<label[^>]*>g•••@example\.gr', page.content.decode())
    return client.post(reverse("portal:send_code"), {"destination": email_choice.group(1)})


def code_in(message: str) -> str:
    return re.search(r"\b(\d{6})\b", message).group(1)


def test_a_first_visit_ends_signed_in_with_a_login_of_the_debtors_own(client, account):
    assert first_visit(client, account).url == reverse("portal:send_code")
    assert choose_email(client).url == reverse("portal:enter_code")
    [message] = mail.outbox
    assert message.to == ["g.papadopoulos@example.gr"]
    # Nothing of the debt in a message others may read: no amount, creditor or reference.
    for secret in ("1000", "1.000", account.creditor.name, account.creditor_reference, account.rf_reference):
        assert secret not in message.body and secret not in message.subject
    entered = client.post(reverse("portal:enter_code"), {"code": code_in(message.body)})
    assert entered.url == reverse("portal:create_login")
    created = client.post(reverse("portal:create_login"), {"username": "Giorgos.P", "password": "κωδικός-πολύ-μακρύς",
                                                           "password_again": "κωδικός-πολύ-μακρύς"})
    assert created.url == reverse("portal:overview")
    assert PortalLogin.objects.get().username == "giorgos.p"
    page = client.get(reverse("portal:overview"), headers={"accept-language": "el"})
    text = page.content.decode()
    assert "1.000,00" in text and account.creditor_reference in text
    assert 0 < client.session.get_expiry_age() <= 900
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"portal.first_visit", "portal.code_sent", "portal.code_accepted", "portal.login_created",
            "portal.visit"} <= actions


def test_the_national_id_ending_also_proves_a_first_visit_and_a_code_can_go_by_sms(client, account):
    assert first_visit(client, account, dob="", id_end="9216").url == reverse("portal:send_code")
    page = client.get(reverse("portal:send_code")).content.decode()
    phone_choice = re.search(r'value="(\d+)"[^>]*>\s*<label[^>]*>•••678', page).group(1)
    client.post(reverse("portal:send_code"), {"destination": phone_choice})
    [text] = sms.outbox
    assert text.to == "+306912345678" and "1000" not in text.text


def test_a_wrong_birth_date_and_an_unknown_reference_get_the_same_answer(client, account):
    wrong = first_visit(client, account, dob="1975-03-15").content.decode()
    unknown = client.post(reverse("portal:first_visit"), {"reference": "NO-SUCH-REF", "date_of_birth": "1975-03-14"})
    assert NO_MATCH in wrong and NO_MATCH in unknown.content.decode()
    assert AuditEvent.objects.filter(action="portal.first_visit_failed").count() == 2
    for _ in range(9):
        first_visit(client, account, dob="1975-03-15")
    throttled = first_visit(client, account).content.decode()  # even the right answer waits now
    assert "Too many attempts" in throttled


def test_five_wrong_codes_spend_the_code(client, account):
    first_visit(client, account)
    choose_email(client)
    right = code_in(mail.outbox[0].body)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(5):
        assert "not right" in client.post(reverse("portal:enter_code"), {"code": wrong}).content.decode()
    assert "not right" in client.post(reverse("portal:enter_code"), {"code": right}).content.decode()
    assert OneTimeCode.objects.get().used_at is not None
    assert not PortalLogin.objects.exists()


def test_sign_in_with_the_login_and_throttling_that_does_not_reveal_usernames(client, account):
    from arrears.portal.services import create_login

    create_login(debtor=account.debtors.first(), username="giorgos", password="a long enough passphrase")
    assert client.get(reverse("portal:overview")).url == reverse("portal:sign_in")
    bad = client.post(reverse("portal:sign_in"), {"username": "giorgos", "password": "wrong"}).content.decode()
    nobody = client.post(reverse("portal:sign_in"), {"username": "nobody", "password": "wrong"}).content.decode()
    assert "The username or the password is wrong" in bad and "The username or the password is wrong" in nobody
    good = client.post(reverse("portal:sign_in"), {"username": "Giorgos", "password": "a long enough passphrase"})
    assert good.url == reverse("portal:overview")
    client.post(reverse("portal:sign_out"))
    for _ in range(10):
        client.post(reverse("portal:sign_in"), {"username": "nobody", "password": "wrong"})
    assert "Too many attempts" in client.post(
        reverse("portal:sign_in"), {"username": "nobody", "password": "wrong"}).content.decode()


def test_a_debtor_sees_only_their_own_debts(client, account, make_account):
    from arrears.conftest import greek_debtor
    from arrears.portal.services import create_login
    from arrears.portfolio.services import IdentifierIn

    other = make_account(account.portfolio, principal="777.00", reference="OTHER-1", debtor=greek_debtor(
        given_name="Νίκος", identifiers=[IdentifierIn("GR-AFM", "123456783")], contact_points=[]))
    create_login(debtor=account.debtors.first(), username="giorgos", password="a long enough passphrase")
    client.post(reverse("portal:sign_in"), {"username": "giorgos", "password": "a long enough passphrase"})
    text = client.get(reverse("portal:overview")).content.decode()
    assert account.creditor_reference in text and other.creditor_reference not in text and "777" not in text
