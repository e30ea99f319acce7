from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.core.tenancy import ScopedManager, ScopedQuerySet


class Component(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    INTEREST = "interest", _("Interest")
    FEES = "fees", _("Fees")
    COSTS = "costs", _("Costs")
    PENALTIES = "penalties", _("Penalties")
    CREDIT = "credit", _("Credit held")


# The components a debtor owes; CREDIT is money held for the debtor (an overpayment).
OWED_COMPONENTS = [Component.PRINCIPAL, Component.INTEREST, Component.FEES, Component.COSTS, Component.PENALTIES]


class EntryKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    PAYMENT = "payment", _("Payment")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")
    WRITE_OFF = "write_off", _("Write-off")
    # Credit held for the debtor moved onto what they owe (positive on credit, negative on the
    # component), or moved back when the payment behind it is reversed.
    CREDIT_APPLIED = "credit_applied", _("Credit applied")


class ImmutableQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("ledger entries are immutable; post a reversal instead")

    def delete(self):
        raise PermissionError("ledger entries are immutable; post a reversal instead")


class Payment(models.Model):
    """Money received for an account, once per (creditor, source, external id)."""

    class Method(models.TextChoices):
        CARD = "card", _("Card")
        TRANSFER = "transfer", _("Bank transfer")
        DIRECT_DEBIT = "direct_debit", _("Direct debit")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        CREDITOR = "creditor", _("Paid to the creditor")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        POSTED = "posted", _("Posted")
        REVERSED = "reversed", _("Reversed")

    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="payments", db_index=False,
                                verbose_name=_("account"))
    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.PROTECT, related_name="+", db_index=False,
                                 verbose_name=_("creditor"))
    source = models.CharField(_("source"), max_length=30,
                              help_text=_("Where the payment came from: api, import, bank, card, agent, seed."))
    external_id = models.CharField(_("external id"), max_length=100)
    fingerprint = models.CharField(_("content fingerprint"), max_length=64)
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    value_date = models.DateField(_("value date"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    designation = models.JSONField(_("designated for"), null=True, blank=True,
                                   help_text=_("Components the debtor asked this payment to pay first."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.POSTED)
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "source", "external_id"], name="payment_posted_once"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payment_amount_positive"),
        ]
        indexes = [models.Index(fields=["account", "value_date"])]

    def __str__(self):
        return f"{self.source}:{self.external_id}"


class LedgerEntry(models.Model):
    """One immutable movement on one balance component. Positive: owed more; negative: owed less.

    Balance of a component = sum of its entries. Corrections are reversing entries.
    """

    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="entries", db_index=False,
                                verbose_name=_("account"))
    component = models.CharField(_("component"), max_length=10, choices=Component.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    effective_date = models.DateField(_("effective date"))
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries",
                                db_index=False, verbose_name=_("payment"))
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by",
                                 db_index=False, verbose_name=_("reverses"))
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    objects = models.Manager.from_queryset(ImmutableQuerySet)()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        # Charges carry no payment and almost no entry is a reversal: indexing only the rows that
        # have one keeps both indexes small and out of the way of every charge posted.
        constraints = [models.UniqueConstraint(fields=["reverses"], condition=models.Q(reverses__isnull=False),
                                               name="entry_reversed_once")]
        indexes = [models.Index(fields=["account", "component"]),
                   models.Index(fields=["payment"], condition=models.Q(payment__isnull=False), name="entry_payment")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.component} {self.amount_minor}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("ledger entries are immutable; post a reversal instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("ledger entries are immutable; post a reversal instead")


class DueItem(models.Model):
    """An amount of one component falling due on a date: the contractual due schedule, as open items.

    Payments settle due items (oldest first, per the creditor's waterfall); the oldest unsettled
    item already due gives days past due.
    """

    account = models.ForeignKey("portfolio.Account", on_delete=models.CASCADE, related_name="due_items", db_index=False,
                                verbose_name=_("account"))
    component = models.CharField(_("component"), max_length=10, choices=Component.choices)
    due_date = models.DateField(_("due date"))
    amount_minor = models.BigIntegerField(_("amount due"))
    settled_minor = models.BigIntegerField(_("amount settled"), default=0)
    instalment = models.PositiveIntegerField(_("instalment number"), null=True, blank=True)

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("due item")
        verbose_name_plural = _("due items")
        indexes = [models.Index(fields=["account", "due_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(settled_minor__gte=0) & models.Q(settled_minor__lte=models.F("amount_minor")),
                name="due_item_settled_within_amount",
            ),
        ]

    def __str__(self):
        return f"{self.due_date} {self.component} {self.amount_minor}"

    @property
    def open_minor(self) -> int:
        return self.amount_minor - self.settled_minor


class Allocation(models.Model):
    """How much of a ledger entry settled (or, negative, reopened) which due item: the waterfall's trace."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="allocations",
                              verbose_name=_("ledger entry"))
    due_item = models.ForeignKey(DueItem, on_delete=models.PROTECT, related_name="allocations",
                                 verbose_name=_("due item"))
    amount_minor = models.BigIntegerField(_("amount"))

    objects = ScopedManager()
    creditor_scope = "entry__account__creditor"

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self):
        return f"{self.entry_id} → {self.due_item_id}: {self.amount_minor}"


class BucketSpell(models.Model):
    """A stay of an account in one delinquency bucket: entered, exited (null while still in it)."""

    account = models.ForeignKey("portfolio.Account", on_delete=models.CASCADE, related_name="bucket_spells",
                                db_index=False, verbose_name=_("account"))
    bucket = models.CharField(_("bucket"), max_length=20)
    entered_on = models.DateField(_("entered on"))
    exited_on = models.DateField(_("exited on"), null=True, blank=True)

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("bucket spell")
        verbose_name_plural = _("bucket spells")
        indexes = [models.Index(fields=["account", "exited_on"]), models.Index(fields=["bucket", "entered_on"])]
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=models.Q(exited_on__isnull=True),
                                    name="one_open_bucket_spell"),
        ]

    def __str__(self):
        return f"{self.bucket} {self.entered_on}–{self.exited_on or ''}"
