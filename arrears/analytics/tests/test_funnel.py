"""The portal funnel: visit, sign-in, offers seen, offer accepted, promise made, and then kept or broken,
counted per step and per debtor, each outcome once however often its event is heard."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from arrears.analytics import funnel
from arrears.analytics.models import FunnelEvent
from arrears.arrangements.tracking import evaluate_accounts
from arrears.core.models import DomainEvent
from arrears.core.roles import Role
from arrears.portal.services import create_login

pytestmark = pytest.mark.django_db
Step = FunnelEvent.Step


@pytest.fixture
def account(make_creditor, make_portfolio, make_account, business_date):
    return make_account(make_portfolio(make_creditor()), principal="1000.00")


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # sign-in attempts are counted in the cache


@pytest.fixture
def signed_in(client, account):
    create_login(debtor=account.debtors.get(), username="giorgos", password="a long enough passphrase")
    client.post(reverse("portal:sign_in"), {"username": "giorgos", "password": "a long enough passphrase"})
    return client


def steps():
    return list(FunnelEvent.objects.order_by("pk").values_list("step", flat=True))


def test_a_debtors_way_through_the_portal_is_counted_step_by_step(client, account):
    create_login(debtor=account.debtors.get(), username="giorgos", password="a long enough passphrase")
    client.get(reverse("portal:sign_in") + "?src=sms-nov")
    client.get(reverse("portal:sign_in"))  # the same visit
    client.post(reverse("portal:sign_in"), {"username": "giorgos", "password": "a long enough passphrase"})
    page = client.get(reverse("portal:offers", args=[account.pk]))
    offer = page.context["offers"][0]
    client.post(reverse("portal:accept_offer", args=[account.pk]), {"offer": offer.pk})
    assert steps() == [Step.VISIT, Step.SIGNED_IN, Step.OFFERS_SEEN, Step.OFFER_ACCEPTED]
    visit = FunnelEvent.objects.get(step=Step.VISIT)
    assert (visit.source, visit.debtor_id, visit.creditor_id) == ("sms-nov", None, None)
    accepted = FunnelEvent.objects.get(step=Step.OFFER_ACCEPTED)
    assert (accepted.account_id, accepted.creditor_id) == (account.pk, account.creditor_id)


def test_a_portal_promise_broken_is_counted_once_however_often_it_is_heard(signed_in, account):
    signed_in.post(reverse("portal:promise", args=[account.pk]), {"amount": "300.00", "due_date": "2026-12-01"})
    assert Step.PROMISE_MADE in steps()
    evaluate_accounts([account.pk], business_date=dt.date(2026, 12, 10))
    [broken] = DomainEvent.objects.filter(type="promise.broken")
    funnel.arrangements_ended([broken])
    funnel.arrangements_ended([broken])  # delivery is at least once
    row = FunnelEvent.objects.get(step=Step.ARRANGEMENT_BROKEN)
    assert (row.account_id, row.debtor_id, row.ref) == (account.pk, account.debtors.get().pk,
                                                        f"promise:{broken.payload['promise']}")


def test_arrangements_made_elsewhere_are_not_the_portals(system, account):
    from arrears.arrangements.models import Channel
    from arrears.arrangements.services import make_promise
    from arrears.core.money import Money
    made = make_promise(actor=system, account=account, amount=Money.of("300.00", "EUR"),
                        due_date=dt.date(2026, 12, 1), channel=Channel.AGENT)
    evaluate_accounts([account.pk], business_date=dt.date(2026, 12, 10))
    funnel.arrangements_ended(list(DomainEvent.objects.filter(type="promise.broken")))
    made.refresh_from_db()
    assert made.status == "broken" and not FunnelEvent.objects.exists()


def test_the_summary_counts_times_and_debtors_per_step_and_the_back_office_shows_it(client, make_user, account):
    debtor = account.debtors.get()
    for _ in range(3):
        funnel.record(Step.VISIT)
    funnel.record(Step.SIGNED_IN, debtor_id=debtor.pk, creditor_id=account.creditor_id)
    funnel.record(Step.OFFERS_SEEN, debtor_id=debtor.pk, account=account)
    funnel.record(Step.OFFERS_SEEN, debtor_id=debtor.pk, account=account)
    rows = {row["step"]: (row["times"], row["debtors"]) for row in funnel.summary(FunnelEvent.objects.all())}
    assert rows[Step.VISIT] == (3, 0) and rows[Step.OFFERS_SEEN] == (2, 1) and rows[Step.OFFER_ACCEPTED] == (0, 0)
    later = funnel.summary(FunnelEvent.objects.all(), since=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    assert all(row["times"] == 0 for row in later)
    client.force_login(make_user("lead", Role.TEAM_LEAD, creditors=[account.creditor]))
    page = client.get(reverse("admin:analytics_funnelevent_changelist"))
    assert page.status_code == 200
    shown = {row["step"]: row["times"] for row in page.context["funnel"]}
    # A team lead sees their creditor's steps; anonymous visits belong to no creditor.
    assert shown[Step.OFFERS_SEEN] == 2 and shown[Step.VISIT] == 0
