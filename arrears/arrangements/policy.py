"""Which policy bounds an account's arrangements, and the checks every promise, plan and settlement passes,
whoever proposes it (the debtor in the portal, an agent, an offer being accepted)."""

import datetime as dt
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from arrears.arrangements.models import ArrangementPolicy
from arrears.arrangements.schedule import Frequency
from arrears.core.money import from_minor
from arrears.portfolio.models import Account

FIRST_DUE_IN = dt.timedelta(days=7)  # time to set up a payment before the first falls due


def policy_for(account: Account) -> ArrangementPolicy:
    """The portfolio's policy, else the creditor's, else the defaults (unsaved)."""
    policies = {(p.portfolio_id or 0): p for p in ArrangementPolicy.objects.filter(
        Q(portfolio_id=account.portfolio_id) | Q(portfolio__isnull=True), creditor_id=account.creditor_id)}
    found = policies.get(account.portfolio_id) or policies.get(0)
    return found or ArrangementPolicy(creditor_id=account.creditor_id)


def percent_of(amount_minor: int, percent: Decimal, rounding=ROUND_HALF_UP) -> int:
    return int((Decimal(amount_minor) * Decimal(percent) / 100).to_integral_value(rounding))


def check_eligible(account: Account, policy: ArrangementPolicy, debtors) -> None:
    """Refuse any arrangement on an account the policy excludes or that is no longer being collected."""
    if account.status not in Account.OPEN_STATUSES:
        raise ValidationError(_("Account %(ref)s is %(status)s; there is nothing to arrange.")
                              % {"ref": account.creditor_reference, "status": account.get_status_display()},
                              code="closed")
    if account.balance_minor <= 0:
        raise ValidationError(_("Account %(ref)s owes nothing.") % {"ref": account.creditor_reference},
                              code="nothing_owed")
    if policy.exclude_legal and account.status == Account.Status.LEGAL:
        raise ValidationError(_("Account %(ref)s is with the legal team; arrangements are made with them.")
                              % {"ref": account.creditor_reference}, code="legal")
    for debtor in debtors:
        if policy.exclude_disputed and debtor.disputed:
            raise ValidationError(_("The debt is disputed; it is answered before any arrangement."), code="disputed")
        if policy.exclude_bankrupt and debtor.bankrupt:
            raise ValidationError(_("Arrangements are not offered during bankruptcy proceedings."), code="bankrupt")
        if policy.exclude_deceased and debtor.deceased:
            raise ValidationError(_("Arrangements on a deceased debtor's account are made with the estate by "
                                    "staff."), code="deceased")


def promise_minimum(arrears_minor: int, balance_minor: int, policy: ArrangementPolicy) -> int:
    """The least a promise may be for: the policy's floor and its share of the arrears, never more than owed."""
    share = percent_of(arrears_minor, policy.promise_min_percent, ROUND_CEILING)
    return max(1, min(balance_minor, max(policy.promise_min_minor, share)))


def check_promise(*, amount_minor: int, due_date: dt.date, today: dt.date, account: Account, arrears_minor: int,
                  policy: ArrangementPolicy) -> None:
    errors = {}
    latest = today + dt.timedelta(days=policy.promise_max_days_ahead)
    if due_date < today:
        errors["due_date"] = _("The promised date is in the past.")
    elif due_date > latest:
        errors["due_date"] = _("A promise can be made up to %(date)s at the latest.") % {"date": latest.isoformat()}
    least = promise_minimum(arrears_minor, account.balance_minor, policy)
    if amount_minor < least:
        errors["amount"] = _("A promise must be at least %(amount)s %(currency)s.") % {
            "amount": from_minor(least, account.currency), "currency": account.currency}
    elif amount_minor > account.balance_minor:
        errors["amount"] = _("That is more than the %(amount)s %(currency)s owed.") % {
            "amount": from_minor(account.balance_minor, account.currency), "currency": account.currency}
    if errors:
        raise ValidationError(errors)


