"""The debtor portal's pages. Plain forms that work without JavaScript; the signed-in debtor is kept in
the session (never a staff user), which expires after PORTAL_IDLE_SECONDS without a request."""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.shortcuts import render as django_render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrears.analytics import funnel
from arrears.analytics.models import FunnelEvent
from arrears.arrangements.models import FinancialStatement
from arrears.core.audit import record
from arrears.portal import branding, services
from arrears.portal.forms import (
    AuthenticatorCodeForm,
    CodeForm,
    DestinationForm,
    FirstVisitForm,
    NewLoginForm,
    SignInForm,
)
from arrears.portal.models import OneTimeCode, PortalLogin
from arrears.portfolio.models import Account, Debtor

SIGNED_IN, PENDING, VERIFIED = "portal_debtor", "portal_pending", "portal_verified"
# After a right password, a login with an authenticator waits here for its code, for CODE_STEP_SECONDS.
AWAITING_CODE, CODE_STEP_SECONDS = "portal_awaiting_code", 5 * 60
CREDITORS, REFRESHED = "portal_creditors", "portal_refreshed"
VISITED = "portal_visited"
CREDENTIALS = "portal_credentials"
# Set when a debtor with a login came in by the first-visit path (a code to a contact on file): for
# PROVED_SECONDS the password may be changed without the current one, which they may have forgotten.
PROVED_BY_CODE, PROVED_SECONDS = "portal_proved_by_code", 15 * 60
# The idle expiry and the debtor's creditors are refreshed at most this often: writing the session on
# every page would cost a database write per request for a minute's precision nobody needs.
REFRESH_SECONDS = 60


def render(request, template: str, context: dict):
    """Every portal page carries the servicer's own name (the portal is white-labelled). The first page of
    a browser session counts as a visit, with the campaign its link named (?src=)."""
    if VISITED not in request.session:
        request.session[VISITED] = True
        funnel.record(FunnelEvent.Step.VISIT, source=request.GET.get("src", ""))
    brand = branding.brand_for(request)
    return django_render(request, template, {"brand": brand, "portal_brand": brand.name, **context})


