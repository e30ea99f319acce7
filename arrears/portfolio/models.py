from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arrears.core.countries import COUNTRY_CHOICES
from arrears.core.identifiers import SCHEME_CHOICES, masked
from arrears.core.tenancy import ScopedManager

DEFAULT_WATERFALL = ["costs", "fees", "penalties", "interest", "principal"]
DEFAULT_BUCKETS = [
    {"code": "current", "min": 0, "max": 0},
    {"code": "1-30", "min": 1, "max": 30},
    {"code": "31-60", "min": 31, "max": 60},
    {"code": "61-90", "min": 61, "max": 90},
    {"code": "91-180", "min": 91, "max": 180},
    {"code": "181-365", "min": 181, "max": 365},
    {"code": "365+", "min": 366, "max": None},
]


def default_waterfall():
    return list(DEFAULT_WATERFALL)


def default_buckets():
    return [dict(b) for b in DEFAULT_BUCKETS]


class Creditor(models.Model):
    """A client of the servicer: the bank, fund, telco or utility whose debts are collected."""

    class Kind(models.TextChoices):
        BANK = "bank", _("Bank")
        FUND = "fund", _("Debt fund")
        TELCO = "telco", _("Telecom operator")
        UTILITY = "utility", _("Utility")
        LENDER = "lender", _("Consumer lender")
        OTHER = "other", _("Other")

    class AllocationMode(models.TextChoices):
        COMPONENT_FIRST = "component_first", _("By component, oldest due first within each")
        DUE_DATE_FIRST = "due_date_first", _(
            "Oldest due first, components in order within each (Polish civil code art. 451)"
        )

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BANK)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES)
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    allocation_order = models.JSONField(
        _("allocation order"), default=default_waterfall,
        help_text=_("Balance components in the order payments pay them off."),
    )
    allocation_mode = models.CharField(
        _("allocation mode"), max_length=20, choices=AllocationMode.choices, default=AllocationMode.COMPONENT_FIRST
    )
    buckets = models.JSONField(_("delinquency buckets"), default=default_buckets)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "pk"

    class Meta:
        verbose_name = _("creditor")
        verbose_name_plural = _("creditors")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Portfolio(models.Model):
    """A placement or purchase of accounts from one creditor, under one mandate and jurisdiction."""

    class Mandate(models.TextChoices):
        CONTINGENCY = "contingency", _("Contingency collection (commission)")
        SERVICING = "servicing", _("Servicing mandate")
        OWNED = "owned", _("Purchased debt (owned)")

    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="portfolios",
                                 verbose_name=_("creditor"))
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    original_creditor = models.CharField(_("original creditor"), max_length=200)
    mandate = models.CharField(_("mandate"), max_length=20, choices=Mandate.choices)
    commission_rate = models.DecimalField(
        _("commission rate"), max_digits=5, decimal_places=4, null=True, blank=True,
        help_text=_("Share of cash collected kept as commission, for contingency mandates (0.2500 = 25%)."),
    )
    currency = models.CharField(_("currency"), max_length=3)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=COUNTRY_CHOICES)
    collection_iban = models.CharField(
        _("collection account IBAN"), max_length=34, blank=True,
        help_text=_("The bank account debtors pay into, quoted with the account's RF reference."),
    )
    placed_on = models.DateField(_("placed on"))
    recalled_on = models.DateField(_("recalled on"), null=True, blank=True)

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("portfolio")
        verbose_name_plural = _("portfolios")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "code"], name="portfolio_code_per_creditor"),
            models.CheckConstraint(
                condition=models.Q(commission_rate__isnull=True)
                | models.Q(commission_rate__gte=0, commission_rate__lte=1),
                name="portfolio_commission_rate_range",
            ),
        ]

    def __str__(self):
        return f"{self.creditor.code}/{self.code}"


