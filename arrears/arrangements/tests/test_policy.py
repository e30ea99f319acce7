"""Policies: edited by the people who set strategy, checked whole, audited; a portfolio's overrides its
creditor's; the back office shows arrangements to staff of the creditor only."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from arrears.arrangements.models import ArrangementPolicy
from arrears.arrangements.policy import policy_for, settlement_discount_percent
from arrears.arrangements.services import create_arrangement, save_policy
from arrears.core.models import AuditEvent
from arrears.core.roles import Role

pytestmark = pytest.mark.django_db


def test_a_portfolio_policy_overrides_the_creditors_and_defaults_fill_in(system, account):
    assert policy_for(account).pk is None and policy_for(account).plan_max_instalments == 24
    save_policy(actor=system, creditor=account.creditor, plan_max_instalments=12)
    assert policy_for(account).plan_max_instalments == 12
    save_policy(actor=system, creditor=account.creditor, portfolio=account.portfolio, plan_max_instalments=6)
    assert policy_for(account).plan_max_instalments == 6
    with pytest.raises(ValidationError) as refused:
        create_arrangement(actor=system, account=account, kind="plan", count=9, frequency="monthly",
                           first_due=dt.date(2026, 12, 1))
    assert "count" in refused.value.message_dict
    assert AuditEvent.objects.filter(action="arrangement_policy.created").count() == 2


@pytest.mark.parametrize(("values", "field"), [
    ({"promise_tolerance_percent": "100"}, "promise_tolerance_percent"),
    ({"plan_frequencies": ["daily"]}, "plan_frequencies"),
    ({"plan_missed_to_break": 0}, "plan_missed_to_break"),
    ({"settlement_discounts": [{"min_dpd": 90, "discount_percent": "120"}]}, "settlement_discounts"),
    ({"settlement_discounts": "ten percent"}, "settlement_discounts"),
])
def test_a_policy_that_makes_no_sense_is_refused_at_its_field(system, account, values, field):
    with pytest.raises(ValidationError) as refused:
        save_policy(actor=system, creditor=account.creditor, **values)
    assert field in refused.value.message_dict
    assert not ArrangementPolicy.objects.exists()


def test_the_discount_table_gives_the_most_specific_matching_row(account):
    policy = ArrangementPolicy(settlement_discounts=[
        {"min_dpd": 0, "min_balance_minor": 0, "discount_percent": "0"},
        {"min_dpd": 90, "min_balance_minor": 0, "discount_percent": "10"},
        {"min_dpd": 90, "min_balance_minor": 500000, "discount_percent": "15"},
        {"min_dpd": 180, "min_balance_minor": 0, "max_balance_minor": 100000, "discount_percent": "25"},
    ])
    assert str(settlement_discount_percent(30, 100000, policy)) == "0"
    assert str(settlement_discount_percent(120, 100000, policy)) == "10"
    assert str(settlement_discount_percent(120, 600000, policy)) == "15"
    assert str(settlement_discount_percent(200, 100000, policy)) == "25"
    assert str(settlement_discount_percent(200, 200000, policy)) == "10"


def test_only_policy_managers_edit_policies_in_the_back_office(client, make_user, account):
    agent = make_user("agent-a", Role.AGENT, creditors=[account.creditor])
    with pytest.raises(PermissionDenied):
        save_policy(actor=agent, creditor=account.creditor, plan_max_instalments=60)
    manager = make_user("strategist", Role.STRATEGY, creditors=[account.creditor])
    client.force_login(manager)
    url = reverse("admin:arrangements_arrangementpolicy_add")
    form = {"creditor": account.creditor.pk, "promise_max_days_ahead": 30, "promise_min_percent": "10",
            "promise_min_minor": 0, "promise_grace_days": 3, "promise_tolerance_percent": "5",
            "plan_frequencies": '["monthly", "weekly"]', "plan_min_instalment_minor": 2000, "plan_max_instalments": 36,
            "plan_max_months": 36, "plan_min_down_payment_percent": "0", "plan_annual_rate": "0",
            "plan_grace_days": 5, "plan_missed_to_break": 2,
            "settlement_discounts": '[{"min_dpd": 90, "discount_percent": "150"}]',
            "settlement_max_payments": 3, "settlement_max_days": 90, "offer_valid_days": 7}
    page = client.post(url, form)
    assert page.status_code == 200 and "Row 1 is not valid" in page.content.decode()
    form["settlement_discounts"] = '[{"min_dpd": 90, "discount_percent": "15"}]'
    assert client.post(url, form).status_code == 302
    saved = ArrangementPolicy.objects.get()
    assert saved.plan_frequencies == ["monthly", "weekly"] and saved.plan_max_instalments == 36
    assert AuditEvent.objects.filter(action="arrangement_policy.created", actor=manager).exists()
    client.force_login(agent)  # agents may read the limits they work within, not change them
    assert client.get(reverse("admin:arrangements_arrangementpolicy_changelist")).status_code == 200
    assert client.get(url).status_code == 403
    assert client.post(reverse("admin:arrangements_arrangementpolicy_change", args=[saved.pk]),
                       form).status_code == 403
