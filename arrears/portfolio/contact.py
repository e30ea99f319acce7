"""Changing how a debtor is reached: contact points added or retired, and the debtor's own preferences.

Used by the portal (the debtor, after proving a new phone or e-mail with a code) and by staff. Each change
is audited and announced to the debtor's creditors as `debtor.contact_changed`, so that queued work can be
re-checked against it.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.audit import record, snapshot
from arrears.core.events import EventIn, emit_many
from arrears.portfolio.debtor_models import Channel, ContactPreferences
from arrears.portfolio.models import Account, ContactPoint, Debtor
from arrears.portfolio.services import (
    ContactPointIn,
    authorize_for_every_creditor,
    clean_contact_point,
    contact_point_added,
    point_key,
)

RETIRED = (ContactPoint.Status.INVALID, ContactPoint.Status.WRONG_PARTY)
PREFERENCE_FIELDS = ["preferred_channel", "earliest", "latest", "opted_out"]


def contact_changed(debtor_id: int, change: str) -> None:
    """Tell each of the debtor's creditors, in the current transaction, that contact data changed."""
    creditors = sorted(set(Account.objects.filter(debtor_links__debtor_id=debtor_id)
                           .values_list("creditor_id", flat=True)))
    emit_many([EventIn("debtor.contact_changed", creditor_id, {"debtor": debtor_id, "change": change})
               for creditor_id in creditors])


def clean_new_contact(debtor: Debtor, kind: str, value: str) -> ContactPoint:
    """A phone or e-mail as it would be stored (E.164, lower-cased domain), refused if already in use
    for this debtor. Nothing is saved."""
    if kind not in (ContactPoint.Kind.PHONE, ContactPoint.Kind.EMAIL):
        raise ValidationError({"kind": _("Choose a phone number or an e-mail address.")})
    point = clean_contact_point(ContactPointIn(kind=kind, value=value), debtor.country)
    for existing in debtor.contact_points.filter(kind=kind).exclude(status__in=RETIRED):
        if point_key(existing) == point_key(point):
            raise ValidationError({"value": _("This is already on file.")})
    return point


def add_contact_point(*, actor, debtor: Debtor, point_in: ContactPointIn, verified: bool = False,
                      primary: bool = False) -> ContactPoint:
    """Add a phone, e-mail or postal address. `verified`: the debtor proved they hold it (a code sent to it
    came back), so it is the right party's with full confidence. A retired point given again is restored."""
    authorize_for_every_creditor(actor, roles.EDIT_CONTACT_POINTS, debtor.pk)
    if point_in.kind == ContactPoint.Kind.ADDRESS:
        point = clean_contact_point(point_in, debtor.country)
    else:
        point = clean_new_contact(debtor, point_in.kind, point_in.value)
    point.debtor = debtor
    point.source = point_in.source
    if verified:
        point.status, point.confidence = ContactPoint.Status.VALID, 100
    with transaction.atomic():
        same = [p for p in debtor.contact_points.select_for_update().filter(kind=point.kind)
                if point_key(p) == point_key(point)]
        if same:
            point = same[0]
            before = snapshot(point, ["status", "confidence", "is_primary"])
            point.status = ContactPoint.Status.VALID if verified else ContactPoint.Status.UNVERIFIED
            point.confidence = 100 if verified else max(point.confidence, point_in.confidence)
        else:
            before = None
            point.confidence = 100 if verified else point_in.confidence
        if primary:
            debtor.contact_points.filter(kind=point.kind, is_primary=True).update(is_primary=False)
            point.is_primary = True
        point.save()
        if before is None:
            record(actor=actor, action="contact_point.added", obj=point,
                   after=contact_point_added(actor, point, None).after | {"verified": verified})
        else:
            record(actor=actor, action="contact_point.restored", obj=point, before=before,
                   after=snapshot(point, ["status", "confidence", "is_primary"]))
        contact_changed(debtor.pk, "added")
    return point


def retire_contact_point(*, actor, point: ContactPoint, status: str = ContactPoint.Status.INVALID) -> ContactPoint:
    """Stop using a contact point: no longer in use (invalid), or not the debtor's (wrong party)."""
    authorize_for_every_creditor(actor, roles.EDIT_CONTACT_POINTS, point.debtor_id)
    if status not in RETIRED:
        raise ValidationError({"status": _("A contact point can only be retired as invalid or wrong party.")})
    with transaction.atomic():
        before = snapshot(point, ["status", "is_primary"])
        point.status, point.is_primary = status, False
        point.save(update_fields=["status", "is_primary"])
        record(actor=actor, action="contact_point.retired", obj=point, before=before,
               after=snapshot(point, ["status", "is_primary"]))
        contact_changed(point.debtor_id, "retired")
    return point


def preferences_of(debtor: Debtor) -> ContactPreferences:
    """The debtor's preferences, or unsaved empty ones (no wishes given)."""
    return ContactPreferences.objects.filter(debtor=debtor).first() or ContactPreferences(debtor=debtor)


def set_contact_preferences(*, actor, debtor: Debtor, preferred_channel: str = "", earliest: dt.time | None = None,
                            latest: dt.time | None = None, opted_out=(), language: str = "") -> ContactPreferences:
    """Record the debtor's preferred channel, the hours that suit them, the channels they refuse and, if
    given, the language of what we send them."""
    authorize_for_every_creditor(actor, roles.EDIT_CONTACT_POINTS, debtor.pk)
    errors = {}
    if preferred_channel and preferred_channel not in Channel.values:
        errors["preferred_channel"] = _("“%(value)s” is not a contact channel.") % {"value": preferred_channel}
    unknown = [c for c in opted_out if c not in Channel.values]
    if unknown:
        errors["opted_out"] = _("“%(value)s” is not a contact channel.") % {"value": unknown[0]}
    if (earliest is None) != (latest is None):
        errors["latest"] = _("Give both times, or neither.")
    elif earliest is not None and earliest >= latest:
        errors["latest"] = _("The end of the hours must come after their start.")
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of the languages shown.")
    if preferred_channel and preferred_channel in opted_out:
        errors["preferred_channel"] = _("You cannot prefer a channel you have refused.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        prefs = ContactPreferences.objects.select_for_update().filter(debtor=debtor).first()
        before = snapshot(prefs, PREFERENCE_FIELDS) if prefs else None
        prefs = prefs or ContactPreferences(debtor=debtor)
        prefs.preferred_channel, prefs.earliest, prefs.latest = preferred_channel, earliest, latest
        prefs.opted_out = sorted(set(opted_out))
        prefs.save()
        after = snapshot(prefs, PREFERENCE_FIELDS)
        if language and language != debtor.preferred_language:
            before, after = {**(before or {}), "language": debtor.preferred_language}, {**after, "language": language}
            debtor.preferred_language = language
            debtor.save(update_fields=["preferred_language"])
        if after != before:
            record(actor=actor, action="debtor.contact_preferences_changed", obj=debtor, before=before, after=after)
            contact_changed(debtor.pk, "preferences")
    return prefs
