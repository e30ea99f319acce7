"""The payment providers' webhook endpoint and the test provider's checkout page.

Both hand a signed event to online.handle_provider_event: the checkout page signs the event it builds with
the test provider's secret, so a demo payment takes exactly the path a provider's webhook takes.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from arrears.core.money import Money
from arrears.payments import online, psp
from arrears.payments.online_models import OnlinePayment

TEXT = "text/plain; charset=utf-8"


@csrf_exempt  # the provider signs its requests instead; verification needs the body byte for byte
@require_POST
def provider_webhook(request, provider):
    if provider not in psp.PROVIDERS or not psp.provider(provider).accepts_webhooks():
        raise Http404
    try:
        result = online.handle_provider_event(provider_name=provider, payload=request.body,
                                              signature_header=request.headers.get(psp.SIGNATURE_HEADER, ""))
    except psp.WebhookRefused as exc:
        return HttpResponseBadRequest(exc.message, content_type=TEXT)
    except ValidationError as exc:
        # Verified but not applicable (the same intent with another amount): answered as an error so the
        # provider keeps the delivery failed and retries, visibly, while someone looks at the audit trail.
        return HttpResponse(" ".join(exc.messages), status=409, content_type=TEXT)
    return HttpResponse(result, content_type=TEXT)


def _local_path(url: str) -> str:
    """`url` when it is a path on this site (never another host or scheme), else ""."""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


def _result_message(result: str) -> str:
    return {
        online.EventResult.POSTED: _("Payment received. The amount was posted to the account."),
        online.EventResult.ALREADY_POSTED: _("This payment had been received already; nothing new was posted."),
        online.EventResult.MARKED_FAILED: _("The payment was declined. Nothing was posted."),
        online.EventResult.ALREADY_RECORDED: _("This outcome had been recorded already."),
        online.EventResult.STALE: _("This payment had already ended; nothing changed."),
    }.get(result, _("Nothing changed."))


@require_http_methods(["GET", "POST"])
def test_psp_checkout(request, provider_ref):
    """Stands in for a provider's card page when PAYMENT_PROVIDER is "test": Pay or Decline."""
    if psp.configured_name() != psp.TEST:
        raise Http404
    online_payment = get_object_or_404(OnlinePayment, provider=psp.TEST, provider_ref=provider_ref)
    next_url = _local_path(request.POST.get("next") or request.GET.get("next") or "")
    message, errors = "", []
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("pay", "decline"):
            return HttpResponseBadRequest(_("Choose Pay or Decline."), content_type=TEXT)
        adapter = psp.TestProvider()
        amount = Money(online_payment.amount_minor, online_payment.currency)
        if action == "pay":
            payload = adapter.event(online.SUCCEEDED, provider_ref=provider_ref, amount=amount)
        else:
            payload = adapter.event(online.FAILED, provider_ref=provider_ref, amount=amount,
                                    failure_message=_("The card was declined (test payment provider)."))
        try:
            result = online.handle_provider_event(provider_name=psp.TEST, payload=payload,
                                                  signature_header=adapter.sign(payload))
        except ValidationError as exc:
            errors = exc.messages
        else:
            if next_url:
                return redirect(next_url)
            message = _result_message(result)
        online_payment.refresh_from_db()
    amount = Money(online_payment.amount_minor, online_payment.currency)
    return render(request, "payments/test_psp.html", {
        "online_payment": online_payment,
        "amount": amount.format(to_locale(get_language() or "en")),
        "can_pay": online_payment.status in (OnlinePayment.Status.CREATED, OnlinePayment.Status.FAILED),
        "next_url": next_url,
        "message": message,
        "errors": errors,
    })
