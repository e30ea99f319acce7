"""A debtor's dispute of a debt or of part of its amount: collection of what is disputed stops until it is
answered."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from arrears.core.tenancy import ScopedManager


class Dispute(models.Model):
    class Reason(models.TextChoices):
        NOT_MINE = "not_mine", _("This debt is not mine")
        PAID = "paid", _("I have already paid")
        WRONG_AMOUNT = "wrong_amount", _("The amount is wrong")
        FRAUD = "fraud", _("Identity theft or fraud")
        TIME_BARRED = "time_barred", _("The debt is too old to collect")
        OTHER = "other", _("Another reason")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", pgettext_lazy("dispute", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("dispute", "Withdrawn")

    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="disputes",
                                verbose_name=_("account"))
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="disputes",
                               verbose_name=_("debtor"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    details = models.TextField(_("details"), max_length=4000)
    # Empty: the whole debt is disputed and the account is held; else only this much is.
    amount_minor = models.BigIntegerField(_("amount disputed"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    channel = models.CharField(_("channel"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    held_from = models.CharField(_("status before the hold"), max_length=12, blank=True)
    opened_on = models.DateField(_("opened on"))
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer = models.TextField(_("our answer"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self):
        return f"{self.account} · {self.get_reason_display()}"
