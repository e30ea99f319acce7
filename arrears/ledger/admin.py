"""Back office for the ledger: read-only. The one correction offered is a payment reversal, which
posts reversing entries through ledger.services; entries themselves are never edited or deleted."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from arrears.core import roles
from arrears.core.admin_base import ReadOnlyInline, ReasonForm, RoleAdmin, action_with_form, money, staff_may
from arrears.ledger.corrections import reverse_payment
from arrears.ledger.models import Allocation, BucketSpell, LedgerEntry, Payment


class EntryInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "payment"
    fields = ["effective_date", "kind", "component", "amount", "memo"]
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount(self, entry):
        return money(entry.amount_minor, entry.currency)


class ReverseForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _("Why the payments are reversed, e.g. the transfer was returned by "
                                            "the bank.")


@admin.register(Payment)
class PaymentAdmin(RoleAdmin):
    list_display = ["external_id", "account", "creditor", "amount", "value_date", "method", "source", "status",
                    "posted_at"]
    list_filter = ["status", "method", "source", "currency", "creditor"]
    search_fields = ["external_id", "account__creditor_reference", "account__rf_reference"]
    list_select_related = ["account", "creditor"]
    date_hierarchy = "value_date"
    inlines = [EntryInline]
    actions = ["reverse"]
    fields = ["account", "creditor", "source", "external_id", "amount", "currency", "value_date", "method",
              "designation", "status", "posted_at", "fingerprint"]
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount_minor")
    def amount(self, payment):
        return money(payment.amount_minor, payment.currency)

    def has_reverse_permission(self, request):
        return staff_may(request, roles.REVERSE_ENTRIES)

    @admin.action(description=_("Reverse the selected payments"), permissions=["reverse"])
    def reverse(self, request, queryset):
        payments = list(queryset.filter(status=Payment.Status.POSTED).select_related("account"))
        return action_with_form(
            self, request, payments, ReverseForm, title=_("Reverse payments"), action_name="reverse",
            intro=_("Each payment's ledger entries are undone by reversing entries, and the instalments it "
                    "paid are reopened."),
            apply=lambda payment, data: reverse_payment(actor=request.user, payment=payment, reason=data["reason"]))


class AllocationInline(ReadOnlyInline):
    model = Allocation
    fk_name = "entry"
    fields = ["due_item", "amount_minor"]
    readonly_fields = fields


@admin.register(LedgerEntry)
class LedgerEntryAdmin(RoleAdmin):
    list_display = ["id", "account", "effective_date", "kind", "component", "amount", "payment", "posted_at"]
    list_filter = ["kind", "component", "currency"]
    search_fields = ["account__creditor_reference", "account__rf_reference", "payment__external_id"]
    list_select_related = ["account", "payment"]
    date_hierarchy = "effective_date"
    inlines = [AllocationInline]
    fields = ["account", "component", "kind", "amount", "currency", "effective_date", "posted_at", "payment",
              "reverses", "memo"]
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount_minor")
    def amount(self, entry):
        return money(entry.amount_minor, entry.currency)


@admin.register(BucketSpell)
class BucketSpellAdmin(RoleAdmin):
    list_display = ["account", "bucket", "entered_on", "exited_on"]
    list_filter = ["bucket"]
    search_fields = ["account__creditor_reference"]
    list_select_related = ["account"]
    readonly_fields = ["account", "bucket", "entered_on", "exited_on"]
