"""The debtor's own details in the portal: contact points (a new phone or e-mail proved by a code), contact
preferences, and hardship or vulnerability."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrears.portal import contact_change
from arrears.portal.forms import CodeForm
from arrears.portal.profile_forms import (
    AddressForm,
    HardshipForm,
    NewContactForm,
    PreferencesForm,
    RetireForm,
    VulnerabilityForm,
)
from arrears.portal.services import Refused
from arrears.portal.views import _debtor, form_errors, render, signed_in
from arrears.portfolio import circumstances as circumstance_services
from arrears.portfolio.contact import (
    RETIRED,
    add_contact_point,
    preferences_of,
    retire_contact_point,
    set_contact_preferences,
)
from arrears.portfolio.debtor_models import Circumstance
from arrears.portfolio.models import ContactPoint
from arrears.portfolio.services import ContactPointIn


def _contact_page(request, debtor, *, new=None, address=None):
    points = debtor.contact_points.exclude(status__in=RETIRED).order_by("kind", "-is_primary", "pk")
    return render(request, "portal/contact.html", {
        "points": points, "new_form": new or NewContactForm(), "address_form": address or AddressForm(),
        "retire_form": RetireForm()})


@signed_in
def contact(request):
    return _contact_page(request, _debtor(request))


@signed_in
@require_POST
def add_contact(request):
    debtor, form = _debtor(request), NewContactForm(request.POST)
    if form.is_valid():
        try:
            pending = contact_change.start(actor=request.debtor_actor, debtor=debtor, kind=form.cleaned_data["kind"],
                                           value=form.cleaned_data["value"])
        except Refused as exc:
            form.add_error(None, exc)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            request.session[contact_change.PENDING] = {**pending, "primary": form.cleaned_data["primary"]}
            return redirect("portal:verify_contact")
    return _contact_page(request, debtor, new=form)


@signed_in
def verify_contact(request):
    pending = request.session.get(contact_change.PENDING)
    if not pending:
        return redirect("portal:contact")
    debtor, form = _debtor(request), CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            point = contact_change.confirm(actor=request.debtor_actor, debtor=debtor, pending=pending,
                                           code=form.cleaned_data["code"], primary=pending.get("primary", False))
        except ValidationError as exc:
            request.session.pop(contact_change.PENDING, None)
            messages.error(request, " ".join(exc.messages))
            return redirect("portal:contact")
        if point is not None:
            request.session.pop(contact_change.PENDING, None)
            messages.success(request, _("Thank you: %(value)s is now on file.") % {"value": str(point)})
            return redirect("portal:contact")
        request.session[contact_change.PENDING] = pending  # the wrong entry counted
        form.add_error("code", _("That code is not right, or it has expired. Ask for a new one if needed."))
    return render(request, "portal/contact_verify.html", {"form": form, "destination": pending["value"]})


@signed_in
@require_POST
def add_address(request):
    debtor, form = _debtor(request), AddressForm(request.POST)
    if form.is_valid():
        try:
            add_contact_point(actor=request.debtor_actor, debtor=debtor, primary=True, point_in=ContactPointIn(
                kind=ContactPoint.Kind.ADDRESS, country=debtor.country, source=ContactPoint.Source.DEBTOR,
                confidence=80, **form.cleaned_data))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Thank you: we will write to you at this address."))
            return redirect("portal:contact")
    return _contact_page(request, debtor, address=form)


@signed_in
@require_POST
def retire_contact(request, pk: int):
    debtor = _debtor(request)
    point = get_object_or_404(debtor.contact_points.exclude(status__in=RETIRED), pk=pk)
    form = RetireForm(request.POST)
    if form.is_valid():
        retire_contact_point(actor=request.debtor_actor, point=point, status=form.cleaned_data["why"])
        messages.success(request, _("We will no longer use %(value)s.") % {"value": str(point)})
    else:
        messages.error(request, _("Say why we should stop using it."))
    return redirect("portal:contact")


@signed_in
def preferences(request):
    debtor = _debtor(request)
    prefs = preferences_of(debtor)
    form = PreferencesForm(request.POST or None, initial={
        "preferred_channel": prefs.preferred_channel, "earliest": prefs.earliest, "latest": prefs.latest,
        "opted_out": prefs.opted_out, "language": debtor.preferred_language or request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            set_contact_preferences(actor=request.debtor_actor, debtor=debtor, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("portal:preferences")
    return render(request, "portal/preferences.html", {"form": form})


FORMS = {Circumstance.Kind.HARDSHIP: HardshipForm, Circumstance.Kind.VULNERABILITY: VulnerabilityForm}


@signed_in
def circumstances(request):
    debtor = _debtor(request)
    kind = request.POST.get("kind")
    forms = {k: form_class(request.POST if k == kind else None, prefix=k) for k, form_class in FORMS.items()}
    if request.method == "POST" and kind in forms and forms[kind].is_valid():
        try:
            circumstance_services.declare(actor=request.debtor_actor, debtor=debtor, kind=kind, channel="portal",
                                          **forms[kind].cleaned_data)
        except ValidationError as exc:
            form_errors(forms[kind], exc)
        else:
            messages.success(request, _("Thank you for telling us. Someone from our team will review it and will "
                                        "take it into account in how we deal with you."))
            return redirect("portal:circumstances")
    return render(request, "portal/circumstances.html", {
        "hardship": forms[Circumstance.Kind.HARDSHIP], "vulnerability": forms[Circumstance.Kind.VULNERABILITY],
        "declared": debtor.circumstances.order_by("-created_at")[:10],
        "paused_until": circumstance_services.active_pause(debtor.pk)})