class Debtor(models.Model):
    """A person or company owing on one or more accounts."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    responsible_person = models.CharField(
        _("responsible person"), max_length=200, blank=True,
        help_text=_("For a company: the person who answers for the debt."),
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    country = models.CharField(_("country of residence"), max_length=2, choices=COUNTRY_CHOICES)
    preferred_language = models.CharField(_("preferred language"), max_length=8, choices=settings.LANGUAGES)
    deceased = models.BooleanField(_("deceased"), default=False)
    bankrupt = models.BooleanField(_("bankrupt"), default=False)
    vulnerable = models.BooleanField(_("vulnerable"), default=False)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    disputed = models.BooleanField(_("disputed"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "account_links__account__creditor"
    creditor_scope_many = True

    class Meta:
        verbose_name = _("debtor")
        verbose_name_plural = _("debtors")
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.COMPANY:
            return self.company_name
        return f"{self.given_name} {self.family_name}".strip()


class DebtorIdentifier(models.Model):
    """A national, tax or company identifier: encrypted at rest, found by its keyed hash."""

    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="identifiers", db_index=False,
                               verbose_name=_("debtor"))
    scheme = models.CharField(_("type"), max_length=12, choices=SCHEME_CHOICES)
    value_encrypted = models.TextField(_("value (encrypted)"))
    value_hash = models.CharField(_("lookup hash"), max_length=64)
    last_chars = models.CharField(_("last characters"), max_length=4)

    objects = ScopedManager()
    creditor_scope = "debtor__account_links__account__creditor"
    creditor_scope_many = True

    class Meta:
        verbose_name = _("debtor identifier")
        verbose_name_plural = _("debtor identifiers")
        constraints = [models.UniqueConstraint(fields=["debtor", "scheme"], name="one_identifier_per_scheme")]
        # Plain b-tree indexes (no LIKE variants): lookups are exact. Foreign keys already led by a
        # composite index or constraint carry no index of their own: fewer writes per ledger row.
        indexes = [models.Index(fields=["value_hash"], name="identifier_lookup")]

    def __str__(self):
        return f"{self.scheme} {self.masked_value}"

    @property
    def masked_value(self) -> str:
        """All that staff screens and letters show of the identifier."""
        return masked("x" * 6 + self.last_chars)


class ContactPoint(models.Model):
    """A phone, e-mail or postal address of a debtor, with where it came from and how far to trust it."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        ADDRESS = "address", _("Postal address")

    class LineType(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        FIXED = "fixed", _("Landline")
        # North American and Mexican numbering plans do not tell a mobile from a landline.
        FIXED_OR_MOBILE = "fixed_or_mobile", _("Landline or mobile")
        VOIP = "voip", _("VoIP")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        CREDITOR = "creditor", _("Creditor placement")
        DEBTOR = "debtor", _("Given by the debtor")
        AGENT = "agent", _("Recorded by an agent")
        TRACE = "trace", _("Trace or bureau")
        INBOUND = "inbound", _("Inbound contact")

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Unverified")
        VALID = "valid", _("Right party confirmed")
        WRONG_PARTY = "wrong_party", _("Wrong party")
        INVALID = "invalid", _("Invalid or disconnected")

    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="contact_points",
                               verbose_name=_("debtor"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=16, blank=True)
    line_type = models.CharField(_("line type"), max_length=16, choices=LineType.choices, blank=True)
    is_workplace = models.BooleanField(_("workplace"), default=False)
    email = models.EmailField(_("e-mail"), blank=True)
    address_line1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=COUNTRY_CHOICES)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CREDITOR)
    confidence = models.PositiveSmallIntegerField(_("confidence (0–100)"), default=50)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UNVERIFIED)
    is_primary = models.BooleanField(_("primary"), default=False)
    # When the debtor withdrew consent for a channel on this contact point (null: not opted out).
    call_opt_out_at = models.DateTimeField(_("calls opted out at"), null=True, blank=True)
    sms_opt_out_at = models.DateTimeField(_("SMS opted out at"), null=True, blank=True)
    whatsapp_opt_out_at = models.DateTimeField(_("WhatsApp opted out at"), null=True, blank=True)
    email_opt_out_at = models.DateTimeField(_("e-mail opted out at"), null=True, blank=True)
    post_opt_out_at = models.DateTimeField(_("letters opted out at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    creditor_scope = "debtor__account_links__account__creditor"
    creditor_scope_many = True

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.CheckConstraint(condition=models.Q(confidence__lte=100), name="contact_confidence_max_100"),
        ]
        indexes = [models.Index(fields=["phone_e164"], name="contact_phone"),
                   models.Index(fields=["email"], name="contact_email")]

    def __str__(self):
        if self.kind == self.Kind.PHONE:
            return self.phone_e164
        if self.kind == self.Kind.EMAIL:
            return self.email
        return ", ".join(p for p in (self.address_line1, self.postal_code, self.city) if p)


class Account(models.Model):
    """The debt: one contract placed with the servicer, with its balances, delinquency and status."""

    class Product(models.TextChoices):
        PERSONAL_LOAN = "personal_loan", _("Personal loan")
        CREDIT_CARD = "credit_card", _("Credit card")
        MORTGAGE = "mortgage", _("Mortgage")
        AUTO_LOAN = "auto_loan", _("Auto loan")
        OVERDRAFT = "overdraft", _("Overdraft")
        SME_LOAN = "sme_loan", _("Business loan")
        TELCO = "telco", _("Telecom bill")
        UTILITY = "utility", _("Utility bill")
        BNPL = "bnpl", _("Buy now, pay later")

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        ACTIVE = "active", _("In collection")
        ARRANGEMENT = "arrangement", _("Under arrangement")
        HOLD = "hold", _("On hold")
        LEGAL = "legal", _("Legal")
        PAID = "paid", _("Paid in full")
        SETTLED = "settled", _("Settled")
        WRITTEN_OFF = "written_off", _("Written off")
        RECALLED = "recalled", _("Recalled by creditor")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.PLACED, Status.ACTIVE, Status.ARRANGEMENT, Status.HOLD, Status.LEGAL)

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="accounts",
                                  verbose_name=_("portfolio"))
    # Copied from the portfolio: references are unique per creditor, and scoping filters on it.
    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="accounts", db_index=False,
                                 verbose_name=_("creditor"))
    creditor_reference = models.CharField(_("creditor's reference"), max_length=64)
    original_reference = models.CharField(_("original creditor's reference"), max_length=64, blank=True)
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    contract_date = models.DateField(_("contract date"))
    currency = models.CharField(_("currency"), max_length=3)
    charge_off_date = models.DateField(_("charge-off date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLACED)
    rf_reference = models.CharField(_("payment reference (RF)"), max_length=25)
    pause_days = models.PositiveIntegerField(
        _("agreed pause days"), default=0, help_text=_("Days of agreed payment pause, not counted in days past due."),
    )
    # Balances and delinquency are derived from ledger entries and due items; these columns are
    # their running totals, written in the same transaction as the entries (see ledger.services).
    principal_minor = models.BigIntegerField(_("principal"), default=0)
    interest_minor = models.BigIntegerField(_("interest"), default=0)
    fees_minor = models.BigIntegerField(_("fees"), default=0)
    costs_minor = models.BigIntegerField(_("costs"), default=0)
    penalties_minor = models.BigIntegerField(_("penalties"), default=0)
    credit_minor = models.BigIntegerField(_("credit held"), default=0)
    oldest_unpaid_due_date = models.DateField(_("oldest unpaid due date"), null=True, blank=True, db_index=True)
    dpd = models.PositiveIntegerField(_("days past due"), default=0)
    bucket = models.CharField(_("bucket"), max_length=20, default="current")
    dpd_as_of = models.DateField(_("days past due as of"), null=True, blank=True)
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    debtors = models.ManyToManyField(Debtor, through="AccountDebtor", related_name="accounts",
                                     verbose_name=_("debtors"))

    objects = ScopedManager()
    creditor_scope = "creditor"

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "creditor_reference"], name="account_reference_per_creditor"),
            # A constraint rather than unique=True: RF references are looked up exactly, so no LIKE index.
            models.UniqueConstraint(fields=["rf_reference"], name="account_rf_reference"),
        ]
        indexes = [
            models.Index(fields=["creditor", "status", "bucket"]),
            models.Index(fields=["status"], name="account_status"),
        ]

    def __str__(self):
        return f"{self.creditor_reference}"

    @property
    def balance_minor(self) -> int:
        """What the debtor owes net of any credit held (credit is stored as a negative amount)."""
        return (self.principal_minor + self.interest_minor + self.fees_minor + self.costs_minor
                + self.penalties_minor + self.credit_minor)


class AccountDebtor(models.Model):
    class Role(models.TextChoices):
        PRIMARY = "primary", _("Primary borrower")
        CO_BORROWER = "co_borrower", _("Co-borrower")
        GUARANTOR = "guarantor", _("Guarantor")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="debtor_links", db_index=False,
                                verbose_name=_("account"))
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="account_links",
                               verbose_name=_("debtor"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.PRIMARY)

    objects = ScopedManager()
    creditor_scope = "account__creditor"

    class Meta:
        verbose_name = _("debtor of an account")
        verbose_name_plural = _("debtors of accounts")
        constraints = [models.UniqueConstraint(fields=["account", "debtor"], name="debtor_once_per_account")]

    def __str__(self):
        return f"{self.account} · {self.get_role_display()}"


from arrears.portfolio.debtor_models import Channel, Circumstance, ContactPreferences  # noqa: E402,F401
