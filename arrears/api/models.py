"""Creditors' API keys and the answers kept for idempotent retries."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from arrears.core.tenancy import ScopedManager


class Scope(models.TextChoices):
    PLACEMENTS_WRITE = "placements:write", _("Place and update accounts")
    PAYMENTS_WRITE = "payments:write", _("Post payments")
    ADJUSTMENTS_WRITE = "adjustments:write", _("Charges, reversals, status and flag changes")
    ACCOUNTS_READ = "accounts:read", _("Read accounts and payments")
    EVENTS_READ = "events:read", _("Read the event feed")


class ApiKey(models.Model):
    """One creditor's key. Only a hash of the secret is kept; the prefix identifies it in lists and logs."""

    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.PROTECT, related_name="api_keys",
                                 verbose_name=_("creditor"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    secret_hash = models.CharField(_("secret hash"), max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=1200)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="replaced_by", verbose_name=_("replaces"))
    created_by = models.CharField(_("created by"), max_length=120)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an Idempotency-Key, replayed when the same request comes again."""

    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("creditor"))
    key = models.CharField(_("idempotency key"), max_length=255)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    api_key = models.ForeignKey(ApiKey, null=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name=_("API key"))

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("idempotent answer")
        verbose_name_plural = _("idempotent answers")
        constraints = [models.UniqueConstraint(fields=["creditor", "key"], name="idempotency_key_per_creditor")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_age")]

    def __str__(self):
        return f"{self.key} → {self.status_code}"
