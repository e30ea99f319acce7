from django import forms
from django.utils.translation import gettext_lazy as _

from arrears.arrangements import affordability
from arrears.disputes.models import Dispute


class FirstVisitForm(forms.Form):
    reference = forms.CharField(label=_("Account or payment reference"), max_length=64,
                                help_text=_("As it appears on our letter, e.g. RF18 0000 0000 0000 0000 0012 3"))
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False,
                                    widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    id_end = forms.CharField(label=_("Or the last 4 characters of your national ID or tax number"), max_length=4,
                             required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("date_of_birth") and len((cleaned.get("id_end") or "").strip()) != 4:
            raise forms.ValidationError(_("Give your date of birth or the last 4 characters of your ID."))
        return cleaned


class DestinationForm(forms.Form):
    destination = forms.TypedChoiceField(label=_("Where should we send a code?"), coerce=int,
                                         widget=forms.RadioSelect)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = choices


class CodeForm(forms.Form):
    code = forms.RegexField(label=_("The 6-digit code"), regex=r"^\s*\d{6}\s*$", max_length=8,
                            error_messages={"invalid": _("The code has 6 digits.")},
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class PasswordTwiceForm(forms.Form):
    """A new password typed twice: the two must agree."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class NewLoginForm(PasswordTwiceForm):
    username = forms.CharField(label=_("Choose a username"), max_length=60,
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label=_("Choose a password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 12 characters."))
    password_again = forms.CharField(label=_("The password again"), strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class SignInForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=60,
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class AuthenticatorCodeForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("The 6-digit code your authenticator app shows")


class TurnOffAuthenticatorForm(AuthenticatorCodeForm):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    field_order = ["password", "code"]


class ChangePasswordForm(PasswordTwiceForm):
    current_password = forms.CharField(label=_("Your current password"), strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    password = forms.CharField(label=_("New password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 12 characters."))
    password_again = forms.CharField(label=_("The new password again"), strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class PromiseForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14,
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    due_date = forms.DateField(label=_("I will pay by"),
                               widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))


class PayForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to pay"), min_value=0, max_digits=14,
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), widget=forms.RadioSelect, choices=Dispute.Reason.choices)
    amount = forms.DecimalField(label=_("Amount you dispute"), required=False, min_value=0, max_digits=14,
                                help_text=_("Leave empty if you dispute the whole debt."),
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    details = forms.CharField(label=_("Tell us more"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))


class BudgetForm(forms.Form):
    """A month's income and expenditure in the Standard Financial Statement's categories; empty means none."""

    adults = forms.IntegerField(label=_("Adults in your household"), min_value=1, max_value=20, initial=1)
    children = forms.IntegerField(label=_("Children in your household"), min_value=0, max_value=20, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in affordability.CATEGORIES.items():
            self.fields[key] = forms.DecimalField(label=label, required=False, min_value=0, max_digits=12,
                                                  widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def income_fields(self):
        return [self[key] for key in affordability.INCOME]

    def expenditure_fields(self):
        return [self[key] for key in affordability.EXPENDITURE]


class ProposalForm(forms.Form):
    count = forms.IntegerField(label=_("Monthly payments you propose"), min_value=1, max_value=420)
    settle = forms.DecimalField(label=_("Amount you offer to settle (optional)"), required=False, min_value=0,
                                max_digits=14, help_text=_("Leave empty to repay the whole balance."),
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    reason = forms.CharField(label=_("Why you need the debt restructured"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 5}))
