"""Back office for creditors' API keys: create (the key is shown once), rotate, revoke; writes through services."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from arrears.api import services
from arrears.api.models import ApiKey, Scope
from arrears.core import roles
from arrears.core.admin_base import ReasonForm, RoleAdmin, action_with_form, staff_may


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=Scope.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["creditor", "name", "scopes", "rate_limit_per_minute", "expires_at"]


class RotateForm(forms.Form):
    overlap_hours = forms.IntegerField(label=_("Hours the old key keeps working"), min_value=0, max_value=720,
                                       initial=24)


@admin.register(ApiKey)
class ApiKeyAdmin(RoleAdmin):
    form = ApiKeyForm
    view_action = add_action = roles.MANAGE_CREDITORS
    list_display = ["prefix", "name", "creditor", "scope_list", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["creditor"]
    search_fields = ["prefix", "name", "creditor__code"]
    actions = ["rotate", "revoke"]

    @admin.display(description=_("Scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["creditor", "name", "prefix", "scopes", "rate_limit_per_minute", "expires_at", "revoked_at",
                "last_used_at", "replaces", "created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        key, full = services.create_api_key(actor=request.user, creditor=data["creditor"], name=data["name"],
                                            scopes=data["scopes"], expires_at=data.get("expires_at"),
                                            rate_limit_per_minute=data["rate_limit_per_minute"])
        obj.pk = key.pk
        messages.warning(request, _("The new key, shown only this once: %(key)s") % {"key": full})

    def has_key_permission(self, request):
        return staff_may(request, roles.MANAGE_CREDITORS)

    @admin.action(description=_("Rotate the selected keys"), permissions=["key"])
    def rotate(self, request, queryset):
        def apply(key, data):
            _new, full = services.rotate_api_key(actor=request.user, key=key,
                                                 overlap=dt.timedelta(hours=data["overlap_hours"]))
            messages.warning(request, _("Successor of %(prefix)s, shown only this once: %(key)s")
                             % {"prefix": key.prefix, "key": full})

        return action_with_form(self, request, list(queryset), RotateForm, title=_("Rotate API keys"),
                                action_name="rotate", apply=apply,
                                intro=_("Each key gets a successor with the same scopes; the old key stops "
                                        "after the overlap."))

    @admin.action(description=_("Revoke the selected keys"), permissions=["key"])
    def revoke(self, request, queryset):
        return action_with_form(self, request, list(queryset), ReasonForm, title=_("Revoke API keys"),
                                action_name="revoke", intro=_("The keys stop working at once."),
                                apply=lambda key, data: services.revoke_api_key(actor=request.user, key=key,
                                                                                reason=data["reason"]))
