"""Back office for webhooks: a creditor's endpoints (created, edited, disabled and enabled through the
services; the signing secret shown once, in a message) and the delivery log, read-only, from which a
delivery can be sent again."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from arrears.core import roles
from arrears.core.admin_base import ReasonForm, RoleAdmin, ServiceForm, action_with_form, changed_values, staff_may
from arrears.core.events import EVENT_TYPES, WILDCARD
from arrears.webhooks import services
from arrears.webhooks.models import WebhookDelivery, WebhookSubscription

EVENT_TYPE_CHOICES = [(WILDCARD, _("Every event type")), *((name, name) for name in sorted(EVENT_TYPES))]


class SubscriptionForm(ServiceForm, forms.ModelForm):
    service_clean = services.clean_subscription_values
    event_types = forms.MultipleChoiceField(label=_("event types"), choices=EVENT_TYPE_CHOICES,
                                            widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ["creditor", "url", "event_types"]


def _report(request, objects, apply) -> int:
    """Apply a service to each object, reporting each refusal by name; return how many succeeded."""
    done = 0
    for obj in objects:
        try:
            apply(obj)
            done += 1
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{obj}: {'; '.join(getattr(exc, 'messages', [str(exc)]))}")
    return done


def _show_secret(request, subscription, secret):
    messages.warning(request, _("Signing secret of %(subscription)s: %(secret)s. Copy it now: it is not shown "
                                "again.") % {"subscription": subscription, "secret": secret})


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(RoleAdmin):
    form = SubscriptionForm
    view_action = add_action = change_action = roles.MANAGE_CREDITORS
    list_display = ["url", "creditor", "event_types", "is_active", "consecutive_failures", "disabled_reason",
                    "created_at"]
    list_filter = ["is_active", "creditor"]
    search_fields = ["url", "creditor__code", "creditor__name"]
    list_select_related = ["creditor"]
    readonly_fields = ["is_active", "disabled_at", "disabled_reason", "consecutive_failures",
                       "previous_secret_expires_at", "created_by", "created_at"]
    actions = ["disable", "enable", "rotate"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "creditor"] if obj is not None else self.readonly_fields

    def get_fields(self, request, obj=None):
        fields = ["creditor", "url", "event_types"]
        return fields + self.readonly_fields if obj is not None else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "creditor":
            from arrears.portfolio.models import Creditor

            kwargs["queryset"] = Creditor.objects.visible_to(request.user, roles.MANAGE_CREDITORS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            original = WebhookSubscription.objects.get(pk=obj.pk)
            services.update_subscription(actor=request.user, subscription=original, **changed_values(form))
            return
        created, secret = services.create_subscription(
            actor=request.user, creditor=form.cleaned_data["creditor"], url=form.cleaned_data["url"],
            event_types=form.cleaned_data["event_types"])
        obj.pk = created.pk
        _show_secret(request, created, secret)

    def has_manage_permission(self, request):
        return staff_may(request, roles.MANAGE_CREDITORS)

    @admin.action(description=_("Disable the selected subscriptions"), permissions=["manage"])
    def disable(self, request, queryset):
        return action_with_form(
            self, request, list(queryset.filter(is_active=True)), ReasonForm, title=_("Disable subscriptions"),
            action_name="disable",
            intro=_("Nothing more is sent to these endpoints; deliveries still waiting are abandoned."),
            apply=lambda subscription, data: services.disable_subscription(
                actor=request.user, subscription=subscription, reason=data["reason"]))

    @admin.action(description=_("Enable the selected subscriptions"), permissions=["manage"])
    def enable(self, request, queryset):
        done = _report(request, queryset.filter(is_active=False),
                       lambda subscription: services.enable_subscription(actor=request.user,
                                                                         subscription=subscription))
        if done:
            messages.success(request, ngettext("%(count)d subscription enabled.", "%(count)d subscriptions enabled.",
                                               done) % {"count": done})

    @admin.action(description=_("Rotate the signing secret"), permissions=["manage"])
    def rotate(self, request, queryset):
        for subscription in queryset:
            try:
                secret = services.rotate_secret(actor=request.user, subscription=subscription)
            except PermissionDenied as exc:
                messages.error(request, f"{subscription}: {exc}")
                continue
            _show_secret(request, subscription, secret)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RoleAdmin):
    view_action = roles.MANAGE_CREDITORS
    list_display = ["event_type", "event", "subscription", "status", "attempts", "last_status_code",
                    "response_time_ms", "next_attempt_at", "created_at", "delivered_at"]
    list_filter = ["status", "event_type", "subscription__creditor"]
    search_fields = ["subscription__url", "event__id"]
    list_select_related = ["subscription", "event"]
    date_hierarchy = "created_at"
    fields = ["subscription", "event", "event_type", "status", "attempts", "next_attempt_at", "last_status_code",
              "last_error", "response_time_ms", "attempt_log", "created_at", "delivered_at"]
    readonly_fields = fields
    actions = ["redeliver"]

    def has_redeliver_permission(self, request):
        return staff_may(request, roles.MANAGE_CREDITORS)

    @admin.action(description=_("Send the selected deliveries again now"), permissions=["redeliver"])
    def redeliver(self, request, queryset):
        done = _report(request, queryset.select_related("subscription"),
                       lambda delivery: services.redeliver(actor=request.user, delivery=delivery))
        if done:
            messages.success(request, ngettext("%(count)d delivery queued.", "%(count)d deliveries queued.", done)
                             % {"count": done})