def form_errors(form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: each message at its field, the rest above the form."""
    for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
        form.add_error(field if field in form.fields else None, errors)


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _start_session(request, debtor_id: int) -> None:
    request.session.cycle_key()  # a new session id at sign-in: no fixation
    for key in (PENDING, VERIFIED, AWAITING_CODE):
        request.session.pop(key, None)
    request.session[SIGNED_IN] = debtor_id
    request.session[CREDENTIALS] = credentials_of(debtor_id)
    actor = _refresh(request, debtor_id)
    for creditor_id in sorted(actor.creditors) or [None]:
        funnel.record(FunnelEvent.Step.SIGNED_IN, debtor_id=debtor_id, creditor_id=creditor_id)
    record(actor=services.actor_for(debtor_id), action="portal.visit", object_type="portfolio.debtor",
           object_id=debtor_id, after={"ip": _ip(request)})


def credentials_of(debtor_id: int) -> str:
    """A digest of the debtor's password hash: a session signed in under another password ends at its next
    refresh, so changing the password signs out every other browser within REFRESH_SECONDS."""
    stored = PortalLogin.objects.filter(debtor_id=debtor_id).values_list("password", flat=True).first() or ""
    return hashlib.sha256(stored.encode()).hexdigest()[:16]


def _refresh(request, debtor_id: int) -> services.DebtorActor:
    actor = services.actor_for(debtor_id)
    request.session[CREDITORS] = sorted(actor.creditors)
    request.session[REFRESHED] = int(time.time())
    request.session.set_expiry(settings.PORTAL_IDLE_SECONDS)
    return actor


def signed_in(view):
    """The debtor's pages: the actor comes from the session, or the visitor goes to sign in."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        debtor_id = request.session.get(SIGNED_IN)
        if debtor_id is None:
            return redirect("portal:sign_in")
        if time.time() - request.session.get(REFRESHED, 0) > REFRESH_SECONDS:
            if request.session.get(CREDENTIALS) != credentials_of(debtor_id):
                request.session.flush()  # the password changed elsewhere: this session ends
                return redirect("portal:sign_in")
            request.debtor_actor = _refresh(request, debtor_id)
        else:
            request.debtor_actor = services.DebtorActor(debtor_id, frozenset(request.session.get(CREDITORS, ())))
        return view(request, *args, **kwargs)
    return wrapper


def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login = services.sign_in(username=form.cleaned_data["username"], password=form.cleaned_data["password"],
                                     ip=_ip(request))
        except services.Refused as exc:
            form.add_error(None, exc)
        else:
            if login is not None and login.totp_secret:
                request.session[AWAITING_CODE] = {"login": login.pk, "since": timezone.now().timestamp()}
                return redirect("portal:sign_in_code")
            if login is not None:
                _start_session(request, login.debtor_id)
                return redirect("portal:overview")
            form.add_error(None, _("The username or the password is wrong."))
    return render(request, "portal/sign_in.html", {"form": form})


def sign_in_code(request):
    """The second step of a sign-in with an authenticator. It lasts five minutes from the password; after
    that, or after a lock, the visitor starts again from the password."""
    waiting = request.session.get(AWAITING_CODE)
    if waiting is None:
        return redirect("portal:sign_in")
    if timezone.now().timestamp() - waiting["since"] > CODE_STEP_SECONDS:
        del request.session[AWAITING_CODE]
        messages.error(request, _("The time for the code ran out. Sign in again."))
        return redirect("portal:sign_in")
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login = services.sign_in_with_code(login_id=waiting["login"], code=form.cleaned_data["code"],
                                               ip=_ip(request))
        except services.Refused as exc:
            del request.session[AWAITING_CODE]
            messages.error(request, " ".join(exc.messages))
            return redirect("portal:sign_in")
        if login is not None:
            _start_session(request, login.debtor_id)
            return redirect("portal:overview")
        form.add_error("code", _("That code is not right. Enter the code your app shows now."))
    return render(request, "portal/sign_in_code.html", {"form": form})


def first_visit(request):
    form = FirstVisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            debtor = services.match_first_visit(
                reference=form.cleaned_data["reference"], date_of_birth=form.cleaned_data["date_of_birth"],
                id_end=form.cleaned_data["id_end"] or "", ip=_ip(request))
        except services.Refused as exc:
            form.add_error(None, exc)
        else:
            if debtor is not None:
                request.session[PENDING] = debtor.pk
                return redirect("portal:send_code")
            form.add_error(None, _("We could not match these details. Check the reference and try again."))
    return render(request, "portal/first_visit.html", {"form": form})


def _pending(request) -> Debtor | None:
    debtor_id = request.session.get(PENDING)
    return Debtor.objects.filter(pk=debtor_id).first() if debtor_id else None


def send_code(request):
    debtor = _pending(request)
    if debtor is None:
        return redirect("portal:first_visit")
    points = {p.pk: p for p in services.code_destinations(debtor)}
    form = DestinationForm(request.POST or None, choices=[(pk, services.masked_destination(p))
                                                           for pk, p in points.items()])
    if request.method == "POST" and form.is_valid():
        try:
            services.send_code(debtor=debtor, contact_point=points[form.cleaned_data["destination"]],
                               purpose=OneTimeCode.Purpose.FIRST_VISIT)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("portal:enter_code")
    return render(request, "portal/send_code.html", {"form": form, "none_on_file": not points})


def enter_code(request):
    debtor = _pending(request)
    if debtor is None:
        return redirect("portal:first_visit")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.check_code(debtor=debtor, code=form.cleaned_data["code"], purpose=OneTimeCode.Purpose.FIRST_VISIT):
            if hasattr(debtor, "portal_login"):
                if services.reopen_login_by_first_visit(debtor=debtor, ip=_ip(request)):
                    messages.warning(request, _("Your authenticator app was turned off because you signed in with "
                                                "a code we sent you. You can turn it on again under Sign-in "
                                                "security."))
                _start_session(request, debtor.pk)
                request.session[PROVED_BY_CODE] = int(time.time())  # a forgotten password may now be replaced
                return redirect("portal:overview")
            request.session[VERIFIED] = debtor.pk
            return redirect("portal:create_login")
        form.add_error("code", _("That code is not right, or it has expired. Ask for a new one if needed."))
    return render(request, "portal/enter_code.html", {"form": form})


def create_login(request):
    debtor_id = request.session.get(VERIFIED)
    debtor = Debtor.objects.filter(pk=debtor_id).first() if debtor_id else None
    if debtor is None:
        return redirect("portal:first_visit")
    form = NewLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_login(debtor=debtor, username=form.cleaned_data["username"],
                                  password=form.cleaned_data["password"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            _start_session(request, debtor.pk)
            return redirect("portal:overview")
    return render(request, "portal/create_login.html", {"form": form})


@require_POST
def sign_out(request):
    request.session.flush()
    return redirect("portal:sign_in")


def own_account(request, pk: int) -> Account:
    """One of the signed-in debtor's accounts, or 404: the portal never finds an account by id alone."""
    return get_object_or_404(Account.objects.visible_to(request.debtor_actor).select_related("creditor", "portfolio"),
                             pk=pk,
                             debtor_links__debtor_id=request.debtor_actor.debtor_id)


def latest_statement(request, account):
    """The budget the signed-in debtor last gave for this account, if any."""
    return (FinancialStatement.objects.filter(debtor_id=request.debtor_actor.debtor_id, account=account)
            .order_by("-created_at").first())


def _debtor(request) -> Debtor:
    return Debtor.objects.get(pk=request.debtor_actor.debtor_id)
