"""Offers: the plans and settlements an account's policy allows, computed for the debtor's situation,
shown with their totals, valid for a few days; accepting one agrees the arrangement on exactly those terms.

Ranking: offers that fit the debtor's disposable income (when a financial statement says what it is)
come first, then the cheaper in total, then the shorter.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.arrangements import policy as rules
from arrears.arrangements.models import Arrangement, Channel, Offer
from arrears.arrangements.schedule import Method, build_schedule, periods_per_year
from arrears.arrangements.services import account_debtors, create_arrangement
from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import record
from arrears.core.clock import business_date as today
from arrears.core.money import Money
from arrears.ledger.queries import arrears_minor
from arrears.portfolio.models import Account, Debtor

PLAN_COUNTS = (3, 6, 9, 12, 18, 24, 36, 48, 60)


def _monthly(largest_minor: int, frequency: str) -> int:
    return -(-largest_minor * periods_per_year(frequency) // 12)  # rounded up: a budget is not to be exceeded


def _offer(account, kind, frequency, count, first_due, principal, down, rate, discount) -> Offer | None:
    method = Method.ANNUITY if rate > 0 else Method.EQUAL
    try:
        rows = build_schedule(principal_minor=principal, count=count, first_due=first_due, frequency=frequency,
                              method=method, annual_rate=rate, down_payment_minor=down)
    except ValueError:
        return None
    regular = rows[1:] if down else rows
    largest = max(row.amount_minor for row in regular)
    return Offer(account=account, kind=kind, currency=account.currency, method=method, frequency=frequency,
                 annual_rate=rate, count=count, down_payment_minor=down, first_due=first_due,
                 balance_minor=account.balance_minor, principal_minor=principal,
                 total_minor=sum(row.amount_minor for row in rows), discount_minor=discount,
                 largest_instalment_minor=largest, monthly_minor=_monthly(largest, frequency), rank=0,
                 expires_at=timezone.now())


def _candidates(account: Account, policy, business_date: dt.date) -> list[Offer]:
    first_due = business_date + rules.FIRST_DUE_IN
    found = []
    discount = rules.settlement_discount_percent(account.dpd, account.balance_minor, policy)
    amount = account.balance_minor - rules.percent_of(account.balance_minor, discount)
    if amount < account.balance_minor:  # a discount that rounds to nothing is no settlement
        for count in sorted({1, policy.settlement_max_payments}):
            offer = _offer(account, Arrangement.Kind.SETTLEMENT, "monthly", count, first_due, amount, 0, 0,
                           account.balance_minor - amount)
            if offer is None:
                continue
            try:
                rules.check_settlement(amount_minor=amount, count=count, first_due=first_due,
                                       last_due=first_due + dt.timedelta(days=31 * (count - 1)),
                                       today=business_date, account=account, policy=policy)
            except ValidationError:
                continue
            found.append(offer)
    down = rules.percent_of(account.balance_minor, policy.plan_min_down_payment_percent)
    for frequency in policy.plan_frequencies:
        per_month = periods_per_year(frequency) / 12
        for months in PLAN_COUNTS:
            count = round(months * per_month)
            offer = _offer(account, Arrangement.Kind.PLAN, frequency, count, first_due, account.balance_minor, down,
                           policy.plan_annual_rate, 0)
            if offer is None:
                continue
            rows = build_schedule(principal_minor=account.balance_minor, count=count, first_due=first_due,
                                  frequency=frequency, method=offer.method, annual_rate=offer.annual_rate,
                                  down_payment_minor=down)
            try:
                rules.check_plan(principal_minor=account.balance_minor, count=count, frequency=frequency,
                                 first_due=first_due, down_payment_minor=down,
                                 amounts=[row.amount_minor for row in (rows[1:] if down else rows)],
                                 last_due=rows[-1].due_date, today=business_date, currency=account.currency,
                                 policy=policy)
            except ValidationError:
                continue
            found.append(offer)
    return found


def compute_offers(*, actor, account: Account, disposable_monthly_minor: int | None = None,
                   business_date: dt.date | None = None) -> list[Offer]:
    """Compute and keep the offers open to this account now, best first. Refuses (ValidationError) when the
    policy excludes the account, with the reason the debtor is shown."""
    authorize(actor, roles.VIEW, account.creditor_id)
    business_date = business_date or today()
    policy = rules.policy_for(account)
    rules.check_eligible(account, policy, account_debtors(account))
    offers = _candidates(account, policy, business_date)
    if disposable_monthly_minor is not None:
        for offer in offers:
            offer.fits_budget = offer.monthly_minor <= disposable_monthly_minor
    offers.sort(key=lambda o: (o.fits_budget is False, o.total_minor, o.count))
    expires = timezone.now() + dt.timedelta(days=policy.offer_valid_days)
    for rank, offer in enumerate(offers, start=1):
        offer.rank, offer.expires_at = rank, expires
    Offer.objects.bulk_create(offers)
    record(actor=actor, action="offers.computed", obj=account, creditor_id=account.creditor_id,
           after={"offers": [o.pk for o in offers], "arrears_minor": arrears_minor(account, business_date),
                  "disposable_monthly_minor": disposable_monthly_minor})
    return offers


def accept_offer(*, actor, offer: Offer, channel: str = Channel.PORTAL, debtor: Debtor | None = None,
                 business_date: dt.date | None = None) -> Arrangement:
    """Agree the arrangement an offer describes, if it is still open and the account still owes what the offer
    was computed for."""
    authorize(actor, roles.ARRANGE, offer.account.creditor_id)
    business_date = business_date or today()
    with transaction.atomic():
        locked = Offer.objects.select_for_update().select_related("account").get(pk=offer.pk)
        if locked.accepted_at is not None:
            raise ValidationError(_("This offer was already accepted."), code="accepted")
        if locked.expires_at <= timezone.now():
            raise ValidationError(_("This offer expired on %(date)s; see the offers open now.")
                                  % {"date": locked.expires_at.date().isoformat()}, code="expired")
        account = Account.objects.select_for_update().get(pk=locked.account_id)
        if account.balance_minor != locked.balance_minor:
            raise ValidationError(_("The balance has changed since this offer was made; see the offers open now."),
                                  code="stale")
        first_due = max(locked.first_due, business_date)
        arrangement = create_arrangement(
            actor=actor, account=account, kind=locked.kind, count=locked.count, frequency=locked.frequency,
            first_due=first_due, channel=channel, debtor=debtor, business_date=business_date,
            settlement_amount=(Money(locked.principal_minor, locked.currency)
                               if locked.kind == Arrangement.Kind.SETTLEMENT else None),
            down_payment=Money(locked.down_payment_minor, locked.currency) if locked.down_payment_minor else None)
        locked.accepted_at, locked.arrangement = timezone.now(), arrangement
        locked.save(update_fields=["accepted_at", "arrangement"])
        record(actor=actor, action="offer.accepted", obj=locked, creditor_id=account.creditor_id,
               after={"arrangement": arrangement.pk, "kind": locked.kind, "total_minor": locked.total_minor})
    return arrangement
