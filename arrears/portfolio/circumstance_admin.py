"""Back office for declared hardship and vulnerability: the review queue. Opening one shows the debtor's own
words (decrypted), which is a view of personal data and audited; saving records the review through
circumstances.review."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.core.admin_base import RoleAdmin
from arrears.core.audit import record
from arrears.portfolio import circumstances
from arrears.portfolio.debtor_models import Circumstance

KEEP, FLAG, UNFLAG = "", "flag", "unflag"


class ReviewForm(forms.ModelForm):
    vulnerable = forms.ChoiceField(label=_("Vulnerable flag"), required=False, choices=[
        (KEEP, _("Leave as it is")), (FLAG, _("The debtor is vulnerable")),
        (UNFLAG, _("The debtor is not vulnerable"))])
    end_pause = forms.BooleanField(label=_("End the pause now"), required=False)

    class Meta:
        model = Circumstance
        fields = ["review_note"]


@admin.register(Circumstance)
class CircumstanceAdmin(RoleAdmin):
    form = ReviewForm
    view_action = roles.VIEW_PERSONAL_DATA
    change_action = roles.SET_DEBTOR_FLAGS
    list_display = ["debtor", "kind", "status", "paused_until", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = ["debtor", "kind", "reason_labels", "need_labels", "details", "consent_at", "paused_until",
                       "channel", "created_at", "status", "reviewed_by", "reviewed_at"]
    fieldsets = [(None, {"fields": readonly_fields}), (_("Review"), {"fields": ["review_note", "vulnerable",
                                                                                "end_pause"]})]

    @admin.display(description=_("reasons"))
    def reason_labels(self, obj):
        return ", ".join(str(Circumstance.Reason(r).label) for r in obj.reasons)

    @admin.display(description=_("support needs"))
    def need_labels(self, obj):
        return ", ".join(str(Circumstance.Need(n).label) for n in obj.needs) or "—"

    @admin.display(description=_("in the debtor's words"))
    def details(self, obj):
        return circumstances.details_of(obj) or "—"

    def save_model(self, request, obj, form, change):
        choice = form.cleaned_data.get("vulnerable")
        circumstances.review(actor=request.user, circumstance=Circumstance.objects.get(pk=obj.pk),
                             note=form.cleaned_data["review_note"], end_pause=form.cleaned_data["end_pause"],
                             vulnerable={FLAG: True, UNFLAG: False}.get(choice))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and original is not None:
            record(actor=request.user, action="circumstance.viewed", obj=original,
                   after={"debtor": original.debtor_id, "screen": "back office"})
        return response
