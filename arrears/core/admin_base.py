"""The back office's one rule set: what a staff user sees and may change comes from the role and the
creditors assigned (the same `may` and `visible_to` that services and querysets use), never from
Django's per-model permission tables. Nothing is deleted from the back office; writes go through
services so that each one is validated whole and audited.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.core.money import Money


def staff_may(request, action: str) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and user.may(action))


class RoleAdmin(admin.ModelAdmin):
    view_action = roles.VIEW
    add_action: str | None = None  # None: rows are created elsewhere (placement, posting)
    change_action: str | None = None  # None: read-only here

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            return queryset.visible_to(request.user, self.view_action)
        return queryset if staff_may(request, self.view_action) else queryset.none()

    def has_module_permission(self, request):
        return staff_may(request, self.view_action)

    def has_view_permission(self, request, obj=None):
        return staff_may(request, self.view_action)

    def has_add_permission(self, request, *args):
        return self.add_action is not None and staff_may(request, self.add_action)

    def has_change_permission(self, request, obj=None):
        return self.change_action is not None and staff_may(request, self.change_action)

    def has_delete_permission(self, request, obj=None):
        return False


class UploadMixin:
    """A change list with an upload button and the upload page behind it (admin/upload.html).

    The form's `start()` does the work through a service and returns None when it refused the file
    (its errors are then on the form); `uploaded` says where to go on success."""

    change_list_template = "admin/change_list_with_upload.html"
    upload_form_class = None
    upload_label = upload_title = upload_intro = ""

    def may_upload(self, request) -> bool:
        raise NotImplementedError

    def uploaded(self, request, form):
        raise NotImplementedError

    def _upload_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_upload"

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name=self._upload_url_name()), *super().get_urls()]

    def upload_view(self, request):
        if not self.may_upload(request):
            raise PermissionDenied
        form = self.upload_form_class(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid() and form.start() is not None:
            return self.uploaded(request, form)
        context = {**self.admin_site.each_context(request), "title": self.upload_title, "opts": self.model._meta,
                   "form": form, "intro": self.upload_intro}
        return TemplateResponse(request, "admin/upload.html", context)

    def changelist_view(self, request, extra_context=None):
        if self.may_upload(request):
            extra_context = {**(extra_context or {}), "upload_label": self.upload_label,
                             "upload_url": reverse(f"admin:{self._upload_url_name()}")}
        return super().changelist_view(request, extra_context)

    def redirect_to_change(self, obj):
        return redirect(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_change", obj.pk)


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent, never edited there."""

    extra = 0
    can_delete = False
    show_change_link = False
    view_action = roles.VIEW

    def has_view_permission(self, request, obj=None):
        return staff_may(request, self.view_action)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceForm:
    """Mixin for admin ModelForms: runs the service's own validation as form validation, so a bad
    value is shown on its field instead of failing on save."""

    service_clean = None  # a callable taking the values dict, raising ValidationError

    def clean(self):
        cleaned = super().clean()
        if self.service_clean is not None and not self.errors:
            try:
                type(self).service_clean(dict(cleaned))
            except ValidationError as exc:
                self._apply_service_errors(exc)
        return cleaned

    def _apply_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)


def changed_values(form) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}


def money(minor: int, currency: str) -> str:
    """An amount for display in the staff user's language."""
    return Money(minor, currency).format(get_language() or "en")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


def action_with_form(modeladmin, request, objects, form_class, *, title, intro, apply, action_name):
    """An admin action that first asks for input (a reason, a new status) on an intermediate page, then
    applies `apply(obj, cleaned_data)` to each object through a service, reporting each failure by name."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        done = 0
        for obj in objects:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"{obj}: {'; '.join(getattr(exc, 'messages', [str(exc)]))}")
        if done:
            messages.success(request, ngettext("%(count)d record changed.", "%(count)d records changed.", done)
                             % {"count": done})
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title, "intro": intro, "opts": modeladmin.model._meta, "objects": objects, "form": form,
        "action_name": action_name,
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
    }
    return TemplateResponse(request, "admin/action_with_form.html", context)
