"""Outbound webhooks: a creditor's subscriptions and one delivery row per (subscription, event).

The delivery row is the schedule (`next_attempt_at`) and the log of its attempts; the queue only
carries ids, so a lost queue loses no retry.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.core.tenancy import ScopedManager


class WebhookSubscription(models.Model):
    """An HTTPS endpoint of a creditor that receives the creditor's events, signed with a shared secret."""

    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.PROTECT, related_name="webhook_subscriptions",
                                 verbose_name=_("creditor"))
    url = models.URLField(_("target URL"), max_length=500)
    event_types = models.JSONField(_("event types"), default=list,
                                   help_text=_('The event types sent to this endpoint; "*" sends every type.'))
    # Encrypted with core.crypto; the plain secret is shown once, when created or rotated.
    secret_encrypted = models.TextField(_("signing secret (encrypted)"))
    # During a rotation the previous secret still signs (a second v1= value) until it expires.
    previous_secret_encrypted = models.TextField(_("previous signing secret (encrypted)"), blank=True)
    previous_secret_expires_at = models.DateTimeField(_("previous secret expires at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("reason disabled"), max_length=200, blank=True)
    consecutive_failures = models.PositiveIntegerField(
        _("consecutive abandoned deliveries"), default=0,
        help_text=_("Deliveries abandoned in a row since the last success; at the limit the subscription is "
                    "disabled."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        indexes = [models.Index(fields=["creditor", "is_active"], name="webhook_sub_creditor_active")]

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One event to one subscription: its attempts, its outcome and when it is next tried."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        FAILED = "failed", _("Failed, will retry")
        SUCCEEDED = "succeeded", _("Succeeded")
        ABANDONED = "abandoned", _("Abandoned")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.PROTECT, related_name="deliveries",
                                     verbose_name=_("subscription"))
    event = models.ForeignKey("core.DomainEvent", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("event"))
    # Copied from the event so that the delivery log filters by type without a join.
    event_type = models.CharField(_("event type"), max_length=40)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last response status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    response_time_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    # The last attempts, newest last: when, status code, error, milliseconds, manual or not.
    attempt_log = models.JSONField(_("attempt log"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = ScopedManager()
    creditor_scope = "subscription__creditor"

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once")]
        # The minute sweep reads only the deliveries still to try, by due time.
        indexes = [models.Index(fields=["next_attempt_at"], name="webhook_delivery_due",
                                condition=models.Q(status__in=["pending", "failed"]))]

    def __str__(self):
        return f"{self.event_type} #{self.event_id} → {self.subscription_id}"
