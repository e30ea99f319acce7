"""The portal's arrangement pages: offers for the debtor's own account, choosing one, the schedule, promises;
tampered ids and out-of-policy input refused with a message, nothing created."""

import re

import pytest
from django.urls import reverse

from arrears.arrangements.models import Arrangement, Offer, Promise

pytestmark = pytest.mark.django_db


def test_choosing_a_plan_among_the_offers_agrees_it_and_shows_its_schedule(signed_in, account):
    page = signed_in.get(reverse("portal:offers", args=[account.pk]), headers={"accept-language": "en"})
    text = page.content.decode()
    assert "Settle in 1 payment" in text and "6 instalments, monthly" in text and "€900.00" in text
    six = Offer.objects.get(account=account, kind="plan", count=6)
    chosen = signed_in.post(reverse("portal:accept_offer", args=[account.pk]), {"offer": six.pk})
    arrangement = Arrangement.objects.get()
    assert chosen.url == reverse("portal:arrangement", args=[arrangement.pk])
    schedule = signed_in.get(chosen.url).content.decode()
    assert "Schedule: 0 of 6 payments made" in schedule and "€166.70" in schedule
    assert signed_in.get(reverse("portal:offers", args=[account.pk])).url == chosen.url  # one arrangement at a time
    assert arrangement.channel == "portal" and arrangement.debtor == account.debtors.first()


def test_offers_are_shown_again_rather_than_recomputed_while_open(signed_in, account):
    signed_in.get(reverse("portal:offers", args=[account.pk]))
    signed_in.get(reverse("portal:offers", args=[account.pk]))
    assert Offer.objects.filter(account=account).count() == 8


def test_another_accounts_offer_or_another_debtors_account_is_not_found(signed_in, account, make_account):
    from arrears.conftest import greek_debtor
    from arrears.portfolio.services import IdentifierIn

    other = make_account(account.portfolio, principal="500.00", reference="OTHER-1", debtor=greek_debtor(
        given_name="Νίκος", identifiers=[IdentifierIn("GR-AFM", "123456783")], contact_points=[]))
    assert signed_in.get(reverse("portal:offers", args=[other.pk])).status_code == 404
    assert signed_in.get(reverse("portal:promise", args=[other.pk])).status_code == 404
    from arrears.arrangements.offers import compute_offers
    from arrears.core.actors import SystemActor
    foreign = compute_offers(actor=SystemActor("t"), account=other)[0]
    assert signed_in.post(reverse("portal:accept_offer", args=[account.pk]), {"offer": foreign.pk}).status_code == 404
    assert not Arrangement.objects.exists()


def test_a_promise_in_policy_is_noted_and_one_outside_it_is_explained(signed_in, account):
    url = reverse("portal:promise", args=[account.pk])
    refused = signed_in.post(url, {"amount": "150.005", "due_date": "2026-12-01"}, headers={"accept-language": "en"})
    assert refused.status_code == 200 and "decimal" in refused.content.decode().lower()
    too_late = signed_in.post(url, {"amount": "150.00", "due_date": "2027-03-01"}).content.decode()
    assert "up to 2026-12-23 at the latest" in too_late
    assert not Promise.objects.exists()
    done = signed_in.post(url, {"amount": "150.00", "due_date": "2026-12-01"})
    assert done.url == reverse("portal:overview")
    overview = signed_in.get(done.url, headers={"accept-language": "en"}).content.decode()
    assert re.search(r"You promised to pay €150\.00 by", overview)
    assert Promise.objects.get().channel == "portal"
