"""Domain events: written with the change, handed to subscribers only after commit, never otherwise."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from arrears.core import events
from arrears.core.models import DomainEvent
from arrears.core.money import Money
from arrears.core.tasks import sweep_undispatched_events
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
    with django_capture_on_commit_callbacks(execute=True):
        account = make_account(make_portfolio(make_creditor()), principal="100.00")
        payment = post_payments(actor=system, payments=[pay(account, "100.00", "p-1")])[0].payment
        reverse_payment(actor=system, payment=payment, reason="returned by the bank")
        change_account_status(actor=system, account=account, status="recalled", reason="creditor recall")
    types = list(DomainEvent.objects.filter(account_id=account.pk).order_by("pk").values_list("type", flat=True))
    assert types == ["account.placed", "payment.posted", "account.status_changed",
                     "payment.reversed", "account.status_changed", "account.recalled"]
    assert heard == [("payment.posted", account.pk), ("account.recalled", account.pk)]


def test_one_dispatcher_carries_the_events_of_every_transaction_committed_while_it_was_pending(
        system, make_creditor, make_portfolio, make_account, business_date, django_capture_on_commit_callbacks,
        monkeypatch):
    account = make_account(make_portfolio(make_creditor()), principal="100.00")
    enqueued, dispatcher = [], events.dispatch_events
    monkeypatch.setattr(events, "dispatch_events", SimpleNamespace(enqueue=lambda: enqueued.append(1)))
    cache.delete(events.DISPATCH_PENDING)
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            post_payments(actor=system, payments=[pay(account, "1.00", f"p-{n}")])
    assert enqueued == [1]  # the first commit asked for a dispatcher; the next two found it pending
    assert heard == []

    handed = dispatcher.call()
    assert handed == 4  # the placement and the three payments
    assert heard == [("payment.posted", account.pk)] * 3
    assert not DomainEvent.objects.filter(dispatched_at__isnull=True).exists()
    assert dispatcher.call() == 0 and len(heard) == 3  # nothing is handed out twice

    # The flag went with the dispatcher: the next commit asks for a new one.
    with django_capture_on_commit_callbacks(execute=True):
        post_payments(actor=system, payments=[pay(account, "1.00", "p-9")])
    assert enqueued == [1, 1]


def test_the_minute_sweep_hands_out_events_whose_dispatcher_was_lost(
        system, make_creditor, make_portfolio, make_account, business_date):
    account = make_account(make_portfolio(make_creditor()), principal="100.00")
    # No on-commit callbacks run here: as if the worker died before the dispatcher ran.
    post_payments(actor=system, payments=[pay(account, "5.00", "p-1")])
    assert heard == []
    sweep_undispatched_events.call_local()
    assert heard == [("payment.posted", account.pk)]
    assert not DomainEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_events_of_unknown_types_are_refused():
    with pytest.raises(ValueError, match="unknown event type"):
        events.emit("payment.teleported", creditor_id=None, payload={})
    with pytest.raises(ValueError, match="unknown event type"):
        events.subscriber("payment.teleported")


def test_a_payment_stands_when_the_queue_is_unreachable_and_the_sweep_hands_its_event_out(
        system, make_creditor, make_portfolio, make_account, business_date, django_capture_on_commit_callbacks,
        monkeypatch):
    account = make_account(make_portfolio(make_creditor()), principal="100.00")

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(events.shared_cache, "raise_flag", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = post_payments(actor=system, payments=[pay(account, "5.00", "p-1")])[0]
    assert outcome.created and heard == []
    sweep_undispatched_events.call_local()
    assert heard == [("payment.posted", account.pk)]
