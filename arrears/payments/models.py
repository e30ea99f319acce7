"""Where debtors pay (collection accounts) and what the bank says arrived there (statements and their lines)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.core.tenancy import ScopedManager


class CollectionAccount(models.Model):
    """A bank account of a creditor (or of one of its portfolios) that debtors pay into."""

    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.PROTECT, related_name="collection_accounts",
                                 verbose_name=_("creditor"))
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="collection_accounts", verbose_name=_("portfolio"),
                                  help_text=_("Leave empty for an account that serves every portfolio of the "
                                              "creditor."))
    # One IBAN is one bank account: the CLI and statement files name it, so it is unique.
    iban = models.CharField(_("IBAN"), max_length=34, unique=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    holder_name = models.CharField(_("account holder"), max_length=140)
    currency = models.CharField(_("currency"), max_length=3)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("collection account")
        verbose_name_plural = _("collection accounts")
        ordering = ["creditor", "iban"]

    def __str__(self):
        return f"{self.iban} ({self.currency})"


class BankStatement(models.Model):
    """One imported statement file: a camt.053 message or a bank's CSV export."""

    class Format(models.TextChoices):
        CAMT053 = "camt053", _("ISO 20022 camt.053")
        CSV = "csv", _("CSV export")

    collection_account = models.ForeignKey(CollectionAccount, on_delete=models.PROTECT, related_name="statements",
                                           verbose_name=_("collection account"))
    # Copied from the collection account: scoping filters on it without a join.
    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("creditor"))
    source_format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    # The same file twice is refused: its digest names the earlier import.
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    statement_id = models.CharField(_("statement id"), max_length=100, blank=True)
    message_id = models.CharField(_("message id"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("imported by"))
    created_by_label = models.CharField(_("imported by (label)"), max_length=120)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    matched_count = models.PositiveIntegerField(_("lines matched"), default=0)
    unmatched_count = models.PositiveIntegerField(_("lines unmatched"), default=0)
    ignored_count = models.PositiveIntegerField(_("lines ignored"), default=0)
    posted_count = models.PositiveIntegerField(_("payments posted"), default=0)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at"]

    def __str__(self):
        return self.file_name


class StatementLine(models.Model):
    """One credit or debit the bank booked, and what reconciliation made of it."""

    class Direction(models.TextChoices):
        CREDIT = "credit", _("Credit")
        DEBIT = "debit", _("Debit")

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        # Matched to an account whose payment an earlier statement had already posted.
        MATCHED = "matched", _("Matched, posted before")
        UNMATCHED = "unmatched", _("Unmatched")
        IGNORED = "ignored", _("Ignored")

    class MatchMethod(models.TextChoices):
        RF = "rf", _("RF reference")
        REFERENCE = "reference", _("Creditor's account reference")
        AMOUNT_NAME = "amount_name", _("Amount and debtor name")
        MANUAL = "manual", _("Matched by hand")

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines",
                                  verbose_name=_("statement"))
    line_number = models.PositiveIntegerField(_("line"))
    entry_reference = models.CharField(_("bank's entry reference"), max_length=100, blank=True)
    external_id = models.CharField(_("payment id"), max_length=100,
                                   help_text=_("Collection account and entry reference: the same booking in "
                                               "another file is the same payment."))
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"))
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    direction = models.CharField(_("credit or debit"), max_length=6, choices=Direction.choices)
    is_reversal = models.BooleanField(_("reversal"), default=False)
    remittance_text = models.TextField(_("remittance information"), blank=True)
    structured_reference = models.CharField(_("structured reference"), max_length=35, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UNMATCHED)
    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="statement_lines", db_index=False, verbose_name=_("account"))
    payment = models.ForeignKey("ledger.Payment", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="statement_lines", db_index=False, verbose_name=_("payment"))
    match_method = models.CharField(_("matched by"), max_length=12, choices=MatchMethod.choices, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True,
                            help_text=_("Why the line is unmatched or ignored, or how it was matched."))

    objects = ScopedManager()
    creditor_scope = "statement__creditor"

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "line_number"], name="statement_line_number"),
            models.CheckConstraint(condition=models.Q(amount_minor__gte=0), name="statement_line_amount_unsigned"),
        ]
        # The back-office queue lists unmatched lines; other statuses are looked at per statement.
        indexes = [models.Index(fields=["status"], condition=models.Q(status="unmatched"),
                                name="statement_line_unmatched")]

    def __str__(self):
        return f"{self.statement_id}#{self.line_number}"


from arrears.payments.online_models import OnlinePayment  # noqa: E402,F401
