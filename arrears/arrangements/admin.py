"""Back office for arrangements: policies are edited here (through services.save_policy); promises, plans,
settlements and offers are shown, and made elsewhere (the portal, the workbench, the API)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from arrears.arrangements import services
from arrears.arrangements.models import (
    Arrangement,
    ArrangementPolicy,
    FinancialStatement,
    Instalment,
    Offer,
    Promise,
    RestructuringProposal,
)
from arrears.core import roles
from arrears.core.admin_base import ReadOnlyInline, RoleAdmin, ServiceForm, changed_values, money
from arrears.portfolio.models import Creditor, Portfolio


class PolicyForm(ServiceForm, forms.ModelForm):
    service_clean = services.clean_policy_values

    class Meta:
        model = ArrangementPolicy
        fields = ["creditor", "portfolio", *services.POLICY_FIELDS]


@admin.register(ArrangementPolicy)
class ArrangementPolicyAdmin(RoleAdmin):
    form = PolicyForm
    add_action = change_action = roles.MANAGE_POLICIES
    list_display = ["__str__", "creditor", "portfolio", "promise_max_days_ahead", "plan_max_instalments",
                    "plan_annual_rate", "settlement_max_payments"]
    list_select_related = ["creditor", "portfolio"]
    fieldsets = [
        (None, {"fields": ["creditor", "portfolio"]}),
        (_("Promises"), {"fields": ["promise_max_days_ahead", "promise_min_percent", "promise_min_minor",
                                    "promise_grace_days", "promise_tolerance_percent"]}),
        (_("Instalment plans"), {"fields": ["plan_frequencies", "plan_min_instalment_minor", "plan_max_instalments",
                                            "plan_max_months", "plan_min_down_payment_percent", "plan_annual_rate",
                                            "plan_grace_days", "plan_missed_to_break"]}),
        (_("Settlements"), {"fields": ["settlement_discounts", "settlement_max_payments", "settlement_max_days"]}),
        (_("Offers and exclusions"), {"fields": ["offer_valid_days", "exclude_disputed", "exclude_bankrupt",
                                                 "exclude_legal", "exclude_deceased"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["creditor", "portfolio"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "creditor":
            kwargs["queryset"] = Creditor.objects.visible_to(request.user, roles.MANAGE_POLICIES)
        if db_field.name == "portfolio":
            kwargs["queryset"] = Portfolio.objects.visible_to(request.user, roles.MANAGE_POLICIES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            original = ArrangementPolicy.objects.get(pk=obj.pk)
            services.save_policy(actor=request.user, policy=original, **changed_values(form))
        else:
            created = services.save_policy(actor=request.user, **form.cleaned_data)
            obj.pk = created.pk


@admin.register(Promise)
class PromiseAdmin(RoleAdmin):
    list_display = ["account", "amount", "due_date", "status", "paid", "channel", "made_on", "resolved_on"]
    list_filter = ["status", "channel"]
    search_fields = ["account__creditor_reference"]
    list_select_related = ["account"]
    readonly_fields = [f.name for f in Promise._meta.fields]

    @admin.display(description=_("amount"))
    def amount(self, obj):
        return money(obj.amount_minor, obj.currency)

    @admin.display(description=_("paid towards it"))
    def paid(self, obj):
        return money(obj.paid_minor, obj.currency)


class InstalmentInline(ReadOnlyInline):
    model = Instalment
    fields = ["number", "due_date", "amount_minor", "interest_minor", "paid_minor", "paid_on"]


@admin.register(Arrangement)
class ArrangementAdmin(RoleAdmin):
    list_display = ["account", "kind", "status", "total", "paid", "start_date", "frequency", "channel"]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["account__creditor_reference"]
    list_select_related = ["account"]
    readonly_fields = [f.name for f in Arrangement._meta.fields]
    inlines = [InstalmentInline]

    @admin.display(description=_("total to pay"))
    def total(self, obj):
        return money(obj.total_minor, obj.currency)

    @admin.display(description=_("paid towards it"))
    def paid(self, obj):
        return money(obj.paid_minor, obj.currency)


@admin.register(Offer)
class OfferAdmin(RoleAdmin):
    list_display = ["account", "kind", "count", "frequency", "total", "rank", "fits_budget", "expires_at",
                    "accepted_at"]
    list_filter = ["kind", "frequency"]
    search_fields = ["account__creditor_reference"]
    list_select_related = ["account"]
    readonly_fields = [f.name for f in Offer._meta.fields]

    @admin.display(description=_("total to pay"))
    def total(self, obj):
        return money(obj.total_minor, obj.currency)


@admin.register(FinancialStatement)
class FinancialStatementAdmin(RoleAdmin):
    view_action = roles.VIEW_PERSONAL_DATA  # a household's finances are personal data
    list_display = ["debtor", "account", "income", "expenditure", "disposable", "channel", "created_at"]
    list_select_related = ["debtor", "account"]
    readonly_fields = [f.name for f in FinancialStatement._meta.fields]

    @admin.display(description=_("income a month"))
    def income(self, obj):
        return money(obj.income_minor, obj.currency)

    @admin.display(description=_("expenditure a month"))
    def expenditure(self, obj):
        return money(obj.expenditure_minor, obj.currency)

    @admin.display(description=_("left for creditors a month"))
    def disposable(self, obj):
        return money(obj.disposable_minor, obj.currency)


@admin.register(RestructuringProposal)
class RestructuringProposalAdmin(RoleAdmin):
    list_display = ["account", "status", "count", "submitted_on", "answer_due", "answered_on", "decided_on"]
    list_filter = ["status"]
    search_fields = ["account__creditor_reference"]
    list_select_related = ["account"]
    readonly_fields = [f.name for f in RestructuringProposal._meta.fields]
