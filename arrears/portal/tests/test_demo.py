"""The demo book's portal debtors: one per country, each signed in with the printed login, each with an
arrangement in its own state."""

import datetime as dt

import pytest
from django.urls import reverse

from arrears.arrangements.models import Arrangement, Promise
from arrears.core.demo import DEMO_PASSWORD
from arrears.portal.demo import ensure_demo_debtors
from arrears.portfolio.seed import seed_book

pytestmark = pytest.mark.django_db


def test_each_country_has_a_portal_debtor_whose_story_is_in_the_book(client, settings):
    settings.BUSINESS_DATE = "2026-11-23"
    seed_book(700, seed=5)
    debtors = ensure_demo_debtors()
    by_country = {country: (username, reference, born, story) for username, _pw, country, reference, born, story
                  in debtors}
    assert {"GR", "PL", "ES", "MX", "RU"} <= set(by_country)  # a small book may hold no UK or US portfolio
    assert Arrangement.objects.filter(kind="plan", status="on_track", paid_minor__gt=0).exists()
    assert Arrangement.objects.filter(kind="settlement", status="on_track").exists()
    assert set(Promise.objects.values_list("status", flat=True)) == {"pending", "kept", "broken"}
    assert ensure_demo_debtors() == [(u, p, c, r, b, "see the portal") for u, p, c, r, b, _s in debtors]  # idempotent

    username, reference, born, _story = by_country["GR"]
    client.post(reverse("portal:sign_in"), {"username": username, "password": DEMO_PASSWORD})
    page = client.get(reverse("portal:overview"), headers={"accept-language": "el"}).content.decode()
    assert reference in page
    assert dt.date.fromisoformat(born)
