"""Debtors' own sign-in to the portal: a login per debtor (username, password, optional TOTP) and the
one-time codes that prove a first visit or a new contact detail."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalLogin(models.Model):
    debtor = models.OneToOneField("portfolio.Debtor", on_delete=models.CASCADE, related_name="portal_login",
                                  verbose_name=_("debtor"))
    username = models.CharField(_("username"), max_length=60, unique=True)  # kept lower-case
    password = models.CharField(_("password"), max_length=256)
    totp_secret = models.TextField(_("authenticator secret (encrypted)"), blank=True)
    # The time step of the last authenticator code accepted: a code is good once, and never an older one.
    totp_last_step = models.PositiveBigIntegerField(_("last authenticator time step used"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(_("failed sign-ins in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    last_login_at = models.DateTimeField(_("last signed in"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("portal login")
        verbose_name_plural = _("portal logins")

    def __str__(self):
        return self.username


class OneTimeCode(models.Model):
    class Purpose(models.TextChoices):
        FIRST_VISIT = "first_visit", _("First visit")
        CONTACT = "contact", _("New contact detail")

    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.CASCADE, related_name="one_time_codes",
                               verbose_name=_("debtor"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    contact_point = models.ForeignKey("portfolio.ContactPoint", on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("sent to"))
    code_hash = models.CharField(_("code (keyed hash)"), max_length=64)
    attempts = models.PositiveSmallIntegerField(_("wrong entries"), default=0)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["debtor", "purpose", "created_at"])]

    def __str__(self):
        return f"{self.debtor_id} · {self.purpose}"


class PortalBrand(models.Model):
    """How the portal looks for one servicer: its name, logo and colours, chosen by the host name the debtor
    reached (a servicer with several brands gives each its own host). The row without a host is the default;
    with no row at all the portal carries PORTAL_BRAND_NAME in the house colours."""

    host = models.CharField(_("host name"), max_length=253, unique=True, blank=True,
                            help_text=_("e.g. pay.example.gr; empty for the default brand."))
    name = models.CharField(_("name shown to debtors"), max_length=80)
    logo = models.BinaryField(_("logo"), blank=True, default=b"")
    logo_type = models.CharField(_("logo type"), max_length=20, blank=True)
    colour = models.CharField(_("main colour"), max_length=7, default="#1f4e79",
                              help_text=_("Header and buttons, as #rrggbb; white text must be readable on it."))
    support_phone = models.CharField(_("support phone"), max_length=30, blank=True)
    support_email = models.EmailField(_("support e-mail"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("portal brand")
        verbose_name_plural = _("portal brands")

    def __str__(self):
        return f"{self.name} ({self.host or _('default')})"
