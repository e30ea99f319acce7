"""The debtor's own details in the portal: a new phone or e-mail only after a code sent to it comes back,
preferences, and hardship or vulnerability, in the debtor's language."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from arrears.conftest import greek_debtor
from arrears.core import sms
from arrears.core.models import AuditEvent
from arrears.portfolio.debtor_models import Circumstance, ContactPreferences

pytestmark = pytest.mark.django_db
EL = {"accept-language": "el"}


@pytest.fixture(autouse=True)
def _no_messages():
    sms.outbox.clear()


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_a_new_email_is_added_only_after_its_code_comes_back(signed_in, account):
    debtor = account.debtors.get()
    sent = signed_in.post(reverse("portal:add_contact"), {"kind": "email", "value": "Giorgos@Example.GR",
                                                          "primary": "on"})
    assert sent.url == reverse("portal:verify_contact")
    [message] = mail.outbox
    assert message.to == ["Giorgos@example.gr"]
    assert account.creditor_reference not in message.body and "1000" not in message.body
    assert not debtor.contact_points.filter(email__iexact="giorgos@example.gr").exists()  # nothing yet
    wrong = signed_in.post(reverse("portal:verify_contact"), {"code": "000000" if code_in(message.body) != "000000"
                                                              else "111111"})
    assert wrong.status_code == 200 and "not right" in wrong.content.decode()
    done = signed_in.post(reverse("portal:verify_contact"), {"code": code_in(message.body)})
    assert done.url == reverse("portal:contact")
    point = debtor.contact_points.get(email="Giorgos@example.gr")
    assert (point.status, point.source, point.is_primary) == ("valid", "debtor", True)
    actions = AuditEvent.objects.filter(action__startswith="portal.contact_code").values_list("action", flat=True)
    assert sorted(actions) == ["portal.contact_code_refused", "portal.contact_code_sent"]
    # The code is spent: the same code again is no use.
    assert signed_in.post(reverse("portal:verify_contact"), {"code": code_in(message.body)}).url == \
        reverse("portal:contact")
    assert debtor.contact_points.filter(kind="email").count() == 2


def test_five_wrong_codes_spend_the_change(signed_in, account):
    signed_in.post(reverse("portal:add_contact"), {"kind": "phone", "value": "6970001122"})
    [message] = sms.outbox
    assert message.to == "+306970001122"
    right = code_in(message.text)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        signed_in.post(reverse("portal:verify_contact"), {"code": wrong})
    spent = signed_in.post(reverse("portal:verify_contact"), {"code": right})
    assert spent.url == reverse("portal:contact")
    assert not account.debtors.get().contact_points.filter(phone_e164="+306970001122").exists()


def test_a_bad_number_is_refused_in_greek_and_no_code_is_sent(signed_in):
    page = signed_in.post(reverse("portal:add_contact"), {"kind": "phone", "value": "12"}, headers=EL)
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert not sms.outbox and not mail.outbox


def test_a_number_already_on_file_is_refused(signed_in):
    page = signed_in.post(reverse("portal:add_contact"), {"kind": "phone", "value": "+30 691 234 5678"})
    assert "already on file" in page.content.decode()
    assert not sms.outbox


def test_codes_to_new_contacts_are_throttled(signed_in):
    for n in range(4):
        page = signed_in.post(reverse("portal:add_contact"), {"kind": "phone", "value": f"697000112{n}"})
    assert page.status_code == 200 and "Too many codes" in page.content.decode()
    assert len(sms.outbox) == 3


def test_a_contact_is_retired_and_an_address_given(signed_in, account):
    debtor = account.debtors.get()
    phone = debtor.contact_points.get(kind="phone")
    page = signed_in.get(reverse("portal:contact"))
    assert "+306912345678" in page.content.decode()
    retired = signed_in.post(reverse("portal:retire_contact", args=[phone.pk]), {"why": "wrong_party"}, follow=True)
    assert "We will no longer use +306912345678" in retired.content.decode()
    phone.refresh_from_db()
    assert phone.status == "wrong_party"
    assert "+306912345678" not in signed_in.get(reverse("portal:contact")).content.decode()
    signed_in.post(reverse("portal:add_address"), {"address_line1": "Οδός Αθηνάς 12", "postal_code": "10551",
                                                   "city": "Αθήνα"})
    address = debtor.contact_points.get(kind="address")
    assert (address.city, address.source, address.is_primary) == ("Αθήνα", "debtor", True)


def test_another_debtors_contact_cannot_be_retired(signed_in, make_account, account):
    stranger = greek_debtor(given_name="Μαρία", identifiers=[])
    other = make_account(account.portfolio, reference="OTHER-1", debtor=stranger).debtors.get()
    assert other != account.debtors.get()
    point = other.contact_points.first()
    assert signed_in.post(reverse("portal:retire_contact", args=[point.pk]), {"why": "invalid"}).status_code == 404
    point.refresh_from_db()
    assert point.status == "unverified"


def test_preferences_are_saved_and_bad_hours_refused(signed_in, account):
    page = signed_in.post(reverse("portal:preferences"), {"preferred_channel": "email", "earliest": "10:00",
                                                          "latest": "09:00", "language": "el"})
    assert page.status_code == 200 and not ContactPreferences.objects.exists()
    saved = signed_in.post(reverse("portal:preferences"), {"preferred_channel": "email", "earliest": "10:00",
                                                           "latest": "18:30", "opted_out": ["call", "whatsapp"],
                                                           "language": "pl"})
    assert saved.url == reverse("portal:preferences")
    prefs = ContactPreferences.objects.get()
    assert (prefs.preferred_channel, prefs.opted_out, str(prefs.latest)) == ("email", ["call", "whatsapp"], "18:30:00")
    assert account.debtors.get().preferred_language == "pl"
    shown = signed_in.get(reverse("portal:preferences")).content.decode()
    assert 'value="18:30"' in shown


def test_declaring_hardship_with_a_pause_and_a_vulnerability(signed_in, account):
    hardship = signed_in.post(reverse("portal:circumstances"), {
        "kind": "hardship", "hardship-reasons": ["job_loss"], "hardship-pause": "on"}, headers=EL)
    assert hardship.url == reverse("portal:circumstances")
    page = signed_in.get(reverse("portal:circumstances"), headers=EL).content.decode()
    assert "Financial hardship" not in page  # shown in Greek
    refused = signed_in.post(reverse("portal:circumstances"), {
        "kind": "vulnerability", "vulnerability-reasons": ["health"], "vulnerability-details": "Κατάθλιψη"})
    assert refused.status_code == 200 and "consent" in refused.content.decode()
    signed_in.post(reverse("portal:circumstances"), {
        "kind": "vulnerability", "vulnerability-reasons": ["health"], "vulnerability-needs": ["writing"],
        "vulnerability-details": "Κατάθλιψη", "vulnerability-consent": "on"})
    assert list(Circumstance.objects.order_by("pk").values_list("kind", flat=True)) == ["hardship", "vulnerability"]
    assert account.debtors.get().vulnerable
    assert Circumstance.objects.get(kind="hardship").paused_until is not None


def test_the_pages_need_a_signed_in_debtor(client):
    for name in ("contact", "preferences", "circumstances", "verify_contact"):
        assert client.get(reverse(f"portal:{name}")).url == reverse("portal:sign_in")


def test_the_month_by_month_page_shows_the_months_and_every_payment_marking_a_returned_one(signed_in, account,
                                                                                         system):
    from arrears.core.money import Money
    from arrears.ledger.corrections import reverse_payment
    from arrears.ledger.services import PaymentIn, post_payment
    for n, amount in enumerate(("120.00", "80.00")):
        posted = post_payment(actor=system, payment=PaymentIn(account_id=account.pk, amount=Money.of(amount, "EUR"),
                                                               source="bank", external_id=f"h-{n}",
                                                               value_date=account.placed_at.date()))
    reverse_payment(actor=system, payment=posted.payment, reason="returned unpaid")
    page = signed_in.get(reverse("portal:history", args=[account.pk]), headers=EL).content.decode()
    assert "880,00" in page  # 1,000.00 less the 120.00 that stands, in Greek format
    assert page.count("<tr>") >= 3 and "120,00" in page and "80,00" in page
    english = signed_in.get(reverse("portal:history", args=[account.pk]), headers={"accept-language": "en"})
    assert english.content.decode().count("returned unpaid") == 1
    assert signed_in.get(reverse("portal:overview")).content.decode().count(reverse("portal:history",
                                                                                    args=[account.pk])) == 1
