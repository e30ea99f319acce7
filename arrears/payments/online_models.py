"""A debtor's online payment: one payment intent at a payment provider, from start to its outcome.

Imported at the bottom of payments/models.py so Django registers it with the payments app.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.core.tenancy import ScopedManager


class OnlinePayment(models.Model):
    """One attempt to pay an account online. The provider's payment intent id (`provider_ref`) is also the
    ledger payment's external id, so the provider's events post the payment exactly once."""

    class Provider(models.TextChoices):
        STRIPE = "stripe", _("Stripe")
        TEST = "test", _("Test payment provider (no real money)")

    class Status(models.TextChoices):
        CREATED = "created", _("Started")
        SUCCEEDED = "succeeded", _("Paid")
        # Not final: the debtor may try again with another card on the same intent.
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="online_payments",
                                verbose_name=_("account"))
    # Copied from the account: scoping filters on it without a join.
    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.PROTECT, related_name="+", db_index=False,
                                 verbose_name=_("creditor"))
    provider = models.CharField(_("payment provider"), max_length=10, choices=Provider.choices)
    provider_ref = models.CharField(_("provider's payment id"), max_length=100, blank=True,
                                    help_text=_("The payment intent id; empty until the provider has opened it."))
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    # Lets the debtor's browser complete this one payment at the provider; never logged or audited.
    client_secret = models.CharField(_("client secret"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    payment = models.ForeignKey("ledger.Payment", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="online_payments", db_index=False, verbose_name=_("ledger payment"))
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("online payment")
        verbose_name_plural = _("online payments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_ref"], condition=~models.Q(provider_ref=""),
                                    name="online_payment_ref_per_provider"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="online_payment_amount_positive"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.provider_ref or self.pk}"
