"""Arrangements a debtor enters into: promises to pay, instalment plans and settlements, the policy that
bounds them, the offers computed within it, and per-debtor tallies the strategy engine segments on.

Amounts are integer minor units in the account's currency, like the ledger's.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from arrears.arrangements.schedule import Frequency, Method
from arrears.core.tenancy import ScopedManager


class Channel(models.TextChoices):
    PORTAL = "portal", _("Debtor portal")
    AGENT = "agent", _("Agent")
    API = "api", _("Creditor API")


def default_frequencies():
    return [Frequency.MONTHLY.value]


def default_discounts():
    # Rows are matched most specific first: the highest min_dpd, then the highest min_balance, that apply.
    return [
        {"min_dpd": 0, "min_balance_minor": 0, "discount_percent": "0"},
        {"min_dpd": 90, "min_balance_minor": 0, "discount_percent": "10"},
        {"min_dpd": 180, "min_balance_minor": 0, "discount_percent": "20"},
        {"min_dpd": 365, "min_balance_minor": 0, "discount_percent": "30"},
    ]


class ArrangementPolicy(models.Model):
    """What a creditor allows (one policy for the creditor, optionally one per portfolio that overrides it)."""

    creditor = models.ForeignKey("portfolio.Creditor", on_delete=models.CASCADE, related_name="arrangement_policies",
                                 verbose_name=_("creditor"))
    portfolio = models.OneToOneField("portfolio.Portfolio", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="arrangement_policy", verbose_name=_("portfolio"))

    promise_max_days_ahead = models.PositiveSmallIntegerField(_("promise: latest date (days ahead)"), default=30)
    promise_min_percent = models.DecimalField(
        # xgettext:no-python-format
        _("promise: minimum (% of the arrears)"), max_digits=5, decimal_places=2, default=Decimal("10"))
    promise_min_minor = models.BigIntegerField(_("promise: minimum amount (minor units)"), default=0)
    promise_grace_days = models.PositiveSmallIntegerField(_("promise: grace days"), default=3)
    promise_tolerance_percent = models.DecimalField(
        _("promise: shortfall tolerated (%)"), max_digits=5, decimal_places=2, default=Decimal("5"),
        help_text=_("A promise paid to within this share of its amount counts as kept."))

    plan_frequencies = models.JSONField(_("plan: frequencies offered"), default=default_frequencies)
    plan_min_instalment_minor = models.BigIntegerField(_("plan: minimum instalment (minor units)"), default=2000)
    plan_max_instalments = models.PositiveSmallIntegerField(_("plan: most instalments"), default=24)
    plan_max_months = models.PositiveSmallIntegerField(_("plan: longest duration (months)"), default=24)
    plan_min_down_payment_percent = models.DecimalField(
        # xgettext:no-python-format
        _("plan: down payment (% of the balance)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    plan_annual_rate = models.DecimalField(
        _("plan: annual interest rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
        help_text=_("0 gives equal instalments; above 0, annuity instalments with this interest."))
    plan_grace_days = models.PositiveSmallIntegerField(_("plan: grace days per instalment"), default=5)
    plan_missed_to_break = models.PositiveSmallIntegerField(
        _("plan: missed instalments that break it"), default=2)

    settlement_discounts = models.JSONField(_("settlement: discount table"), default=default_discounts)
    settlement_max_payments = models.PositiveSmallIntegerField(_("settlement: most payments"), default=3)
    settlement_max_days = models.PositiveSmallIntegerField(_("settlement: days to pay it"), default=90)

    offer_valid_days = models.PositiveSmallIntegerField(_("offers valid for (days)"), default=7)
    exclude_disputed = models.BooleanField(_("no offers on disputed debts"), default=True)
    exclude_bankrupt = models.BooleanField(_("no offers to bankrupt debtors"), default=True)
    exclude_legal = models.BooleanField(_("no offers on accounts in legal"), default=True)
    exclude_deceased = models.BooleanField(_("no offers on deceased debtors' accounts"), default=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("arrangement policy")
        verbose_name_plural = _("arrangement policies")
        constraints = [models.UniqueConstraint(fields=["creditor"], condition=models.Q(portfolio__isnull=True),
                                               name="one_policy_per_creditor")]

    def __str__(self):
        return str(self.portfolio or self.creditor) if (self.portfolio_id or self.creditor_id) else "defaults"


class Promise(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        KEPT = "kept", _("Kept")
        PARTIALLY_KEPT = "partially_kept", _("Partly kept")
        BROKEN = "broken", _("Broken")
        CANCELLED = "cancelled", _("Cancelled")

    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="promises",
                                verbose_name=_("account"))
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="promises", verbose_name=_("debtor"))
    amount_minor = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    due_date = models.DateField(_("promised date"))
    made_on = models.DateField(_("made on"))
    # The policy's terms when the promise was made: a later policy change does not move it.
    grace_days = models.PositiveSmallIntegerField(_("grace days"))
    tolerance_percent = models.DecimalField(_("shortfall tolerated (%)"), max_digits=5, decimal_places=2)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    paid_minor = models.BigIntegerField(_("paid towards it"), default=0)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        indexes = [models.Index(fields=["account", "status"]),
                   models.Index(fields=["due_date"], name="promise_pending_due",
                                condition=models.Q(status="pending"))]

    def __str__(self):
        return f"{self.account} · {self.due_date}"


class FinancialStatement(models.Model):
    """A debtor's monthly income and expenditure (Standard Financial Statement categories), kept with the
    arrangement it led to."""

    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="financial_statements",
                               verbose_name=_("debtor"))
    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="financial_statements",
                                verbose_name=_("account"))
    currency = models.CharField(_("currency"), max_length=3)
    lines = models.JSONField(_("monthly amounts by category (minor units)"))
    adults = models.PositiveSmallIntegerField(_("adults in the household"), default=1)
    children = models.PositiveSmallIntegerField(_("children in the household"), default=0)
    income_minor = models.BigIntegerField(_("income a month"))
    expenditure_minor = models.BigIntegerField(_("expenditure a month"))
    disposable_minor = models.BigIntegerField(_("left for creditors a month"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("financial statement")
        verbose_name_plural = _("financial statements")

    def __str__(self):
        return f"{self.debtor_id} · {self.created_at:%Y-%m-%d}"


class Arrangement(models.Model):
    """An instalment plan or a settlement: a schedule of instalments the payments on the account fill in order."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Instalment plan")
        SETTLEMENT = "settlement", _("Settlement")

    class Status(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        LATE = "late", _("Late")
        BROKEN = "broken", _("Broken")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE_STATUSES = (Status.ON_TRACK, Status.LATE)

    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="arrangements",
                                verbose_name=_("account"))
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="arrangements", verbose_name=_("debtor"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ON_TRACK)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(pgettext_lazy("schedule", "method"), max_length=10, choices=Method.choices,
                              default=Method.EQUAL)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.MONTHLY)
    annual_rate = models.DecimalField(_("annual interest rate (%)"), max_digits=5, decimal_places=2,
                                      default=Decimal("0"))
    balance_minor = models.BigIntegerField(_("balance when agreed"))
    total_minor = models.BigIntegerField(_("total to pay"))
    discount_minor = models.BigIntegerField(_("discount"), default=0)
    paid_minor = models.BigIntegerField(_("paid towards it"), default=0)
    start_date = models.DateField(_("agreed on"))
    grace_days = models.PositiveSmallIntegerField(_("grace days per instalment"))
    missed_to_break = models.PositiveSmallIntegerField(_("missed instalments that break it"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    statement = models.ForeignKey(FinancialStatement, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="arrangements", verbose_name=_("financial statement"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("arrangement")
        verbose_name_plural = _("arrangements")
        constraints = [models.UniqueConstraint(fields=["account"], condition=models.Q(status__in=["on_track", "late"]),
                                               name="one_live_arrangement_per_account")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.account}"


class Instalment(models.Model):
    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="instalments",
                                    verbose_name=_("arrangement"))
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount_minor = models.BigIntegerField(_("amount"))
    principal_minor = models.BigIntegerField(_("towards the balance"))
    interest_minor = models.BigIntegerField(_("interest"), default=0)
    paid_minor = models.BigIntegerField(_("paid"), default=0)
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True)

    objects = ScopedManager()
    creditor_scope = "arrangement__account__creditor"

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["arrangement", "number"]
        constraints = [models.UniqueConstraint(fields=["arrangement", "number"], name="instalment_number")]

    def __str__(self):
        return f"{self.arrangement_id} #{self.number}"


class Offer(models.Model):
    """Terms computed for one account within its policy, valid until `expires_at`; accepting one creates the
    arrangement, provided the account still stands as it did when the offer was made."""

    account = models.ForeignKey("portfolio.Account", on_delete=models.CASCADE, related_name="offers",
                                verbose_name=_("account"))
    kind = models.CharField(_("kind"), max_length=10, choices=Arrangement.Kind.choices)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(pgettext_lazy("schedule", "method"), max_length=10, choices=Method.choices)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    annual_rate = models.DecimalField(_("annual interest rate (%)"), max_digits=5, decimal_places=2)
    count = models.PositiveSmallIntegerField(_("instalments after any down payment"))
    down_payment_minor = models.BigIntegerField(_("down payment"), default=0)
    first_due = models.DateField(_("first payment due"))
    balance_minor = models.BigIntegerField(_("balance it was computed for"))
    principal_minor = models.BigIntegerField(_("amount scheduled"))
    total_minor = models.BigIntegerField(_("total to pay"))
    discount_minor = models.BigIntegerField(_("discount"), default=0)
    largest_instalment_minor = models.BigIntegerField(_("largest instalment"))
    monthly_minor = models.BigIntegerField(_("cost per month"))
    fits_budget = models.BooleanField(_("fits the debtor's budget"), null=True)
    rank = models.PositiveSmallIntegerField(_("rank"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    arrangement = models.OneToOneField(Arrangement, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="offer", verbose_name=_("arrangement"))

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        indexes = [models.Index(fields=["account", "expires_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.account} · {self.count}"


class ArrangementTally(models.Model):
    """Per debtor: how promises and plans went, kept current as they resolve (the strategy engine segments on it)."""

    debtor = models.OneToOneField("portfolio.Debtor", on_delete=models.CASCADE, primary_key=True,
                                  related_name="arrangement_tally", verbose_name=_("debtor"))
    promises_made = models.PositiveIntegerField(_("promises made"), default=0)
    promises_kept = models.PositiveIntegerField(_("promises kept"), default=0)
    promises_partially_kept = models.PositiveIntegerField(_("promises partly kept"), default=0)
    promises_broken = models.PositiveIntegerField(_("promises broken"), default=0)
    plans_made = models.PositiveIntegerField(_("plans made"), default=0)
    plans_completed = models.PositiveIntegerField(_("plans completed"), default=0)
    plans_broken = models.PositiveIntegerField(_("plans broken"), default=0)
    last_broken_on = models.DateField(_("last broken on"), null=True, blank=True)

    class Meta:
        verbose_name = _("arrangement tally")
        verbose_name_plural = _("arrangement tallies")

    def __str__(self):
        return f"{self.debtor_id}: {self.promises_kept}/{self.promises_made}"


class RestructuringProposal(models.Model):
    """A debtor's proposal to restructure (Greek code-of-conduct style): staff accept, counter-propose or reject
    by a deadline in working days; the debtor accepts or rejects a counter-proposal. Each step is dated."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for our answer")
        COUNTERED = "countered", _("Counter-proposal made")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", pgettext_lazy("proposal", "Rejected")
        COUNTER_ACCEPTED = "counter_accepted", _("Counter-proposal accepted")
        COUNTER_REJECTED = "counter_rejected", _("Counter-proposal rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.SUBMITTED, Status.COUNTERED)

    account = models.ForeignKey("portfolio.Account", on_delete=models.PROTECT, related_name="proposals",
                                verbose_name=_("account"))
    debtor = models.ForeignKey("portfolio.Debtor", on_delete=models.PROTECT, related_name="proposals",
                               verbose_name=_("debtor"))
    statement = models.ForeignKey(FinancialStatement, on_delete=models.PROTECT, related_name="proposals",
                                  verbose_name=_("financial statement"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    currency = models.CharField(_("currency"), max_length=3)
    # The debtor's terms: `count` monthly instalments, of the whole balance or of `settle_minor` if given.
    count = models.PositiveSmallIntegerField(_("instalments proposed"))
    settle_minor = models.BigIntegerField(_("amount proposed to settle"), null=True, blank=True)
    reason = models.TextField(_("the debtor's reasons"), max_length=4000)
    submitted_on = models.DateField(_("submitted on"))
    answer_due = models.DateField(_("answer due by"))
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answer_note = models.TextField(_("our answer"), max_length=4000, blank=True)
    counter_count = models.PositiveSmallIntegerField(_("instalments counter-proposed"), null=True, blank=True)
    counter_settle_minor = models.BigIntegerField(_("amount counter-proposed to settle"), null=True, blank=True)
    decided_on = models.DateField(_("debtor decided on"), null=True, blank=True)
    arrangement = models.OneToOneField(Arrangement, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="proposal", verbose_name=_("arrangement"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("restructuring proposal")
        verbose_name_plural = _("restructuring proposals")
        indexes = [models.Index(fields=["answer_due"], name="proposal_waiting",
                                condition=models.Q(status="submitted"))]

    def __str__(self):
        return f"{self.account} · {self.submitted_on}"
