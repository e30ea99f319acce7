"""The portal's funnel: each step a debtor takes towards resolving a debt, one row per step taken."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.core.tenancy import ScopedManager


class FunnelEvent(models.Model):
    class Step(models.TextChoices):
        VISIT = "visit", _("Visited the portal")
        SIGNED_IN = "signed_in", _("Signed in")
        OFFERS_SEEN = "offers_seen", _("Saw the offers")
        OFFER_ACCEPTED = "offer_accepted", _("Accepted an offer")
        PROMISE_MADE = "promise_made", _("Promised to pay")
        ARRANGEMENT_KEPT = "arrangement_kept", _("Kept the arrangement")
        ARRANGEMENT_BROKEN = "arrangement_broken", _("Broke the arrangement")

    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True)
    # Before sign-in a visit belongs to no debtor and no creditor.
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+", db_index=False, verbose_name=_("debtor"))
    account = models.ForeignKey("portfolio.Account", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", db_index=False, verbose_name=_("account"))
    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", db_index=False, verbose_name=_("creditor"))
    source = models.CharField(_("source"), max_length=40, blank=True,
                              help_text=_("Where the visit came from, e.g. the campaign of an SMS link."))
    # What the step is about (e.g. "arrangement:12"), so that an event heard twice counts once.
    ref = models.CharField(_("reference"), max_length=40, blank=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("funnel event")
        verbose_name_plural = _("funnel events")
        indexes = [models.Index(fields=["occurred_at", "step"], name="funnel_by_time")]
        constraints = [models.UniqueConstraint(fields=["step", "ref"], condition=~models.Q(ref=""),
                                               name="funnel_step_once_per_ref")]

    def __str__(self):
        return f"{self.get_step_display()} · {self.occurred_at:%Y-%m-%d %H:%M}"
