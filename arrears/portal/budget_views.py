"""The portal's budget and restructuring pages: the debtor's income and expenditure (which ranks the offers
that fit first), a restructuring proposal with it, and the answer to a counter-proposal."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrears.arrangements import affordability
from arrears.arrangements.models import Channel, RestructuringProposal
from arrears.arrangements.proposals import (
    PROPOSAL_ANSWER_WORKING_DAYS,
    decide_counter,
    record_statement,
    submit_proposal,
)
from arrears.core.money import Money, from_minor
from arrears.portal.forms import BudgetForm, ProposalForm
from arrears.portal.views import _debtor, form_errors, latest_statement, own_account, render, signed_in


@signed_in
def budget(request, pk: int):
    account = own_account(request, pk)
    form = BudgetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lines = {key: Money.of(data[key], account.currency, key, exact=True)
                     for key in affordability.CATEGORIES if data.get(key) is not None}
            statement = record_statement(actor=request.debtor_actor, account=account, debtor=_debtor(request),
                                         lines=lines, adults=data["adults"], children=data["children"],
                                         channel=Channel.PORTAL)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Thank you. After your essential costs, %(amount)s %(currency)s a month is "
                                        "left.") % {"amount": from_minor(statement.disposable_minor, account.currency),
                                                    "currency": account.currency})
            after = "portal:propose" if request.GET.get("then") == "propose" else "portal:offers"
            return redirect(after, pk=account.pk)
    return render(request, "portal/budget.html", {"account": account, "form": form})


@signed_in
def propose(request, pk: int):
    account = own_account(request, pk)
    statement = latest_statement(request, account)
    if statement is None:
        messages.info(request, _("A restructuring proposal starts with your budget."))
        return redirect(f"{reverse('portal:budget', args=[account.pk])}?then=propose")
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            settle = Money.of(data["settle"], account.currency, "settle", exact=True) if data["settle"] else None
            proposal = submit_proposal(actor=request.debtor_actor, account=account, debtor=_debtor(request),
                                       statement=statement, count=data["count"], settle=settle,
                                       reason=data["reason"], channel=Channel.PORTAL)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("We have your proposal and will answer by %(date)s.")
                             % {"date": proposal.answer_due.isoformat()})
            return redirect("portal:overview")
    return render(request, "portal/propose.html", {"account": account, "form": form, "statement": statement,
                                                   "answer_days": PROPOSAL_ANSWER_WORKING_DAYS})


@signed_in
@require_POST
def decide(request, pk: int):
    proposal = get_object_or_404(RestructuringProposal.objects.visible_to(request.debtor_actor), pk=pk,
                                 status=RestructuringProposal.Status.COUNTERED,
                                 debtor_id=request.debtor_actor.debtor_id)
    accept = request.POST.get("decision") == "accept"
    try:
        decide_counter(actor=request.debtor_actor, proposal=proposal, accept=accept)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your arrangement is agreed.") if accept else _("We have noted your answer."))
    return redirect("portal:overview")
