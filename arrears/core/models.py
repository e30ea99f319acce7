from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.core.roles import ALL_CREDITOR_ROLES, ROLE_ACTIONS, Role
from arrears.core.tenancy import ScopedQuerySet


class User(AbstractUser):
    """Staff and creditor users. What they may do comes from the role; what they see, from creditors."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    creditors = models.ManyToManyField(
        "portfolio.Creditor", blank=True, related_name="users", verbose_name=_("creditors"),
        help_text=_("The creditors whose accounts this user works on. Administrators and compliance "
                    "officers see every creditor."),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def may(self, action: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return action in ROLE_ACTIONS.get(self.role, frozenset())

    @property
    def sees_all_creditors(self) -> bool:
        return self.is_superuser or self.role in ALL_CREDITOR_ROLES

    def creditor_ids(self) -> frozenset[int]:
        cached = getattr(self, "_creditor_ids", None)
        if cached is None:
            cached = frozenset(self.creditors.values_list("pk", flat=True))
            self._creditor_ids = cached
        return cached


class AuditQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")

    def delete(self):
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """One write or one view of personal data: who, what, when, before and after. Never changed."""

    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor label"), max_length=120)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64)
    creditor_id = models.BigIntegerField(_("creditor id"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()
    # Events about one creditor's book carry its id; events about a person shared by several
    # creditors (or about users) carry none and reach only roles that see every creditor.
    creditor_scope = "creditor_id"

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        when = f"{self.occurred_at:%Y-%m-%d %H:%M:%S}"
        return f"{when} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


class DomainEvent(models.Model):
    """Something that happened to a creditor's book, written in the transaction that made it happen.

    The id is the cursor of the event feed; subscribers (webhooks, reminders, open agent screens)
    are run as tasks once the transaction commits."""

    type = models.CharField(_("type"), max_length=40)
    creditor_id = models.BigIntegerField(_("creditor id"), null=True, blank=True)
    account_id = models.BigIntegerField(_("account id"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True)
    # Set when the dispatcher handed the event to its subscribers; empty ones are the outbox's queue.
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()  # append-only, scoped like the audit trail
    creditor_scope = "creditor_id"

    class Meta:
        verbose_name = _("domain event")
        verbose_name_plural = _("domain events")
        # The feed reads one creditor's events after a cursor; an account's history reads by account.
        indexes = [models.Index(fields=["creditor_id", "id"], name="event_feed"),
                   models.Index(fields=["account_id", "id"], name="event_account",
                                condition=models.Q(account_id__isnull=False)),
                   models.Index(fields=["id"], name="event_undispatched",
                                condition=models.Q(dispatched_at__isnull=True))]

    def __str__(self):
        return f"{self.type} #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("domain events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("domain events are append-only")
