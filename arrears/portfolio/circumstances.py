"""Hardship and vulnerability: declared by the debtor or recorded by staff, then reviewed.

What follows a declaration at once, before anyone reviews it: a vulnerability sets the debtor's
"vulnerable" flag (the contact rules and strategies treat the flag), and a hardship declaration may ask for
a pause of collection contact (PAUSE_DAYS) while the debtor gets advice; one pause at a time, so declaring
again does not extend it. Creditors hear of it as `debtor.circumstances_declared`, without the details.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import audit_identity
from arrears.core.audit import record
from arrears.core.clock import business_date as today
from arrears.core.crypto import decrypt, encrypt
from arrears.core.events import EventIn, emit_many
from arrears.portfolio.debtor_models import Circumstance
from arrears.portfolio.models import Account, Debtor
from arrears.portfolio.services import authorize_for_every_creditor, set_debtor_flags

PAUSE_DAYS = 30  # as the UK's breathing space and most lenders' hardship holds
DETAILS_MAX = 2000
R = Circumstance.Reason
REASONS = {
    Circumstance.Kind.HARDSHIP: (R.JOB_LOSS, R.ILLNESS, R.BEREAVEMENT, R.RELATIONSHIP, R.COSTS, R.OTHER_DEBTS, R.OTHER),
    Circumstance.Kind.VULNERABILITY: (R.HEALTH, R.LIFE_EVENT, R.RESILIENCE, R.CAPABILITY, R.OTHER),
}
# Reasons that make the details health data, kept only with explicit consent.
HEALTH_REASONS = {R.ILLNESS, R.HEALTH}
DETAILS_CONTEXT = "circumstance-details"


def active_pause(debtor_id: int, on: dt.date | None = None) -> dt.date | None:
    """The date until which collection contact is paused for this debtor, if a pause is running."""
    on = on or today()
    return (Circumstance.objects.filter(debtor_id=debtor_id, paused_until__gte=on)
            .order_by("-paused_until").values_list("paused_until", flat=True).first())


def _clean(kind: str, reasons, needs, details: str, consent: bool) -> dict:
    errors = {}
    if kind not in REASONS:
        raise ValidationError({"kind": _("Choose hardship or vulnerability.")})
    reasons = sorted(set(reasons))
    if not reasons:
        errors["reasons"] = _("Choose at least one reason.")
    elif any(r not in REASONS[kind] for r in reasons):
        errors["reasons"] = _("Choose among the reasons shown.")
    needs = sorted(set(needs))
    if any(n not in Circumstance.Need.values for n in needs):
        errors["needs"] = _("Choose among the needs shown.")
    details = details.strip()
    if len(details) > DETAILS_MAX:
        errors["details"] = _("Keep it to %(n)s characters at most.") % {"n": DETAILS_MAX}
    sensitive = kind == Circumstance.Kind.VULNERABILITY or HEALTH_REASONS & set(reasons)
    if details and sensitive and not consent:
        errors["consent"] = _("To keep what you wrote about your health we need your consent. Tick the box, or "
                              "leave the details empty.")
    if errors:
        raise ValidationError(errors)
    return {"reasons": reasons, "needs": needs, "details": details}


def declare(*, actor, debtor: Debtor, kind: str, reasons, needs=(), details: str = "", consent: bool = False,
            pause: bool = False, channel: str = "portal", business_date: dt.date | None = None) -> Circumstance:
    authorize_for_every_creditor(actor, roles.RECORD_CIRCUMSTANCES, debtor.pk)
    clean = _clean(kind, reasons, needs, details, consent)
    business_date = business_date or today()
    running = active_pause(debtor.pk, business_date)
    if pause and running:
        raise ValidationError({"pause": _("Contact is already paused until %(date)s.") % {
            "date": running.isoformat()}})
    with transaction.atomic():
        circumstance = Circumstance.objects.create(
            debtor=debtor, kind=kind, reasons=clean["reasons"], needs=clean["needs"], channel=channel[:10],
            details_encrypted=encrypt(clean["details"], DETAILS_CONTEXT) if clean["details"] else "",
            consent_at=timezone.now() if consent and clean["details"] else None,
            paused_until=business_date + dt.timedelta(days=PAUSE_DAYS) if pause else None)
        facts = {"kind": kind, "reasons": clean["reasons"], "needs": clean["needs"],
                 "paused_until": circumstance.paused_until.isoformat() if circumstance.paused_until else None}
        record(actor=actor, action="circumstance.declared", obj=circumstance,
               after={**facts, "details_given": bool(clean["details"]), "consent": bool(circumstance.consent_at)})
        if kind == Circumstance.Kind.VULNERABILITY and not debtor.vulnerable:
            Debtor.objects.filter(pk=debtor.pk).update(vulnerable=True)
            debtor.vulnerable = True
            record(actor=actor, action="debtor.flags_changed", obj=debtor, before={"vulnerable": False},
                   after={"vulnerable": True, "because": f"circumstance:{circumstance.pk}"})
        creditors = sorted(set(Account.objects.filter(debtor_links__debtor_id=debtor.pk)
                               .values_list("creditor_id", flat=True)))
        emit_many([EventIn("debtor.circumstances_declared", creditor_id, {"debtor": debtor.pk, **facts})
                   for creditor_id in creditors])
    return circumstance


def details_of(circumstance: Circumstance) -> str:
    """The debtor's own words, decrypted; callers showing them record the view."""
    return decrypt(circumstance.details_encrypted, DETAILS_CONTEXT) if circumstance.details_encrypted else ""


def review(*, actor, circumstance: Circumstance, note: str, vulnerable: bool | None = None,
           end_pause: bool = False) -> Circumstance:
    """Staff looked at a declaration: a note, whether the debtor stays flagged vulnerable, and whether a
    running pause ends now (e.g. the debtor has agreed a plan)."""
    authorize_for_every_creditor(actor, roles.SET_DEBTOR_FLAGS, circumstance.debtor_id)
    if not note.strip():
        raise ValidationError({"review_note": _("Say what was decided.")})
    if circumstance.status == Circumstance.Status.REVIEWED:
        raise ValidationError({"status": _("This declaration has already been reviewed.")})
    with transaction.atomic():
        circumstance.status = Circumstance.Status.REVIEWED
        circumstance.reviewed_at = timezone.now()
        circumstance.reviewed_by = audit_identity(actor)[0]
        circumstance.review_note = note.strip()
        if end_pause and circumstance.paused_until and circumstance.paused_until >= today():
            circumstance.paused_until = today() - dt.timedelta(days=1)
        circumstance.save()
        record(actor=actor, action="circumstance.reviewed", obj=circumstance,
               after={"note": circumstance.review_note, "vulnerable": vulnerable, "end_pause": end_pause})
        if vulnerable is not None:
            set_debtor_flags(actor=actor, debtor=circumstance.debtor, vulnerable=vulnerable)
    return circumstance
