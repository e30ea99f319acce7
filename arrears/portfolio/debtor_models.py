"""What a debtor tells us about themselves: how they want to be contacted, and circumstances (hardship or
vulnerability) that change how they must be treated.

Imported at the bottom of portfolio/models.py so Django registers them with the portfolio app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from arrears.core.tenancy import ScopedManager


class Channel(models.TextChoices):
    """The ways arrears reaches a debtor; the names match the contact points' opt-out fields."""

    CALL = "call", pgettext_lazy("contact channel", "Phone call")
    SMS = "sms", pgettext_lazy("contact channel", "Text message (SMS)")
    WHATSAPP = "whatsapp", pgettext_lazy("contact channel", "WhatsApp")
    EMAIL = "email", pgettext_lazy("contact channel", "E-mail")
    POST = "post", pgettext_lazy("contact channel", "Letter")


class ContactPreferences(models.Model):
    """The debtor's own wishes about contact. They only ever narrow what the law allows: the compliance
    guard keeps each country's hours and caps and then applies these hours and opt-outs on top.

    A channel opted out here holds for every contact point of the debtor, present and future; a "STOP" to
    one number is kept on that contact point instead."""

    debtor = models.OneToOneField("portfolio.Debtor", on_delete=models.CASCADE, related_name="contact_preferences",
                                  verbose_name=_("debtor"))
    preferred_channel = models.CharField(_("preferred channel"), max_length=10, choices=Channel.choices, blank=True)
    # At the debtor's local time; both empty: any hour the law allows.
    earliest = models.TimeField(_("not before"), null=True, blank=True)
    latest = models.TimeField(_("not after"), null=True, blank=True)
    opted_out = models.JSONField(_("channels opted out"), default=list, blank=True,
                                 help_text=_("Channels the debtor asked us not to use at all."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager()
    creditor_scope = "debtor__account_links__account__creditor"
    creditor_scope_many = True

    class Meta:
        verbose_name = _("contact preferences")
        verbose_name_plural = _("contact preferences")
        constraints = [models.CheckConstraint(
            condition=models.Q(earliest__isnull=True) | models.Q(latest__isnull=True)
            | models.Q(earliest__lt=models.F("latest")), name="contact_hours_in_order")]

    def __str__(self):
        return str(self.debtor)


class Circumstance(models.Model):
    """Hardship or vulnerability, declared by the debtor (in the portal) or recorded by an agent.

    Health details are special-category data: they are kept only with the debtor's explicit consent, and
    encrypted. A declared vulnerability sets the debtor's "vulnerable" flag at once (treat first, review
    after); a requested pause holds collection contact until its date while the servicer reviews."""

    class Kind(models.TextChoices):
        HARDSHIP = "hardship", _("Financial hardship")
        VULNERABILITY = "vulnerability", _("Vulnerability")

    class Reason(models.TextChoices):
        # Hardship
        JOB_LOSS = "job_loss", _("I lost my job or my income fell")
        ILLNESS = "illness", _("Illness or injury")
        BEREAVEMENT = "bereavement", _("Bereavement")
        RELATIONSHIP = "relationship", _("Separation or divorce")
        COSTS = "costs", _("My living costs rose")
        OTHER_DEBTS = "other_debts", _("Other debts")
        # Vulnerability, after the four drivers regulators use: health, life events, resilience, capability
        HEALTH = "health", _("A physical or mental health condition")
        LIFE_EVENT = "life_event", _("A difficult life event")
        RESILIENCE = "resilience", _("Little or no savings to fall back on")
        CAPABILITY = "capability", _("Difficulty reading, with language, or with managing money")
        OTHER = "other", _("Something else")

    class Need(models.TextChoices):
        WRITING = "writing", _("Contact me in writing only")
        MORE_TIME = "more_time", _("More time to reply")
        THIRD_PARTY = "third_party", _("Speak to someone on my behalf")
        SIMPLE_LANGUAGE = "simple_language", _("Plain, simple language")
        LARGE_PRINT = "large_print", _("Large print")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for review")
        REVIEWED = "reviewed", _("Reviewed")

    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.CASCADE, related_name="circumstances",
                               verbose_name=_("debtor"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    reasons = models.JSONField(_("reasons"), default=list)
    needs = models.JSONField(_("support needs"), default=list, blank=True)
    details_encrypted = models.TextField(_("details (encrypted)"), blank=True)
    consent_at = models.DateTimeField(_("consent to keep health details given at"), null=True, blank=True)
    paused_until = models.DateField(_("collection contact paused until"), null=True, blank=True)
    channel = models.CharField(_("declared through"), max_length=10, default="portal")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    review_note = models.TextField(_("review note"), blank=True)

    objects = ScopedManager()
    creditor_scope = "debtor__account_links__account__creditor"
    creditor_scope_many = True

    class Meta:
        verbose_name = _("declared circumstance")
        verbose_name_plural = _("declared circumstances")
        indexes = [models.Index(fields=["status", "created_at"], name="circumstance_review_queue")]

    def __str__(self):
        return f"{self.debtor} · {self.get_kind_display()}"
