"""The debtor's sign-in security page: an authenticator app turned on (after a code proves the app has the
secret) or off (with the password and a code), and a new password. Each form posts to the same page
with its name in `action`, so the page works without JavaScript."""

import time

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from arrears.core.crypto import decrypt, encrypt
from arrears.portal import services
from arrears.portal.branding import brand_for
from arrears.portal.forms import AuthenticatorCodeForm, ChangePasswordForm, TurnOffAuthenticatorForm
from arrears.portal.views import (
    CREDENTIALS,
    PROVED_BY_CODE,
    PROVED_SECONDS,
    _ip,
    credentials_of,
    form_errors,
    render,
    signed_in,
)

# The secret offered for an authenticator, kept (encrypted) between showing it and its first code.
OFFERED = "portal_offered_authenticator"
FORMS = {"turn_on": AuthenticatorCodeForm, "turn_off": TurnOffAuthenticatorForm, "password": ChangePasswordForm}


def _offered_secret(request) -> str:
    """The secret shown until the debtor confirms it: the same on every reload, so a scanned code stays good."""
    context = f"portal-offered-totp:{request.debtor_actor.debtor_id}"
    sealed = request.session.get(OFFERED)
    if sealed is None:
        sealed = request.session[OFFERED] = encrypt(services.new_authenticator_secret(), context)
    return decrypt(sealed, context)


def _qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=5, border=4,
                                                    title=_("QR code for your authenticator app"))


def _proved(request) -> bool:
    return time.time() - request.session.get(PROVED_BY_CODE, 0) < PROVED_SECONDS


def _act(request, action: str, form) -> str:
    """Hand a valid form to its service and return the notice to show; a refusal raises ValidationError."""
    actor, data = request.debtor_actor, form.cleaned_data
    if action == "turn_on":
        services.turn_on_authenticator(actor=actor, secret=_offered_secret(request), code=data["code"])
        request.session.pop(OFFERED, None)
        return _("Your authenticator app is on. From now on, signing in asks for its code.")
    if action == "turn_off":
        services.turn_off_authenticator(actor=actor, password=data["password"], code=data["code"], ip=_ip(request))
        return _("Your authenticator app is off. Signing in asks only for your password.")
    services.change_password(actor=actor, current_password=None if _proved(request) else data["current_password"],
                             new_password=data["password"], ip=_ip(request))
    request.session[CREDENTIALS] = credentials_of(actor.debtor_id)  # this browser stays signed in; others end
    return _("Your password is changed.")


@never_cache  # the page may show a secret
@signed_in
def security(request):
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {name: form_class(request.POST if name == action else None, prefix=name)
             for name, form_class in FORMS.items()}
    if _proved(request):  # came in with a code: the current password may be what was forgotten
        del forms["password"].fields["current_password"]
    if action in forms and forms[action].is_valid():
        try:
            notice = _act(request, action, forms[action])
        except ValidationError as exc:
            form_errors(forms[action], exc)
        else:
            messages.success(request, notice)
            return redirect("portal:security")
    login = services.login_of(request.debtor_actor)
    context = {"forms": forms, "authenticator_on": bool(login.totp_secret)}
    if not login.totp_secret:
        secret = _offered_secret(request)
        context["secret_groups"] = [secret[i:i + 4] for i in range(0, len(secret), 4)]
        context["qr_data_uri"] = _qr_data_uri(services.provisioning_uri(login, secret, brand_for(request).name))
    return render(request, "portal/security.html", context)
