"""The portal's pages for resolving a debt: offers for an account, accepting one, the arrangement itself,
promises to pay and disputes. Every write goes through the services as the signed-in debtor."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrears.analytics import funnel
from arrears.analytics.models import FunnelEvent
from arrears.arrangements.models import Arrangement, Channel, Offer
from arrears.arrangements.offers import accept_offer, compute_offers
from arrears.arrangements.services import make_promise
from arrears.core.clock import business_date
from arrears.core.money import Money
from arrears.disputes.services import open_dispute
from arrears.portal.forms import DisputeForm, PromiseForm
from arrears.portal.views import _debtor, form_errors, latest_statement, own_account, render, signed_in

Step = FunnelEvent.Step


def _open_offers(request, account) -> list[Offer]:
    """The offers still open for the account as it stands, else freshly computed ones."""
    current = list(Offer.objects.filter(account=account, accepted_at__isnull=True, expires_at__gt=timezone.now(),
                                        balance_minor=account.balance_minor).order_by("rank"))
    if current:
        return current
    latest = latest_statement(request, account)
    return compute_offers(actor=request.debtor_actor, account=account,
                          disposable_monthly_minor=latest.disposable_minor if latest else None)


@signed_in
def offers(request, pk: int):
    account = own_account(request, pk)
    running = Arrangement.objects.filter(account=account, status__in=Arrangement.ACTIVE_STATUSES).first()
    if running is not None:
        return redirect("portal:arrangement", pk=running.pk)
    try:
        found, refusal = _open_offers(request, account), None
    except ValidationError as exc:
        found, refusal = [], " ".join(exc.messages)
    if found:
        funnel.record(Step.OFFERS_SEEN, debtor_id=request.debtor_actor.debtor_id, account=account)
    return render(request, "portal/offers.html", {"account": account, "offers": found, "refusal": refusal})


@signed_in
@require_POST
def accept(request, pk: int):
    account = own_account(request, pk)
    offer = get_object_or_404(Offer, pk=request.POST.get("offer") or 0, account=account)
    try:
        arrangement = accept_offer(actor=request.debtor_actor, offer=offer, channel=Channel.PORTAL,
                                   debtor=_debtor(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal:offers", pk=account.pk)
    funnel.record(Step.OFFER_ACCEPTED, debtor_id=request.debtor_actor.debtor_id, account=account,
                  ref=f"arrangement:{arrangement.pk}")
    first_due = arrangement.instalments.order_by("number").first().due_date
    messages.success(request, _("Your arrangement is agreed. The first payment is due on %(date)s.")
                     % {"date": date_format(first_due, "SHORT_DATE_FORMAT")})
    return redirect("portal:arrangement", pk=arrangement.pk)


@signed_in
def arrangement(request, pk: int):
    found = get_object_or_404(Arrangement.objects.visible_to(request.debtor_actor).select_related("account"), pk=pk,
                              account__debtor_links__debtor_id=request.debtor_actor.debtor_id)
    rows = list(found.instalments.order_by("number"))
    upcoming = next((row for row in rows if row.paid_minor < row.amount_minor), None)
    return render(request, "portal/arrangement.html", {
        "arrangement": found, "account": found.account, "instalments": rows, "next": upcoming,
        "paid_count": sum(1 for row in rows if row.paid_on), "remaining_minor": found.total_minor - found.paid_minor})


@signed_in
def promise(request, pk: int):
    account = own_account(request, pk)
    form = PromiseForm(request.POST or None, initial={"due_date": business_date() + dt.timedelta(days=7)})
    if request.method == "POST" and form.is_valid():
        try:
            amount = Money.of(form.cleaned_data["amount"], account.currency, exact=True)
            made = make_promise(actor=request.debtor_actor, account=account, amount=amount,
                                due_date=form.cleaned_data["due_date"], channel=Channel.PORTAL,
                                debtor=_debtor(request))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            funnel.record(Step.PROMISE_MADE, debtor_id=request.debtor_actor.debtor_id, account=account,
                          ref=f"promise:{made.pk}")
            messages.success(request, _("Thank you. We have noted your promise to pay by %(date)s.")
                             % {"date": date_format(form.cleaned_data["due_date"], "SHORT_DATE_FORMAT")})
            return redirect("portal:overview")
    return render(request, "portal/promise.html", {"account": account, "form": form})


@signed_in
def dispute(request, pk: int):
    account = own_account(request, pk)
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amount = Money.of(data["amount"], account.currency, exact=True) if data["amount"] is not None else None
            open_dispute(actor=request.debtor_actor, account=account, debtor=_debtor(request), reason=data["reason"],
                         details=data["details"], amount=amount, channel=Channel.PORTAL)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("We have your dispute. We will not ask you to pay what you dispute until we "
                                        "have answered it."))
            return redirect("portal:overview")
    return render(request, "portal/dispute.html", {"account": account, "form": form})
