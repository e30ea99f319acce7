"""Placements through the API: created, updated by reference, every row answered."""

import pytest

from arrears.portfolio.models import Account

pytestmark = pytest.mark.django_db


def placement(reference="GR-0100", **extra):
    return {"portfolio_code": "npl-2026", "creditor_reference": reference, "product": "credit_card",
            "contract_date": "2021-03-01",
            "debtors": [{"country": "GR", "given_name": "Ελένη", "family_name": "Νικολάου",
                         "identifiers": [{"scheme": "GR-AFM", "value": "090000045"}],
                         "contact_points": [{"kind": "phone", "value": "6944123456", "is_primary": True}]}],
            "balances": [{"component": "principal", "amount": "2500.00", "due_date": "2026-07-01"}], **extra}


def test_a_new_account_is_placed_with_its_balance_and_answered_per_row(api, book):
    answer = api.call("post", "/placements", {"placements": [placement()]})
    assert answer.status_code == 200, answer.content
    row = answer.json()["results"][0]
    assert row["created"] is True and row["errors"] == []
    assert row["account"]["balance"] == "2500.00" and row["account"]["dpd"] > 0
    assert Account.objects.get(creditor_reference="GR-0100").debtors.get().family_name == "Νικολάου"


def test_all_or_nothing_writes_nothing_when_a_row_is_bad_and_says_which(api, book):
    rows = [placement("GR-0101"), placement("GR-0102", portfolio_code="no-such-portfolio")]
    answer = api.call("post", "/placements", {"placements": rows})
    body = answer.json()
    assert answer.status_code == 200 and body["applied"] is False
    assert body["results"][1]["errors"] and not Account.objects.filter(creditor_reference="GR-0101").exists()
    answer = api.call("post", "/placements", {"placements": rows, "mode": "valid_only"})
    assert answer.json()["results"][0]["created"] is True
    assert Account.objects.filter(creditor_reference="GR-0101").exists()


def test_the_same_reference_again_updates_rather_than_duplicates(api, book):
    api.call("post", "/placements", {"placements": [placement()]})
    answer = api.call("post", "/placements", {"placements": [placement(product="personal_loan")]})
    row = answer.json()["results"][0]
    assert row["created"] is False and "product" in row["changed"]
    assert Account.objects.filter(creditor_reference="GR-0100").count() == 1


def test_balances_with_too_many_decimals_are_refused(api, book):
    bad = placement(balances=[{"component": "principal", "amount": "10.001", "due_date": "2026-07-01"}])
    answer = api.call("post", "/placements", {"placements": [bad]})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][:3] == ["body", "placements", 0]
