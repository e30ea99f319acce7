"""Offers: what the policy allows for the account now, ranked for the debtor's budget, accepted only as made."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from arrears.arrangements.models import Arrangement, Offer
from arrears.arrangements.offers import accept_offer, compute_offers
from arrears.core.models import AuditEvent
from arrears.portfolio.services import set_debtor_flags

pytestmark = pytest.mark.django_db


def terms(offers):
    return [(o.kind, o.count, o.total_minor, o.largest_instalment_minor) for o in offers]


def test_offers_within_the_default_policy_cheapest_first(system, account):
    offers = compute_offers(actor=system, account=account)
    assert terms(offers) == [
        ("settlement", 1, 90000, 90000),   # 114 days past due: 10% off
        ("settlement", 3, 90000, 30000),
        ("plan", 3, 100000, 33334),
        ("plan", 6, 100000, 16670),
        ("plan", 9, 100000, 11112),
        ("plan", 12, 100000, 8337),
        ("plan", 18, 100000, 5565),
        ("plan", 24, 100000, 4182),        # 36 months is past the 24-month limit
    ]
    assert [o.rank for o in offers] == list(range(1, 9))
    assert all(o.first_due == dt.date(2026, 11, 30) and o.expires_at > timezone.now() for o in offers)
    assert AuditEvent.objects.filter(action="offers.computed", object_id=str(account.pk)).exists()


def test_offers_that_fit_the_budget_come_first(system, account):
    offers = compute_offers(actor=system, account=account, disposable_monthly_minor=10000)
    assert [(o.kind, o.count, o.fits_budget) for o in offers][:4] == [
        ("plan", 12, True), ("plan", 18, True), ("plan", 24, True), ("settlement", 1, False)]


def test_no_offers_on_an_excluded_debt(system, account):
    set_debtor_flags(actor=system, debtor=account.debtors.first(), bankrupt=True)
    with pytest.raises(ValidationError, match="bankruptcy"):
        compute_offers(actor=system, account=account)
    assert not Offer.objects.exists()


def test_accepting_an_offer_agrees_its_terms_once(system, account):
    offer = next(o for o in compute_offers(actor=system, account=account) if o.kind == "plan" and o.count == 6)
    arrangement = accept_offer(actor=system, offer=offer)
    assert (arrangement.kind, arrangement.instalments.count(), arrangement.total_minor) == ("plan", 6, 100000)
    assert arrangement.instalments.order_by("number").first().due_date == dt.date(2026, 11, 30)
    offer.refresh_from_db()
    assert offer.arrangement == arrangement and offer.accepted_at is not None
    with pytest.raises(ValidationError, match="already accepted"):
        accept_offer(actor=system, offer=offer)
    assert Arrangement.objects.count() == 1


def test_an_expired_offer_or_one_for_a_balance_that_moved_is_refused(system, account, pay):
    first, second = compute_offers(actor=system, account=account)[:2]
    Offer.objects.filter(pk=first.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="expired"):
        accept_offer(actor=system, offer=first)
    pay(account, "10.00")
    with pytest.raises(ValidationError, match="balance has changed"):
        accept_offer(actor=system, offer=second)
    assert not Arrangement.objects.exists()
