"""Back office for file imports: profiles, batches with progress and counts, row errors, and the two ways
to apply a validated batch. Writes go through imports.services; applying runs as a task."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.core.admin_base import (
    RoleAdmin,
    ServiceForm,
    UploadMixin,
    action_with_form,
    changed_values,
    staff_may,
)
from arrears.imports import services
from arrears.imports.forms import UploadForm, may_upload
from arrears.imports.models import ImportBatch, ImportProfile, ImportRowError


class ProfileForm(ServiceForm, forms.ModelForm):
    service_clean = services.clean_profile_values

    class Meta:
        model = ImportProfile
        fields = ["creditor", *services.PROFILE_FIELDS]


@admin.register(ImportProfile)
class ImportProfileAdmin(RoleAdmin):
    form = ProfileForm
    add_action = change_action = roles.MANAGE_CREDITORS
    list_display = ["name", "creditor", "kind", "encoding", "delimiter", "decimal_separator", "date_format"]
    list_filter = ["kind", "creditor"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["creditor", "kind"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            original = ImportProfile.objects.get(pk=obj.pk)
            services.save_profile(actor=request.user, creditor=original.creditor, profile=original,
                                  **{k: v for k, v in changed_values(form).items() if k != "creditor"})
        else:
            values = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
            obj.pk = services.save_profile(actor=request.user, creditor=form.cleaned_data["creditor"], **values).pk


class ConfirmForm(forms.Form):
    """Nothing to fill in: the intermediate page is the confirmation."""


RUNNING = (ImportBatch.Status.VALIDATING, ImportBatch.Status.APPLYING)


@admin.register(ImportBatch)
class ImportBatchAdmin(UploadMixin, RoleAdmin):
    upload_form_class = UploadForm
    upload_label = _("Upload a file")
    upload_title = _("Upload a placement or payment file")
    upload_intro = _("The file is checked first (its type, size, encoding and header), then every row is validated "
                     "in the background while its batch's page shows the progress. Nothing is applied until you "
                     "apply the batch.")
    change_form_template = "admin/imports/importbatch/change_form.html"
    list_display = ["__str__", "creditor", "kind", "status", "mode", "progress_shown", "total_rows", "valid_rows",
                    "invalid_rows", "applied_rows", "created_at"]
    list_filter = ["status", "kind", "creditor"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["creditor"]
    fields = ["creditor", "kind", "profile", "portfolio", "file_name", "sha256", "size", "status", "mode",
              "progress_shown", "total_rows", "valid_rows", "invalid_rows", "applied_rows", "message", "errors_link",
              "created_by", "created_at", "validated_at", "applied_at"]
    readonly_fields = fields
    actions = ["apply_all_or_nothing", "apply_valid_only"]

    @admin.display(description=_("progress"))
    def progress_shown(self, batch):
        if batch.status == ImportBatch.Status.APPLYING and batch.total_rows:
            return format_html('<progress value="{}" max="{}"></progress> {} / {}', batch.progress, batch.total_rows,
                               batch.progress, batch.total_rows)
        if batch.status == ImportBatch.Status.VALIDATING:
            return format_html("<progress></progress> {}", _("%(rows)s rows read") % {"rows": batch.progress})
        return batch.progress

    def may_upload(self, request):
        return may_upload(request.user)

    def uploaded(self, request, form):
        messages.success(request, _("“%(name)s” is being validated; nothing is applied until you apply it.")
                         % {"name": form.batch.file_name})
        return self.redirect_to_change(form.batch)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["running"] = obj is not None and obj.status in RUNNING
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    @admin.display(description=_("row errors"))
    def errors_link(self, batch):
        url = reverse("admin:imports_importrowerror_changelist") + f"?batch__id__exact={batch.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Row errors of this batch"))

    def has_apply_permission(self, request):
        return staff_may(request, roles.PLACE_ACCOUNTS) or staff_may(request, roles.POST_PAYMENTS)

    def _apply(self, request, queryset, mode, title):
        return action_with_form(
            self, request, list(queryset), ConfirmForm, title=title, action_name=f"apply_{mode}",
            intro=_("Each selected batch is applied in the background, in chunks of 1,000 rows; its progress "
                    "shows here."),
            apply=lambda batch, data: services.apply_import(actor=request.user, batch=batch, mode=mode,
                                                            background=True))

    @admin.action(description=_("Apply (all or nothing)"), permissions=["apply"])
    def apply_all_or_nothing(self, request, queryset):
        return self._apply(request, queryset, ImportBatch.Mode.ALL_OR_NOTHING, _("Apply all or nothing"))

    @admin.action(description=_("Apply valid rows only"), permissions=["apply"])
    def apply_valid_only(self, request, queryset):
        return self._apply(request, queryset, ImportBatch.Mode.VALID_ONLY, _("Apply valid rows only"))


@admin.register(ImportRowError)
class ImportRowErrorAdmin(RoleAdmin):
    list_display = ["batch", "row", "column", "field", "message", "during_apply"]
    list_filter = ["during_apply", "batch"]
    search_fields = ["message", "column"]
    list_select_related = ["batch"]
    readonly_fields = list_display
