"""Back office for disputes: listed for the creditor's staff; answered (upheld or rejected, with reasons)
by compliance officers and team leads through the answer action."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.core.admin_base import RoleAdmin, action_with_form, money, staff_may
from arrears.disputes.models import Dispute
from arrears.disputes.services import answer_dispute


class AnswerForm(forms.Form):
    upheld = forms.TypedChoiceField(label=_("Outcome"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Upheld: the debtor is right")),
                                             ("no", _("Rejected: the debt stands"))])
    answer = forms.CharField(label=_("Answer to the debtor"), widget=forms.Textarea, max_length=4000)


@admin.register(Dispute)
class DisputeAdmin(RoleAdmin):
    list_display = ["account", "reason", "disputed", "status", "opened_on", "answered_on", "channel"]
    list_filter = ["status", "reason"]
    search_fields = ["account__creditor_reference"]
    list_select_related = ["account"]
    readonly_fields = [f.name for f in Dispute._meta.fields]
    actions = ["answer"]

    @admin.display(description=_("amount disputed"))
    def disputed(self, obj):
        return money(obj.amount_minor, obj.currency) if obj.amount_minor is not None else _("the whole debt")

    def has_answer_permission(self, request):
        return staff_may(request, roles.ANSWER_DISPUTES)

    @admin.action(description=_("Answer the selected disputes"), permissions=["answer"])
    def answer(self, request, queryset):
        return action_with_form(
            self, request, list(queryset.filter(status=Dispute.Status.OPEN)), AnswerForm,
            title=_("Answer disputes"), action_name="answer",
            intro=_("The debtor is told the outcome and the reasons. A rejected dispute of the whole debt returns "
                    "the account to collection; an upheld one leaves it on hold for correction."),
            apply=lambda dispute, data: answer_dispute(actor=request.user, dispute=dispute, upheld=data["upheld"],
                                                       answer=data["answer"]))
