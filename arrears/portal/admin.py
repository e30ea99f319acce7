"""Back office for the portal's brands. Saved through branding.save_brand, which checks the host name, the
colour's contrast and the logo, and audits the change."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.core.admin_base import RoleAdmin
from arrears.portal import branding
from arrears.portal.models import PortalBrand


class BrandForm(forms.ModelForm):
    logo_file = forms.FileField(required=False)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["logo_file"].label = gettext("Logo (PNG or JPEG, at most %(kb)s KB)") % {
            "kb": branding.LOGO_MAX_BYTES // 1000}

    class Meta:
        model = PortalBrand
        fields = ["host", "name", "colour", "support_phone", "support_email"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("logo_file")
        cleaned["logo"] = upload.read(branding.LOGO_MAX_BYTES + 1) if upload else None
        if not self.errors:
            try:
                branding.clean_brand(brand=self.instance if self.instance.pk else None, **cleaned)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    self.add_error("logo_file" if field == "logo" else field, messages)
        return cleaned


@admin.register(PortalBrand)
class PortalBrandAdmin(RoleAdmin):
    form = BrandForm
    view_action = roles.MANAGE_PORTAL
    add_action = change_action = roles.MANAGE_PORTAL
    list_display = ["name", "host", "colour", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = branding.save_brand(
            actor=request.user, brand=PortalBrand.objects.get(pk=obj.pk) if change else None, host=data["host"],
            name=data["name"], colour=data["colour"], support_phone=data["support_phone"],
            support_email=data["support_email"], logo=data["logo"], remove_logo=data["remove_logo"])
        obj.pk = saved.pk
