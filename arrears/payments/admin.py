"""Back office for reconciliation: collection accounts, imported statements, and the queue of lines no
rule matched. Lines leave the queue only through payments.services (matched by hand or ignored with a
reason), so each change is validated and audited; nothing here is edited or deleted directly."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arrears.core import roles
from arrears.core.admin_base import (
    ReasonForm,
    RoleAdmin,
    ServiceForm,
    UploadMixin,
    action_with_form,
    money,
    staff_may,
)
from arrears.payments import services
from arrears.payments.forms import StatementUploadForm
from arrears.payments.models import BankStatement, CollectionAccount, StatementLine
from arrears.payments.online_models import OnlinePayment
from arrears.payments.queries import account_for_manual_match
from arrears.portfolio.models import Creditor, Portfolio


class CollectionAccountForm(ServiceForm, forms.ModelForm):
    service_clean = services.clean_collection_account_values

    class Meta:
        model = CollectionAccount
        fields = ["creditor", "portfolio", "iban", "bic", "holder_name", "currency", "is_active"]


@admin.register(CollectionAccount)
class CollectionAccountAdmin(RoleAdmin):
    form = CollectionAccountForm
    add_action = roles.MANAGE_CREDITORS
    list_display = ["iban", "creditor", "portfolio", "holder_name", "bic", "currency", "is_active"]
    list_filter = ["currency", "is_active", "creditor"]
    search_fields = ["iban", "holder_name", "bic"]
    list_select_related = ["creditor", "portfolio"]

    def get_readonly_fields(self, request, obj=None):
        return self.form.Meta.fields if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "creditor":
            kwargs["queryset"] = Creditor.objects.visible_to(request.user, roles.MANAGE_CREDITORS)
        elif db_field.name == "portfolio":
            kwargs["queryset"] = Portfolio.objects.visible_to(request.user, roles.MANAGE_CREDITORS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        obj.pk = services.create_collection_account(actor=request.user, **values).pk


@admin.register(BankStatement)
class BankStatementAdmin(UploadMixin, RoleAdmin):
    upload_form_class = StatementUploadForm
    upload_label = gettext_lazy("Upload a statement")
    upload_title = gettext_lazy("Upload a bank statement")
    upload_intro = gettext_lazy(
        "The whole file is read first: a file that cannot be read stores nothing. Its credits are then matched to "
        "accounts (by RF reference, the creditor's reference, or amount and name) and posted; the rest wait in "
        "the queue of unmatched lines. A file is imported once.")
    list_display = ["file_name", "collection_account", "source_format", "imported_at", "created_by_label",
                    "line_count", "matched_count", "unmatched_count", "ignored_count", "posted_count"]
    list_filter = ["source_format", "creditor"]
    search_fields = ["file_name", "statement_id", "message_id", "sha256"]
    list_select_related = ["collection_account"]
    date_hierarchy = "imported_at"
    fields = ["collection_account", "creditor", "source_format", "file_name", "sha256", "statement_id",
              "message_id", "created_by_label", "imported_at", "line_count", "matched_count", "unmatched_count",
              "ignored_count", "posted_count"]
    readonly_fields = fields

    def may_upload(self, request):
        return staff_may(request, roles.POST_PAYMENTS)

    def uploaded(self, request, form):
        statement = form.result.statement
        messages.success(request, _("Statement “%(name)s” imported: %(lines)s lines; %(matched)s matched, "
                                    "%(unmatched)s left in the queue of unmatched lines; payments posted: "
                                    "%(posted)s.")
                         % {"name": statement.file_name, "lines": statement.line_count,
                            "matched": statement.matched_count, "unmatched": statement.unmatched_count,
                            "posted": statement.posted_count})
        return self.redirect_to_change(statement)


class ManualMatchForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Account"), max_length=64,
        help_text=gettext_lazy("The account's RF reference or the creditor's reference, e.g. RF18 0000 0012 3."))


class StatementLineAdmin(RoleAdmin):
    list_display = ["__str__", "booking_date", "amount", "counterparty_name", "remittance_text", "status",
                    "match_method", "account", "note"]
    list_filter = ["status", "match_method", "direction", "currency", "statement__creditor"]
    search_fields = ["remittance_text", "structured_reference", "counterparty_name", "counterparty_iban",
                     "entry_reference", "account__creditor_reference", "account__rf_reference"]
    list_select_related = ["statement", "account"]
    date_hierarchy = "booking_date"
    actions = ["match_by_hand", "ignore"]
    fields = ["statement", "line_number", "entry_reference", "external_id", "booking_date", "value_date", "amount",
              "direction", "is_reversal", "remittance_text", "structured_reference", "counterparty_name",
              "counterparty_iban", "status", "match_method", "account", "payment", "note"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("amount"), ordering="amount_minor")
    def amount(self, line):
        return money(line.amount_minor, line.currency)

    def has_post_permission(self, request):
        return staff_may(request, roles.POST_PAYMENTS)

    def _unmatched(self, queryset):
        return list(queryset.filter(status=StatementLine.Status.UNMATCHED).select_related("statement"))

    @admin.action(description=gettext_lazy("Match the selected lines to an account by hand"),
                  permissions=["post"])
    def match_by_hand(self, request, queryset):
        def apply(line, data):
            account = account_for_manual_match(request.user, line.statement.creditor_id, data["reference"])
            if account is None:
                raise ValidationError(_("No account of this creditor has the reference “%(ref)s”.")
                                      % {"ref": data["reference"]})
            services.match_line(actor=request.user, line=line, account=account)

        return action_with_form(
            self, request, self._unmatched(queryset), ManualMatchForm, title=_("Match lines by hand"),
            action_name="match_by_hand", apply=apply,
            intro=_("Each line's amount is posted as a bank transfer to the account you name."))

    @admin.action(description=gettext_lazy("Ignore the selected lines, with a reason"), permissions=["post"])
    def ignore(self, request, queryset):
        return action_with_form(
            self, request, self._unmatched(queryset), ReasonForm, title=_("Ignore lines"), action_name="ignore",
            intro=_("The lines leave the queue without posting anything; the reason is kept on each line."),
            apply=lambda line, data: services.ignore_line(actor=request.user, line=line, reason=data["reason"]))


admin.site.register(StatementLine, StatementLineAdmin)


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(RoleAdmin):
    """Card payments started in the portal, as the provider reported them; posted to the ledger on success."""

    list_display = ["account", "provider", "provider_ref", "amount", "status", "created_at", "completed_at"]
    list_filter = ["provider", "status"]
    search_fields = ["account__creditor_reference", "provider_ref"]
    list_select_related = ["account"]
    readonly_fields = [f.name for f in OnlinePayment._meta.fields if f.name != "client_secret"]
    exclude = ["client_secret"]

    @admin.display(description=gettext_lazy("amount"))
    def amount(self, obj):
        return money(obj.amount_minor, obj.currency)
