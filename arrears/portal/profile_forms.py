"""Forms of the debtor's own details: contact points, contact preferences, circumstances."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from arrears.portfolio.debtor_models import Channel, Circumstance
from arrears.portfolio.models import ContactPoint

R, N = Circumstance.Reason, Circumstance.Need


class NewContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you want to add?"), widget=forms.RadioSelect, initial="phone",
                             choices=[(ContactPoint.Kind.PHONE, _("A mobile phone number")),
                                      (ContactPoint.Kind.EMAIL, _("An e-mail address"))])
    value = forms.CharField(label=_("Number or address"), max_length=254,
                            help_text=_("We send a code to it, to be sure it is yours."))
    primary = forms.BooleanField(label=_("Use it first when we contact you"), required=False)


class AddressForm(forms.Form):
    address_line1 = forms.CharField(label=_("Street and number"), max_length=200,
                                    widget=forms.TextInput(attrs={"autocomplete": "address-line1"}))
    address_line2 = forms.CharField(label=_("Flat, floor, building (optional)"), max_length=200, required=False,
                                    widget=forms.TextInput(attrs={"autocomplete": "address-line2"}))
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "postal-code"}))
    city = forms.CharField(label=_("Town or city"), max_length=100,
                           widget=forms.TextInput(attrs={"autocomplete": "address-level2"}))


class RetireForm(forms.Form):
    why = forms.ChoiceField(label=_("Why should we stop using it?"), widget=forms.RadioSelect, choices=[
        (ContactPoint.Status.INVALID, _("I no longer use it")),
        (ContactPoint.Status.WRONG_PARTY, _("It is not mine")),
    ])


class PreferencesForm(forms.Form):
    preferred_channel = forms.ChoiceField(label=_("How do you prefer to hear from us?"), widget=forms.RadioSelect,
                                          required=False, choices=[("", _("No preference")), *Channel.choices])
    earliest = forms.TimeField(label=_("Not before"), required=False,
                               widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    latest = forms.TimeField(label=_("Not after"), required=False,
                             widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
                             help_text=_("Leave both empty if any reasonable hour suits you."))
    opted_out = forms.MultipleChoiceField(label=_("Do not contact me by"), required=False, choices=Channel.choices,
                                          widget=forms.CheckboxSelectMultiple,
                                          help_text=_("We will still send the letters the law requires."))
    language = forms.ChoiceField(label=_("Language of our messages and letters"), choices=settings.LANGUAGES)


class HardshipForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=_("What has happened?"), widget=forms.CheckboxSelectMultiple,
        choices=[(r, r.label) for r in (R.JOB_LOSS, R.ILLNESS, R.BEREAVEMENT, R.RELATIONSHIP, R.COSTS, R.OTHER_DEBTS,
                                        R.OTHER)])
    pause = forms.BooleanField(label=_("Pause contact about my debts for 30 days while I get advice"), required=False)
    details = forms.CharField(label=_("Anything else you want us to know (optional)"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    consent = forms.BooleanField(label=_("You may keep what I wrote about my health to help me"), required=False)


class VulnerabilityForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=_("What makes things harder for you at the moment?"), widget=forms.CheckboxSelectMultiple,
        choices=[(r, r.label) for r in (R.HEALTH, R.LIFE_EVENT, R.RESILIENCE, R.CAPABILITY, R.OTHER)])
    needs = forms.MultipleChoiceField(label=_("How can we help?"), widget=forms.CheckboxSelectMultiple,
                                      required=False, choices=N.choices)
    details = forms.CharField(label=_("Anything else you want us to know (optional)"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    consent = forms.BooleanField(label=_("You may keep what I wrote about my health to help me"), required=False)
