"""Payments through the API: posted once, answered again, refused clearly, visible at once."""

import pytest

from arrears.core.models import AuditEvent, DomainEvent
from arrears.ledger.models import Payment

pytestmark = pytest.mark.django_db


def payment(**extra):
    return {"account_reference": "GR-0001", "payment_id": "bank-77", "amount": "120.00", "currency": "EUR",
            "value_date": "2026-11-20", "method": "transfer", **extra}


def test_a_payment_is_in_the_balance_and_dpd_when_the_call_returns(api, book):
    answer = api.call("post", "/payments", payment(amount="1050.00"))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["created"] is True
    assert body["account"]["balance"] == "0.00" and body["account"]["dpd"] == 0
    assert body["account"]["status"] == "paid"
    state = api.call("get", "/accounts/GR-0001").json()
    assert state["balances"]["principal"] == "0.00" and state["dpd"] == 0


def test_the_same_payment_again_gets_the_first_answer_and_posts_nothing(api, book):
    first = api.call("post", "/payments", payment(), **{"Idempotency-Key": "k-1"})
    again = api.call("post", "/payments", payment(), **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    without_key = api.call("post", "/payments", payment())
    assert without_key.status_code == 200 and without_key.json()["created"] is False
    assert Payment.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict_that_says_so(api, book):
    api.call("post", "/payments", payment(), **{"Idempotency-Key": "k-1"})
    answer = api.call("post", "/payments", payment(amount="99.00"), **{"Idempotency-Key": "k-1"})
    assert answer.status_code == 409
    assert "different request" in answer.json()["detail"]
    same_id = api.call("post", "/payments", payment(amount="99.00"))
    assert same_id.status_code == 409
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(("change", "where"), [
    ({"currency": "PLN"}, ["body", "currency"]),
    ({"account_reference": "NOPE-1"}, ["body", "account_reference"]),
    ({"amount": "-5.00"}, ["body", "amount"]),
    ({"amount": "0"}, ["body", "amount"]),
    ({"amount": "12.345"}, ["body", "amount"]),
    ({"amount": "1e9"}, ["body", "amount"]),
    ({"amount": "9999999999999999999.00"}, ["body", "amount"]),
    ({"value_date": "2031-01-01"}, ["body", "value_date"]),
    ({"method": "bitcoin"}, ["body", "method"]),
    ({"currency": "XYZ"}, ["body", "currency"]),
    ({"account_reference": "GR-\x000"}, ["body", "account_reference"]),  # PostgreSQL could not even look it up
    ({"value_date": 0}, ["body", "value_date"]),  # not 1970-01-01: the document asks for YYYY-MM-DD
    ({"value_date": "2026-11-20T00:00:00"}, ["body", "value_date"]),
])
def test_bad_payments_are_refused_with_the_field_and_nothing_is_posted(api, book, change, where):
    answer = api.call("post", "/payments", payment(**change))
    assert answer.status_code == 422, answer.content
    assert [error["loc"] for error in answer.json()["detail"]] == [where]
    assert Payment.objects.count() == 0


def test_malformed_json_is_a_422_not_a_crash(api, client):
    answer = client.post("/api/v1/payments", data="{not json", content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {api.key}")
    assert answer.status_code == 422


def test_a_batch_with_one_bad_row_posts_nothing_and_names_the_row(api, book):
    rows = [payment(payment_id="b-1"), payment(payment_id="b-2", currency="USD")]
    answer = api.call("post", "/payments/batch", {"payments": rows})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "payments", 1, "currency"]
    assert Payment.objects.count() == 0


def test_an_unknown_currency_in_a_batch_names_the_row(api, book):
    rows = [payment(payment_id="b-1"), payment(payment_id="b-2", currency="XYZ")]
    answer = api.call("post", "/payments/batch", {"payments": rows})
    assert answer.status_code == 422
    assert [error["loc"] for error in answer.json()["detail"]] == [["body", "payments", 1, "currency"]]


@pytest.mark.parametrize("path", ["/accounts/GR%000001", "/accounts/GR-0001/payments?cursor=%00", "/events?type=%00"])
def test_a_nul_character_in_a_path_or_query_is_refused_not_a_crash(api, book, path):
    answer = api.call("get", path)
    assert answer.status_code == 422 and answer.json()["detail"][0]["type"] == "nul_character"
    assert AuditEvent.objects.filter(action="api.call").get().after["status"] == 422


def test_a_nul_character_in_the_key_or_the_idempotency_key_is_refused(api, book):
    assert api.call("get", "/accounts", key="ark_ab\x00c_secret").status_code == 401
    answer = api.call("post", "/payments", payment(), **{"Idempotency-Key": "k\x001"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert Payment.objects.count() == 0


def test_replaying_10000_payments_with_the_same_ids_posts_nothing_new(client, system, make_key, business_date):
    from arrears.portfolio.models import Account, Creditor
    from arrears.portfolio.seed import seed_book

    seed_book(500, seed=21)
    creditor = Creditor.objects.get(code="aegean-bank")
    _key, full = make_key(creditor, rate_limit_per_minute=1000)
    accounts = list(Account.objects.filter(creditor=creditor).values_list("creditor_reference", "currency"))
    rows = [{"account_reference": accounts[i % len(accounts)][0], "payment_id": f"replay-{i}", "amount": "1.00",
             "currency": accounts[i % len(accounts)][1], "value_date": "2026-11-20"} for i in range(10_000)]

    def send():
        created = 0
        for start in range(0, len(rows), 1000):
            answer = client.post("/api/v1/payments/batch", {"payments": rows[start:start + 1000]},
                                 content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {full}")
            assert answer.status_code == 200, answer.content[:500]
            created += sum(r["created"] for r in answer.json()["results"])
        return created

    assert send() == 10_000
    payments, events = Payment.objects.count(), DomainEvent.objects.count()
    assert send() == 0
    assert (Payment.objects.count(), DomainEvent.objects.count()) == (payments, events)


def test_a_payment_can_be_reversed_and_the_balance_comes_back(api, book):
    api.call("post", "/payments", payment(amount="50.00"))
    answer = api.call("post", "/payments/bank-77/reverse", {"reason": "returned: account closed"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["payment"]["status"] == "reversed"
    assert answer.json()["account"]["balance"] == "1050.00"


def test_every_call_is_audited_with_its_key_and_answer(api, book):
    api.call("post", "/payments", payment())
    api.call("get", "/accounts/NOPE")
    calls = list(AuditEvent.objects.filter(action="api.call").order_by("pk").values_list("actor_label", "after"))
    assert [(label.startswith("api:"), after["status"]) for label, after in calls] == [(True, 201), (True, 404)]