def months_spanned(first_due: dt.date, last_due: dt.date) -> int:
    """Calendar months from the first due date to the last, counting a part month as a whole one."""
    months = (last_due.year - first_due.year) * 12 + last_due.month - first_due.month
    return months + (1 if last_due.day > first_due.day else 0)


def check_plan(*, principal_minor: int, count: int, frequency: str, first_due: dt.date, down_payment_minor: int,
               amounts: list[int], last_due: dt.date, today: dt.date, currency: str,
               policy: ArrangementPolicy) -> None:
    """A plan's terms against the policy's limits; `amounts` are the scheduled instalments after any down
    payment."""
    errors = {}
    if frequency not in policy.plan_frequencies:
        errors["frequency"] = _("Payments %(frequency)s are not offered on this account.") % {
            "frequency": Frequency(frequency).label.lower() if frequency in Frequency.values else frequency}
    if count > policy.plan_max_instalments:
        errors["count"] = _("At most %(count)s instalments.") % {"count": policy.plan_max_instalments}
    if first_due < today:
        errors["first_due"] = _("The first payment date is in the past.")
    elif first_due > today + dt.timedelta(days=31):
        errors["first_due"] = _("The first payment must fall within a month.")
    if months_spanned(first_due, last_due) > policy.plan_max_months:
        errors["count"] = _("A plan may last at most %(months)s months.") % {"months": policy.plan_max_months}
    least_down = percent_of(principal_minor, policy.plan_min_down_payment_percent, ROUND_CEILING)
    if down_payment_minor < least_down:
        errors["down_payment"] = _("A down payment of at least %(amount)s %(currency)s is needed.") % {
            "amount": from_minor(least_down, currency), "currency": currency}
    smallest = min(amounts) if amounts else 0
    if amounts and smallest < min(policy.plan_min_instalment_minor, principal_minor):
        errors.setdefault("count", _("Each instalment must be at least %(amount)s %(currency)s; choose fewer "
                                     "instalments.") % {"amount": from_minor(policy.plan_min_instalment_minor,
                                                                             currency), "currency": currency})
    if errors:
        raise ValidationError(errors)


def settlement_discount_percent(dpd: int, balance_minor: int, policy: ArrangementPolicy) -> Decimal:
    """The discount the policy's table gives for this DPD and balance: the matching row with the highest
    minimum DPD, then the highest minimum balance."""
    rows = [row for row in policy.settlement_discounts
            if dpd >= int(row.get("min_dpd", 0)) and balance_minor >= int(row.get("min_balance_minor", 0))
            and (row.get("max_balance_minor") is None or balance_minor <= int(row["max_balance_minor"]))]
    if not rows:
        return Decimal(0)
    best = max(rows, key=lambda row: (int(row.get("min_dpd", 0)), int(row.get("min_balance_minor", 0))))
    return Decimal(str(best.get("discount_percent", "0")))


def check_settlement(*, amount_minor: int, count: int, first_due: dt.date, last_due: dt.date, today: dt.date,
                     account: Account, policy: ArrangementPolicy) -> None:
    errors = {}
    discount = settlement_discount_percent(account.dpd, account.balance_minor, policy)
    least = account.balance_minor - percent_of(account.balance_minor, discount, rounding=ROUND_HALF_UP)
    if amount_minor < least:
        errors["amount"] = _("A settlement must be at least %(amount)s %(currency)s.") % {
            "amount": from_minor(least, account.currency), "currency": account.currency}
    elif amount_minor > account.balance_minor:
        errors["amount"] = _("A settlement is less than the balance of %(amount)s %(currency)s.") % {
            "amount": from_minor(account.balance_minor, account.currency), "currency": account.currency}
    if count > policy.settlement_max_payments:
        errors["count"] = _("A settlement is paid in at most %(count)s payments.") % {
            "count": policy.settlement_max_payments}
    if first_due < today:
        errors["first_due"] = _("The first payment date is in the past.")
    if last_due > today + dt.timedelta(days=policy.settlement_max_days):
        errors["first_due"] = _("A settlement must be paid within %(days)s days.") % {
            "days": policy.settlement_max_days}
    if errors:
        raise ValidationError(errors)
