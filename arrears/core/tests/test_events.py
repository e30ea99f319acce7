"""Domain events: written with the change, handed to subscribers only after commit, never otherwise."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from arrears.core import events
from arrears.core.models import DomainEvent
from arrears.core.money import Money
from arrears.ledger.corrections import reverse_payment
from arrears.ledger.services import PaymentIn, post_payments
from arrears.portfolio.services import change_account_status

pytestmark = pytest.mark.django_db

heard: list[tuple[str, int]] = []


@events.subscriber("payment.posted", "account.recalled")
def listen(received):
    heard.extend((event.type, event.account_id) for event in received)


@pytest.fixture(autouse=True)
def _quiet():
    heard.clear()


def pay(account, amount, external_id):
    return PaymentIn(account_id=account.pk, amount=Money.of(amount, account.currency), source="api",
                     external_id=external_id, value_date=dt.date(2026, 11, 20))


def test_a_posted_payment_announces_itself_with_the_account_as_it_now_stands(
        system, make_creditor, make_portfolio, make_account, business_date, django_capture_on_commit_callbacks):
    account = make_account(make_portfolio(make_creditor()), principal="100.00", interest="10.00")
    with django_capture_on_commit_callbacks(execute=True):
        post_payments(actor=system, payments=[pay(account, "30.00", "p-1"), pay(account, "5.00", "p-2")])
    posted = list(DomainEvent.objects.filter(type="payment.posted").order_by("pk"))
    assert [e.payload["payment"]["external_id"] for e in posted] == ["p-1", "p-2"]
    state = posted[-1].payload["account"]
    assert state["balance"] == "75.00" and state["balances"]["interest"] == "0.00"
    assert state["currency"] == "EUR" and state["dpd"] == account.dpd
    assert heard == [("payment.posted", account.pk), ("payment.posted", account.pk)]


def test_nothing_is_announced_when_the_change_rolls_back(
        system, make_creditor, make_portfolio, make_account, business_date, django_capture_on_commit_callbacks):
    account = make_account(make_portfolio(make_creditor()), principal="100.00")
    before = DomainEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        post_payments(actor=system, payments=[pay(account, "30.00", "p-1"), pay(account, "-1.00", "p-2")])
    assert DomainEvent.objects.count() == before
    assert heard == []


def test_a_replayed_payment_announces_nothing_new(
        system, make_creditor, make_portfolio, make_account, business_date, django_capture_on_commit_callbacks):
    account = make_account(make_portfolio(make_creditor()), principal="100.00")
    post_payments(actor=system, payments=[pay(account, "30.00", "p-1")])
    with django_capture_on_commit_callbacks(execute=True):
        post_payments(actor=system, payments=[pay(account, "30.00", "p-1")])
    assert DomainEvent.objects.filter(type="payment.posted").count() == 1
    assert heard == []


def test_placement_reversal_and_recall_are_events_of_their_own_types(
        system, make_creditor, make_portfolio, make_account, business_date, django_capture_on_commit_callbacks):
    account = make_account(make_portfolio(make_creditor()), principal="100.00")
    payment = post_payments(actor=system, payments=[pay(account, "100.00", "p-1")])[0].payment
    reverse_payment(actor=system, payment=payment, reason="returned by the bank")
    with django_capture_on_commit_callbacks(execute=True):
        change_account_status(actor=system, account=account, status="recalled", reason="creditor recall")
    types = list(DomainEvent.objects.filter(account_id=account.pk).order_by("pk").values_list("type", flat=True))
    assert types == ["account.placed", "payment.posted", "account.status_changed",
                     "payment.reversed", "account.status_changed", "account.recalled"]
    assert heard == [("account.recalled", account.pk)]


def test_events_of_unknown_types_are_refused():
    with pytest.raises(ValueError, match="unknown event type"):
        events.emit("payment.teleported", creditor_id=None, payload={})
    with pytest.raises(ValueError, match="unknown event type"):
        events.subscriber("payment.teleported")
