"""Adjustments and reads through the API, and the event feed."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_fee_charge_raises_the_balance(api, book):
    answer = api.call("post", "/accounts/GR-0001/charges", {"charges": [
        {"component": "fees", "amount": "15.00", "currency": "EUR", "due_date": "2026-11-23"}], "memo": "late fee"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["balances"]["fees"] == "15.00" and answer.json()["balance"] == "1065.00"


def test_a_charge_in_the_wrong_currency_is_refused(api, book):
    answer = api.call("post", "/accounts/GR-0001/charges", {"charges": [
        {"component": "fees", "amount": "15.00", "currency": "USD", "due_date": "2026-11-23"}]})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "charges", 0, "currency"]


def test_recall_then_no_further_moves(api, book):
    answer = api.call("post", "/accounts/GR-0001/status", {"status": "recalled", "reason": "portfolio sold"})
    assert answer.status_code == 200 and answer.json()["status"] == "recalled"
    answer = api.call("post", "/accounts/GR-0001/status", {"status": "hold", "reason": "x"})
    assert answer.status_code == 422


def test_a_dispute_flag_reaches_the_debtor(api, book):
    answer = api.call("post", "/accounts/GR-0001/flags", {"disputed": True})
    assert answer.status_code == 200 and answer.json()["debtors"] == 1
    assert book[2].debtors.get().disputed is True


def test_write_off_closes_the_account(api, book):
    answer = api.call("post", "/accounts/GR-0001/write-off", {"reason": "statute barred"})
    assert answer.status_code == 200 and answer.json()["status"] == "written_off"
    assert answer.json()["balance"] == "0.00"


def test_the_event_feed_pages_by_cursor_and_shows_only_this_creditor(api, book, make_creditor, make_portfolio,
                                                                     make_account):
    make_account(make_portfolio(make_creditor(code="beta-telecom")), reference="OTHER-1")
    for i in range(3):
        api.call("post", "/payments", {"account_reference": "GR-0001", "payment_id": f"f-{i}", "amount": "1.00",
                                       "currency": "EUR", "value_date": "2026-11-20"})
    later = timezone.now() + dt.timedelta(seconds=5)
    with mock.patch("arrears.api.routes.events.timezone.now", return_value=later):
        first = api.call("get", "/events?limit=2").json()
        second = api.call("get", f"/events?limit=2&cursor={first['next_cursor']}").json()
    types = [e["type"] for e in first["events"] + second["events"]]
    assert types == ["account.placed", "payment.posted", "payment.posted", "payment.posted"]
    assert all(e["data"]["account"]["creditor_reference"] == "GR-0001" for e in first["events"] + second["events"])


def test_a_cursor_that_is_not_one_is_refused(api, book):
    answer = api.call("get", "/events?cursor=abc")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "cursor"]
