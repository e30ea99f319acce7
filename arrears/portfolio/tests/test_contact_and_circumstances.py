"""What debtors tell us of themselves: contact points added and retired, contact preferences, and hardship or
vulnerability, each audited and announced to the debtor's creditors."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from arrears.core.crypto import decrypt
from arrears.core.models import AuditEvent, DomainEvent
from arrears.core.roles import Role
from arrears.portfolio import circumstances
from arrears.portfolio.contact import add_contact_point, preferences_of, retire_contact_point, set_contact_preferences
from arrears.portfolio.debtor_models import Circumstance
from arrears.portfolio.models import ContactPoint
from arrears.portfolio.services import ContactPointIn

pytestmark = pytest.mark.django_db


@pytest.fixture
def debtor(make_creditor, make_portfolio, make_account):
    return make_account(make_portfolio(make_creditor())).debtors.get()


def events(type_):
    return list(DomainEvent.objects.filter(type=type_))


def test_a_verified_new_mobile_is_the_right_partys_and_used_first(system, debtor):
    point = add_contact_point(actor=system, debtor=debtor, verified=True, primary=True, point_in=ContactPointIn(
        kind="phone", value="697 000 1122", source=ContactPoint.Source.DEBTOR))
    assert (point.phone_e164, point.status, point.confidence) == ("+306970001122", "valid", 100)
    assert list(debtor.contact_points.filter(kind="phone", is_primary=True)) == [point]
    assert AuditEvent.objects.filter(action="contact_point.added", object_id=str(point.pk)).exists()
    [event] = events("debtor.contact_changed")
    assert event.payload == {"debtor": debtor.pk, "change": "added"}


def test_a_number_already_on_file_is_refused_and_a_retired_one_comes_back(system, debtor):
    with pytest.raises(ValidationError) as refused:
        add_contact_point(actor=system, debtor=debtor, point_in=ContactPointIn(kind="phone", value="+30 691 234 5678"))
    assert "already on file" in str(refused.value)
    old = debtor.contact_points.get(kind="phone")
    retire_contact_point(actor=system, point=old, status=ContactPoint.Status.WRONG_PARTY)
    old.refresh_from_db()
    assert (old.status, old.is_primary) == ("wrong_party", False)
    back = add_contact_point(actor=system, debtor=debtor, verified=True,
                             point_in=ContactPointIn(kind="phone", value="6912345678"))
    assert back.pk == old.pk and back.status == "valid"
    assert debtor.contact_points.filter(kind="phone").count() == 1
    assert AuditEvent.objects.filter(action="contact_point.restored").exists()


def test_bad_contact_values_are_refused_with_the_field_named(system, debtor):
    for point_in, field in [(ContactPointIn(kind="phone", value="12"), "value"),
                            (ContactPointIn(kind="email", value="γιώργος@"), "value"),
                            (ContactPointIn(kind="address", address_line1="", city="Αθήνα"), "address_line1")]:
        with pytest.raises(ValidationError) as refused:
            add_contact_point(actor=system, debtor=debtor, point_in=point_in)
        assert field in refused.value.message_dict
    assert debtor.contact_points.count() == 2


def test_retiring_is_only_as_invalid_or_wrong_party(system, debtor):
    with pytest.raises(ValidationError):
        retire_contact_point(actor=system, point=debtor.contact_points.first(), status="valid")


def test_an_agent_of_another_creditor_may_not_change_the_debtors_contacts(make_user, make_creditor, debtor):
    stranger = make_user("stranger", Role.AGENT, creditors=[make_creditor("other-bank")])
    with pytest.raises(PermissionDenied):
        add_contact_point(actor=stranger, debtor=debtor, point_in=ContactPointIn(kind="email", value="x@example.gr"))


def test_preferences_are_kept_audited_and_checked(system, debtor):
    assert preferences_of(debtor).pk is None
    prefs = set_contact_preferences(actor=system, debtor=debtor, preferred_channel="email",
                                    earliest=dt.time(10), latest=dt.time(18), opted_out=["sms", "call"],
                                    language="ru")
    assert (prefs.preferred_channel, prefs.opted_out) == ("email", ["call", "sms"])
    debtor.refresh_from_db()
    assert debtor.preferred_language == "ru"
    audit = AuditEvent.objects.get(action="debtor.contact_preferences_changed")
    assert audit.after["language"] == "ru" and audit.after["opted_out"] == ["call", "sms"]
    # Saving the same again changes nothing and says nothing.
    set_contact_preferences(actor=system, debtor=debtor, preferred_channel="email", earliest=dt.time(10),
                            latest=dt.time(18), opted_out=["call", "sms"], language="ru")
    assert AuditEvent.objects.filter(action="debtor.contact_preferences_changed").count() == 1
    assert len(events("debtor.contact_changed")) == 1
    for kwargs, field in [({"earliest": dt.time(18), "latest": dt.time(9)}, "latest"),
                          ({"earliest": dt.time(9)}, "latest"),
                          ({"preferred_channel": "sms", "opted_out": ["sms"]}, "preferred_channel"),
                          ({"opted_out": ["pigeon"]}, "opted_out"),
                          ({"language": "de"}, "language")]:
        with pytest.raises(ValidationError) as refused:
            set_contact_preferences(actor=system, debtor=debtor, **kwargs)
        assert field in refused.value.message_dict
    assert preferences_of(debtor).opted_out == ["call", "sms"]


def test_declared_vulnerability_flags_the_debtor_at_once_and_keeps_health_details_encrypted(system, debtor):
    c = circumstances.declare(actor=system, debtor=debtor, kind="vulnerability", reasons=["health"],
                              needs=["writing"], details="Νοσηλεύομαι μέχρι τον Μάρτιο.", consent=True)
    debtor.refresh_from_db()
    assert debtor.vulnerable
    assert "Νοσηλεύομαι" not in c.details_encrypted
    assert circumstances.details_of(c) == "Νοσηλεύομαι μέχρι τον Μάρτιο."
    assert decrypt(c.details_encrypted, circumstances.DETAILS_CONTEXT).startswith("Νοσηλεύομαι")
    declared = AuditEvent.objects.get(action="circumstance.declared")
    assert "Νοσηλεύομαι" not in str(declared.after) and declared.after["details_given"] is True
    [event] = events("debtor.circumstances_declared")
    assert event.payload["kind"] == "vulnerability" and "details" not in event.payload


def test_health_details_without_consent_are_refused_and_nothing_is_kept(system, debtor):
    with pytest.raises(ValidationError) as refused:
        circumstances.declare(actor=system, debtor=debtor, kind="hardship", reasons=["illness"],
                              details="Χειρουργείο τον Ιανουάριο.")
    assert "consent" in refused.value.message_dict
    assert not Circumstance.objects.exists()
    # Without details no consent is needed.
    circumstances.declare(actor=system, debtor=debtor, kind="hardship", reasons=["illness"])
    debtor.refresh_from_db()
    assert not debtor.vulnerable  # hardship alone is not a vulnerability


def test_reasons_must_belong_to_the_kind(system, debtor):
    for kind, reasons in [("hardship", ["health"]), ("vulnerability", ["job_loss"]), ("hardship", []),
                          ("anger", ["other"])]:
        with pytest.raises(ValidationError):
            circumstances.declare(actor=system, debtor=debtor, kind=kind, reasons=reasons)
    assert not Circumstance.objects.exists()


def test_a_pause_runs_thirty_days_and_declaring_again_does_not_extend_it(system, debtor, business_date):
    c = circumstances.declare(actor=system, debtor=debtor, kind="hardship", reasons=["job_loss"], pause=True)
    assert c.paused_until == business_date + dt.timedelta(days=30)
    assert circumstances.active_pause(debtor.pk) == c.paused_until
    assert circumstances.active_pause(debtor.pk, on=business_date + dt.timedelta(days=31)) is None
    with pytest.raises(ValidationError) as refused:
        circumstances.declare(actor=system, debtor=debtor, kind="hardship", reasons=["costs"], pause=True)
    assert "pause" in refused.value.message_dict


def test_review_records_who_decided_and_may_lift_the_flag_and_end_the_pause(make_user, system, debtor):
    lead = make_user("lead", Role.TEAM_LEAD, creditors=[debtor.accounts.get().creditor])
    c = circumstances.declare(actor=system, debtor=debtor, kind="vulnerability", reasons=["life_event"])
    hardship = circumstances.declare(actor=system, debtor=debtor, kind="hardship", reasons=["job_loss"], pause=True)
    with pytest.raises(ValidationError):
        circumstances.review(actor=lead, circumstance=c, note="  ")
    circumstances.review(actor=lead, circumstance=c, note="Spoke to her; bereavement last month, no longer "
                         "needs support.", vulnerable=False)
    circumstances.review(actor=lead, circumstance=hardship, note="Plan agreed.", end_pause=True)
    c.refresh_from_db()
    debtor.refresh_from_db()
    assert (c.status, c.reviewed_by, debtor.vulnerable) == ("reviewed", lead, False)
    assert circumstances.active_pause(debtor.pk) is None
    with pytest.raises(ValidationError):
        circumstances.review(actor=lead, circumstance=c, note="again")
    creditor_user = make_user("bank", Role.CREDITOR, creditors=[debtor.accounts.get().creditor])
    with pytest.raises(PermissionDenied):
        circumstances.declare(actor=creditor_user, debtor=debtor, kind="hardship", reasons=["job_loss"])


def test_the_back_office_review_queue_shows_the_words_audits_the_view_and_records_the_review(client, make_user,
                                                                                           system, debtor,
                                                                                           make_creditor):
    creditor = debtor.accounts.get().creditor
    c = circumstances.declare(actor=system, debtor=debtor, kind="vulnerability", reasons=["capability"],
                              details="Δεν διαβάζω καλά ελληνικά.", consent=True)
    url = reverse("admin:portfolio_circumstance_change", args=[c.pk])
    client.force_login(make_user("outsider", Role.TEAM_LEAD, creditors=[make_creditor("other-bank")]))
    assert client.get(url).status_code == 302  # another creditor's debtor: not found
    lead = make_user("lead", Role.TEAM_LEAD, creditors=[creditor])
    client.force_login(lead)
    page = client.get(url)
    assert "Δεν διαβάζω καλά ελληνικά." in page.content.decode()
    assert AuditEvent.objects.filter(actor=lead, action="circumstance.viewed", object_id=str(c.pk)).exists()
    saved = client.post(url, {"review_note": "Letters in plain language; keep the flag.", "vulnerable": "flag"})
    assert saved.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.reviewed_by, c.review_note) == ("reviewed", lead, "Letters in plain language; keep the flag.")
