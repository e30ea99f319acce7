from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.core.tenancy import ScopedManager


class ImportKind(models.TextChoices):
    PLACEMENTS = "placements", _("Placements")
    PAYMENTS = "payments", _("Payments")


class ImportProfile(models.Model):
    """How one creditor's files read: which header names mean which arrears fields, and the file's format."""

    class Encoding(models.TextChoices):
        UTF8 = "utf-8", _("UTF-8")
        UTF8_SIG = "utf-8-sig", _("UTF-8 with byte-order mark")
        CP1253 = "cp1253", _("Windows Greek (cp1253)")
        CP1251 = "cp1251", _("Windows Cyrillic (cp1251)")
        CP1250 = "cp1250", _("Windows Central European (cp1250)")

    class DecimalSeparator(models.TextChoices):
        POINT = ".", _("Point (1234.56)")
        COMMA = ",", _("Comma (1234,56)")

    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.PROTECT, related_name="import_profiles",
                                 db_index=False, verbose_name=_("creditor"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices)
    columns = models.JSONField(_("column mapping"), default=dict,
                               help_text=_("Header name in the file → arrears field, e.g. "
                                           "{\"Loan no\": \"creditor_reference\"}."))
    delimiter = models.CharField(_("delimiter"), max_length=1, default=",")
    encoding = models.CharField(_("encoding"), max_length=10, choices=Encoding.choices, default=Encoding.UTF8_SIG)
    decimal_separator = models.CharField(_("decimal separator"), max_length=1, choices=DecimalSeparator.choices,
                                         default=DecimalSeparator.POINT)
    date_format = models.CharField(_("date format"), max_length=20, default="%Y-%m-%d",
                                   help_text=_("As in strftime: %d/%m/%Y is 31/12/2025."))
    default_portfolio_code = models.CharField(_("default portfolio code"), max_length=60, blank=True,
                                              help_text=_("For placement files without a portfolio column."))
    payment_source = models.CharField(_("payment source"), max_length=30, default="file",
                                      help_text=_("Payment ids are unique per creditor and source."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        constraints = [models.UniqueConstraint(fields=["creditor", "name"], name="import_profile_name_per_creditor")]

    def __str__(self):
        return self.name


class ImportBatch(models.Model):
    """One file imported: validated whole first, then applied in chunks, with its counts and progress."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Validating")
        VALIDATED = "validated", _("Validated")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
        VALID_ONLY = "valid_only", _("Valid rows only")

    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.PROTECT, related_name="import_batches",
                                 db_index=False, verbose_name=_("creditor"))
    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices)
    profile = models.ForeignKey(ImportProfile, on_delete=models.PROTECT, related_name="batches",
                                verbose_name=_("profile"))
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("portfolio"),
                                  help_text=_("Placements: where rows that name no portfolio go (otherwise the "
                                              "profile's default portfolio)."))
    file_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(_("stored file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALIDATING)
    mode = models.CharField(_("apply mode"), max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    invalid_rows = models.PositiveIntegerField(_("invalid rows"), default=0)
    applied_rows = models.PositiveIntegerField(_("applied rows"), default=0)
    progress = models.PositiveIntegerField(_("rows processed"), default=0)
    message = models.TextField(_("message"), blank=True, help_text=_("Why the file as a whole failed, if it did."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at"]
        constraints = [
            # A file is imported once per creditor; a rejected import wrote nothing and may be tried again.
            models.UniqueConstraint(fields=["creditor", "sha256"], condition=~models.Q(status="rejected"),
                                    name="import_file_once_per_creditor"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.file_name}"


class ImportRowError(models.Model):
    """One problem with one row (row 1 is the header), named by column and arrears field."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors", db_index=False,
                              verbose_name=_("batch"))
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=200, blank=True)
    message = models.TextField(_("message"))
    # Found while applying (the book changed after validation) rather than while validating.
    during_apply = models.BooleanField(_("found while applying"), default=False)

    objects = ScopedManager()
    creditor_scope = "batch__creditor"

    class Meta:
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")
        ordering = ["batch", "row", "id"]
        indexes = [models.Index(fields=["batch", "row"], name="import_error_row")]

    def __str__(self):
        return f"{self.row}: {self.message}"
