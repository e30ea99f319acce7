"""Back office for users and the audit trail. Users are created and changed through core.services."""

from contextvars import ContextVar

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.core.admin_base import RoleAdmin, changed_values
from arrears.core.models import AuditEvent, User
from arrears.core.services import create_user, update_user

# Roles are arrears' one permission mechanism; Django's groups would be a second one.
admin.site.unregister(Group)

_acting_user: ContextVar = ContextVar("admin_acting_user")


class AuditedPasswordForm(AdminPasswordChangeForm):
    """A password set by an administrator goes through update_user, so it is validated and audited."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True

    def save(self, commit=True):
        return update_user(actor=_acting_user.get(), user=self.user, changes={},
                           password=self.cleaned_data["password1"])


class UserAddForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "email", "first_name", "last_name", "role", "creditors", "preferred_language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("usable_password", None)


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(RoleAdmin, DjangoUserAdmin):
    view_action = add_action = change_action = roles.MANAGE_USERS
    form = UserEditForm
    add_form = UserAddForm
    change_password_form = AuditedPasswordForm
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "creditors"]
    filter_horizontal = ["creditors"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Name and contact"), {"fields": ["first_name", "last_name", "email", "preferred_language"]}),
        (_("Access"), {"fields": ["role", "creditors", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("Name and contact"), {"fields": ["first_name", "last_name", "email", "preferred_language"]}),
        (_("Access"), {"fields": ["role", "creditors"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        if change:
            values = changed_values(form)
            creditors = values.pop("creditors", None)
            original = User.objects.get(pk=obj.pk)
            update_user(actor=request.user, user=original, changes=values,
                        creditor_ids=None if creditors is None else [c.pk for c in creditors])
        else:
            data = form.cleaned_data
            created = create_user(actor=request.user, username=data["username"], password=data["password1"],
                                  role=data["role"], email=data.get("email", ""),
                                  first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
                                  creditor_ids=[c.pk for c in data.get("creditors", [])],
                                  preferred_language=data.get("preferred_language") or "en")
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        # Creditors were set by the service, in the same audited write.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def user_change_password(self, request, id, form_url=""):
        token = _acting_user.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _acting_user.reset(token)


@admin.register(AuditEvent)
class AuditEventAdmin(RoleAdmin):
    view_action = roles.VIEW_AUDIT
    list_display = ["occurred_at", "actor_label", "action", "object_type", "object_id", "creditor_id", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "action", "object_id", "request_id"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["occurred_at", "actor", "actor_label", "action", "object_type", "object_id", "creditor_id",
                       "before", "after", "request_id"]
    fields = readonly_fields
