"""The portal's documents as PDF: a statement of account and the confirmation of an arrangement.

Each is found only among the signed-in debtor's own accounts (through `visible_to`, as the pages are), written in
the language the portal is showing, with amounts and dates formatted as the pages format them, and dated by the
business date. Handing one out shows the debtor's personal data, so each is audited."""

import datetime as dt
import re
from dataclasses import dataclass

from babel.numbers import format_decimal, format_percent, get_currency_name
from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from arrears.arrangements.models import Arrangement, Promise
from arrears.core import roles
from arrears.core.audit import record
from arrears.core.clock import business_date
from arrears.core.pdf import Column, Document
from arrears.ledger.models import Component, Payment
from arrears.ledger.services import BALANCE_FIELD
from arrears.payments.queries import payment_instructions
from arrears.portal.templatetags.portal_tags import money
from arrears.portfolio.models import Account, ContactPoint, Debtor

VIEWED = "portal.document_viewed"
STATEMENT, ARRANGEMENT = "statement", "arrangement_confirmation"


@dataclass(frozen=True)
class PdfFile:
    filename: str  # ASCII only: it goes into a Content-Disposition header
    content: bytes


def _day(value: dt.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _locale() -> str:
    return (get_language() or settings.LANGUAGE_CODE).replace("-", "_")


def _filename(kind: str, reference: str, fallback: int, day: dt.date) -> str:
    """`statement-ACC-00017-2026-11-23.pdf`: a reference in another script falls back to the record's number."""
    ascii_reference = re.sub(r"[^A-Za-z0-9._-]+", "-", reference).strip("-.") or str(fallback)
    return f"{kind}-{ascii_reference}-{day.isoformat()}.pdf"


def _own_accounts(actor):
    return Account.objects.visible_to(actor).filter(debtor_links__debtor_id=actor.debtor_id)


def _debtor(actor) -> Debtor:
    return Debtor.objects.visible_to(actor, roles.VIEW_PERSONAL_DATA).get(pk=actor.debtor_id)


def _postal_address(actor) -> str:
    """The debtor's postal address on file, the primary and most trusted one first; never one known to be wrong."""
    point = (ContactPoint.objects.visible_to(actor, roles.VIEW_PERSONAL_DATA)
             .filter(debtor_id=actor.debtor_id, kind=ContactPoint.Kind.ADDRESS)
             .exclude(status__in=[ContactPoint.Status.INVALID, ContactPoint.Status.WRONG_PARTY])
             .order_by("-is_primary", "-confidence", "-created_at").first())
    if point is None:
        return _("None on file")
    town = " ".join(p for p in (point.postal_code, point.city) if p)
    lines = [point.address_line1, point.address_line2, town, point.region, point.get_country_display()]
    return "\n".join(line for line in lines if line)


def _parties(account: Account, debtor: Debtor, brand: str) -> list[tuple[str, str]]:
    return [
        (_("Servicer"), brand),
        (_("Creditor"), account.creditor.name),
        (_("Original creditor"), account.portfolio.original_creditor),
        (_("Debtor"), debtor.display_name),
    ]


def _currency(code: str) -> str:
    return f"{code} ({get_currency_name(code, locale=_locale())})"


def _arrangement_line(account: Account) -> str:
    """The account's running arrangement, or else its pending promise, in one line."""
    running = (Arrangement.objects.filter(account=account, status__in=Arrangement.ACTIVE_STATUSES)
               .prefetch_related("instalments").first())
    if running is not None:
        parts = [running.get_kind_display(), running.get_status_display(),
                 _("%(paid)s paid of %(total)s") % {"paid": money(running.paid_minor, running.currency),
                                                    "total": money(running.total_minor, running.currency)}]
        upcoming = next((row for row in running.instalments.all() if row.paid_minor < row.amount_minor), None)
        if upcoming is not None:
            parts.append(_("next payment %(amount)s on %(date)s") % {
                "amount": money(upcoming.amount_minor - upcoming.paid_minor, running.currency),
                "date": _day(upcoming.due_date)})
        return " · ".join(parts)
    promise = Promise.objects.filter(account=account, status=Promise.Status.PENDING).order_by("due_date").first()
    if promise is not None:
        return _("Promise to pay %(amount)s by %(date)s") % {"amount": money(promise.amount_minor, promise.currency),
                                                              "date": _day(promise.due_date)}
    return pgettext("arrangement", "None")


def statement_of_account(*, actor, account_id: int, brand: str) -> PdfFile:
    """What the debtor owes on one account, by part, and every payment posted to it, as of the business date."""
    account = get_object_or_404(_own_accounts(actor).select_related("creditor", "portfolio"), pk=account_id)
    debtor, today = _debtor(actor), business_date()
    transfer = payment_instructions(account)
    document = Document(title=_("Statement of account"), dated=today, brand=brand,
                        subtitle=_("As of %(date)s") % {"date": _day(today)})
    document.key_values([*_parties(account, debtor, brand), (_("Postal address"), _postal_address(actor))])

    document.heading(_("Account"))
    references = [(_("Product"), account.get_product_display()),
                  (_("Account reference"), account.creditor_reference)]
    if account.original_reference:
        references.append((_("Original creditor's reference"), account.original_reference))
    overdue = ([(_("Overdue since"), _day(account.oldest_unpaid_due_date))]
               if account.dpd and account.oldest_unpaid_due_date else [])
    document.key_values([
        *references, (_("Payment reference"), transfer["rf_reference_display"]),
        (_("Currency"), _currency(account.currency)), (_("Status"), account.get_status_display()),
        (_("Days past due"), format_decimal(account.dpd, locale=_locale())), *overdue,
        (_("Arrangement"), _arrangement_line(account)),
    ])

    document.heading(_("What you owe, by part"))
    document.table(
        [Column(_("Part"), 3), Column(_("Amount"), 2, amount=True)],
        [(Component(c).label, money(getattr(account, field), account.currency)) for c, field in BALANCE_FIELD.items()],
        total=(_("Total"), money(account.balance_minor, account.currency)))

    document.heading(_("Payments received"))
    payments = list(Payment.objects.filter(account=account, status=Payment.Status.POSTED).order_by("value_date", "pk"))
    if payments:
        document.table(
            [Column(_("Value date"), 2), Column(pgettext("payment", "Method"), 3), Column(_("Amount"), 2, amount=True)],
            [(_day(p.value_date), p.get_method_display(), money(p.amount_minor, p.currency)) for p in payments],
            total=(_("Total paid"), "", money(sum(p.amount_minor for p in payments), account.currency)))
    else:
        document.paragraph(_("No payments have been received on this account."))
    record(actor=actor, action=VIEWED, obj=account, creditor_id=account.creditor_id, after={"kind": STATEMENT})
    return PdfFile(_filename("statement", account.creditor_reference, account.pk, today), document.output())


def _terms(arrangement: Arrangement, count: int) -> list[tuple[str, str]]:
    currency = arrangement.currency
    rows = [(pgettext("arrangement", "Kind"), arrangement.get_kind_display()),
            (_("Status"), arrangement.get_status_display()),
            (_("Agreed on"), _day(arrangement.start_date)),
            (_("Number of payments"), format_decimal(count, locale=_locale())),
            (_("Frequency"), arrangement.get_frequency_display())]
    if arrangement.annual_rate:
        rows.append((_("Annual interest rate"),
                     format_percent(arrangement.annual_rate / 100, locale=_locale(), decimal_quantization=False)))
    rows.append((_("Balance when agreed"), money(arrangement.balance_minor, currency)))
    if arrangement.discount_minor:
        rows.append((_("Discount"), money(arrangement.discount_minor, currency)))
    return [*rows,
            (_("Total to pay"), money(arrangement.total_minor, currency)),
            (_("Paid so far"), money(arrangement.paid_minor, currency)),
            (_("Still to pay"), money(arrangement.total_minor - arrangement.paid_minor, currency))]


def _how_to_pay(document: Document, account: Account) -> None:
    transfer = payment_instructions(account)
    document.heading(_("How to pay"))
    if transfer["iban"]:
        rows = [(_("Pay to"), transfer["holder_name"] or ""), ("IBAN", transfer["iban_display"])]
        if transfer["bic"]:
            rows.append(("BIC", transfer["bic"]))
        document.key_values([*rows, (_("Payment reference"), transfer["rf_reference_display"])])
        document.paragraph(_("Always give this reference, so that your payment reaches your account at once."))
    else:
        document.paragraph(_("Quote the payment reference %(rf)s with any payment.")
                           % {"rf": transfer["rf_reference_display"]})


def arrangement_confirmation(*, actor, arrangement_id: int, brand: str) -> PdfFile:
    """The terms the debtor agreed, the whole schedule with what is paid of each payment, and how to pay."""
    arrangement = get_object_or_404(
        Arrangement.objects.visible_to(actor).select_related("account", "account__creditor", "account__portfolio"),
        pk=arrangement_id, account__debtor_links__debtor_id=actor.debtor_id)
    account, currency, today = arrangement.account, arrangement.currency, business_date()
    instalments = list(arrangement.instalments.order_by("number"))
    document = Document(title=_("Arrangement confirmation"), dated=today, brand=brand,
                        subtitle=_("As of %(date)s") % {"date": _day(today)})
    document.key_values([*_parties(account, _debtor(actor), brand),
                         (_("Account reference"), account.creditor_reference)])
    document.heading(_("Terms"))
    document.key_values(_terms(arrangement, len(instalments)))
    document.heading(_("Schedule"))
    document.table(
        [Column("#", 1, amount=True), Column(_("Due"), 3), Column(_("Amount"), 3, amount=True),
         Column(_("Paid"), 3, amount=True)],
        [(str(row.number), _day(row.due_date), money(row.amount_minor, currency), money(row.paid_minor, currency))
         for row in instalments],
        total=("", _("Total"), money(sum(row.amount_minor for row in instalments), currency),
               money(sum(row.paid_minor for row in instalments), currency)))
    _how_to_pay(document, account)
    record(actor=actor, action=VIEWED, obj=arrangement, creditor_id=account.creditor_id, after={"kind": ARRANGEMENT})
    return PdfFile(_filename("arrangement", account.creditor_reference, arrangement.pk, today), document.output())
