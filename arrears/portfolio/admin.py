"""Back office for creditors, portfolios, debtors and accounts. Writes go through portfolio.services."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.core.admin_base import (
    ReadOnlyInline,
    ReasonForm,
    RoleAdmin,
    ServiceForm,
    action_with_form,
    changed_values,
    money,
    staff_may,
)
from arrears.core.audit import record
from arrears.ledger.corrections import write_off
from arrears.ledger.models import DueItem
from arrears.portfolio import services
from arrears.portfolio.models import (
    Account,
    AccountDebtor,
    ContactPoint,
    Creditor,
    Debtor,
    DebtorIdentifier,
    Portfolio,
)


class CreditorForm(ServiceForm, forms.ModelForm):
    service_clean = services.clean_creditor_values

    class Meta:
        model = Creditor
        fields = services.CREDITOR_FIELDS


@admin.register(Creditor)
class CreditorAdmin(RoleAdmin):
    form = CreditorForm
    add_action = change_action = roles.MANAGE_CREDITORS
    list_display = ["code", "name", "kind", "country", "allocation_mode", "is_active"]
    list_filter = ["kind", "country", "is_active"]
    search_fields = ["code", "name", "registration_number"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            original = Creditor.objects.get(pk=obj.pk)
            services.update_creditor(actor=request.user, creditor=original, **changed_values(form))
        else:
            created = services.create_creditor(actor=request.user, **form.cleaned_data)
            obj.pk = created.pk


class PortfolioForm(ServiceForm, forms.ModelForm):
    service_clean = services.clean_portfolio_values

    class Meta:
        model = Portfolio
        fields = ["creditor", *services.PORTFOLIO_FIELDS]


@admin.register(Portfolio)
class PortfolioAdmin(RoleAdmin):
    form = PortfolioForm
    add_action = change_action = roles.MANAGE_CREDITORS
    list_display = ["__str__", "name", "original_creditor", "mandate", "currency", "jurisdiction", "placed_on",
                    "recalled_on"]
    list_filter = ["mandate", "currency", "jurisdiction", "creditor"]
    search_fields = ["code", "name", "original_creditor"]
    list_select_related = ["creditor"]

    def get_readonly_fields(self, request, obj=None):
        return ["creditor", "code", "currency"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "creditor":
            kwargs["queryset"] = Creditor.objects.visible_to(request.user, roles.MANAGE_CREDITORS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            original = Portfolio.objects.get(pk=obj.pk)
            services.update_portfolio(actor=request.user, portfolio=original, **changed_values(form))
        else:
            values = dict(form.cleaned_data)
            creditor = values.pop("creditor")
            created = services.create_portfolio(actor=request.user, creditor=creditor, **values)
            obj.pk = created.pk


class IdentifierInline(ReadOnlyInline):
    model = DebtorIdentifier
    view_action = roles.VIEW_PERSONAL_DATA
    fields = ["scheme", "shown_value"]
    readonly_fields = fields

    @admin.display(description=_("value"))
    def shown_value(self, identifier):
        return identifier.masked_value


class ContactPointInline(ReadOnlyInline):
    model = ContactPoint
    view_action = roles.VIEW_PERSONAL_DATA
    fields = ["kind", "__str__", "line_type", "is_workplace", "source", "confidence", "status", "is_primary",
              "opt_outs"]
    readonly_fields = fields

    @admin.display(description=_("opted out of"))
    def opt_outs(self, point):
        names = [channel for channel, name in services.OPT_OUT_FIELDS.items() if getattr(point, name)]
        return ", ".join(names) or "—"


class DebtorAccountInline(ReadOnlyInline):
    model = AccountDebtor
    fk_name = "debtor"
    fields = ["account", "role"]
    readonly_fields = fields
    show_change_link = True
    verbose_name = _("account")
    verbose_name_plural = _("accounts")

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).select_related("account")


class DebtorForm(forms.ModelForm):
    class Meta:
        model = Debtor
        fields = [*services.DEBTOR_FIELDS, *services.FLAG_FIELDS]


@admin.register(Debtor)
class DebtorAdmin(RoleAdmin):
    """Every open of a debtor, and every list of debtors shown, is a view of personal data: audited."""

    form = DebtorForm
    view_action = roles.VIEW_PERSONAL_DATA
    change_action = roles.EDIT_DEBTOR
    list_display = ["__str__", "kind", "country", "preferred_language", "deceased", "bankrupt", "vulnerable",
                    "do_not_contact", "disputed"]
    list_filter = ["kind", "country", "deceased", "bankrupt", "vulnerable", "do_not_contact", "disputed"]
    search_fields = ["family_name", "given_name", "company_name"]
    inlines = [IdentifierInline, ContactPointInline, DebtorAccountInline]
    fieldsets = [
        (None, {"fields": services.DEBTOR_FIELDS}),
        (_("Flags"), {"fields": services.FLAG_FIELDS}),
    ]

    def has_change_permission(self, request, obj=None):
        # Staff who may set flags (agents, compliance) reach the form; the service checks each write.
        return super().has_change_permission(request, obj) or request.user.may(roles.SET_DEBTOR_FLAGS)

    def get_readonly_fields(self, request, obj=None):
        if not request.user.may(roles.EDIT_DEBTOR):
            return services.DEBTOR_FIELDS
        return []

    def save_model(self, request, obj, form, change):
        original = Debtor.objects.get(pk=obj.pk)
        values = changed_values(form)
        flags = {name: values.pop(name) for name in list(values) if name in services.FLAG_FIELDS}
        with transaction.atomic():
            if values:
                services.update_debtor(actor=request.user, debtor=original, **values)
            if flags:
                services.set_debtor_flags(actor=request.user, debtor=original, **flags)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            debtor = response.context_data.get("original")
            if debtor is not None:
                services.record_debtor_views(actor=request.user, debtors=[debtor], screen="back office")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            shown = [d.pk for d in changelist.result_list]
            if shown:
                record(actor=request.user, action="debtors.listed", object_type="portfolio.debtor",
                       object_id="list", after={"ids": shown, "search": request.GET.get("q", "")})
        return response


class AccountDebtorInline(ReadOnlyInline):
    model = AccountDebtor
    fk_name = "account"
    fields = ["debtor", "role"]
    readonly_fields = fields
    show_change_link = True
    verbose_name = _("debtor")
    verbose_name_plural = _("debtors")


class DueItemInline(ReadOnlyInline):
    model = DueItem
    fields = ["due_date", "component", "instalment", "amount", "settled"]
    readonly_fields = fields
    ordering = ["due_date", "component"]

    @admin.display(description=_("amount due"))
    def amount(self, item):
        return money(item.amount_minor, item.account.currency)

    @admin.display(description=_("amount settled"))
    def settled(self, item):
        return money(item.settled_minor, item.account.currency)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")


class StatusForm(ReasonForm):
    status = forms.ChoiceField(label=_("New status"), choices=[
        (s.value, s.label) for s in (Account.Status.ACTIVE, Account.Status.HOLD, Account.Status.LEGAL,
                                     Account.Status.RECALLED, Account.Status.CLOSED)])
    field_order = ["status", "reason"]


@admin.register(Account)
class AccountAdmin(RoleAdmin):
    """Accounts are placed by creditors (API, files); here staff read them. Balances come from the ledger."""

    list_display = ["creditor_reference", "creditor", "portfolio", "product", "status", "balance", "dpd", "bucket",
                    "rf_reference"]
    list_filter = ["status", "bucket", "product", "currency", "creditor"]
    search_fields = ["creditor_reference", "original_reference", "rf_reference"]
    list_select_related = ["creditor", "portfolio__creditor"]
    inlines = [AccountDebtorInline, DueItemInline]
    fieldsets = [
        (None, {"fields": ["portfolio", "creditor", "creditor_reference", "original_reference", "product",
                           "contract_date", "currency", "charge_off_date", "status", "rf_reference", "closed_on"]}),
        (_("Balances"), {"fields": ["principal", "interest", "fees", "costs", "penalties", "credit", "balance"]}),
        (_("Delinquency"), {"fields": ["oldest_unpaid_due_date", "dpd", "bucket", "dpd_as_of", "pause_days"]}),
    ]
    readonly_fields = [name for _, spec in fieldsets for name in spec["fields"]]

    actions = ["change_status", "write_off_balance"]

    def has_adjust_permission(self, request):
        return staff_may(request, roles.POST_ADJUSTMENTS)

    @admin.action(description=_("Change the status of the selected accounts"), permissions=["adjust"])
    def change_status(self, request, queryset):
        return action_with_form(
            self, request, list(queryset), StatusForm, title=_("Change account status"), action_name="change_status",
            intro=_("The accounts move to the new status; the reason is kept in the audit trail."),
            apply=lambda account, data: services.change_account_status(
                actor=request.user, account=account, status=data["status"], reason=data["reason"]))

    @admin.action(description=_("Write off the balance of the selected accounts"), permissions=["adjust"])
    def write_off_balance(self, request, queryset):
        return action_with_form(
            self, request, list(queryset.filter(status__in=Account.OPEN_STATUSES)), ReasonForm,
            title=_("Write off balances"), action_name="write_off_balance",
            intro=_("What each account still owes is written off through ledger entries and the account closes "
                    "as written off."),
            apply=lambda account, data: write_off(actor=request.user, account=account, reason=data["reason"]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        account = getattr(response, "context_data", {}).get("original") if request.method == "GET" else None
        if account is not None and request.user.may(roles.VIEW_PERSONAL_DATA):
            # The page names the account's debtors: a view of their personal data.
            services.record_debtor_views(actor=request.user, debtors=account.debtors.all(), screen="back office",
                                         account=account)
        return response

    def get_inlines(self, request, obj):
        return self.inlines if request.user.may(roles.VIEW_PERSONAL_DATA) else [DueItemInline]


def _balance_field(name):
    @admin.display(description=Account._meta.get_field(f"{name}_minor").verbose_name)
    def show(self, account):
        return money(getattr(account, f"{name}_minor"), account.currency)

    return show


for _component in ["principal", "interest", "fees", "costs", "penalties", "credit"]:
    setattr(AccountAdmin, _component, _balance_field(_component))


@admin.display(description=_("balance"))
def _balance(self, account):
    return money(account.balance_minor, account.currency)


AccountAdmin.balance = _balance

from arrears.portfolio import circumstance_admin  # noqa: E402,F401
