"""The overview is kept in the cache between changes, and never shows a stale debt: whatever changes an
account (a payment, a dispute, an answer to a proposal) shows on the next page; two browsers of one debtor
each get forms that work."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from arrears.arrangements.models import RestructuringProposal
from arrears.arrangements.proposals import answer_proposal
from arrears.core.money import Money
from arrears.disputes.services import open_dispute
from arrears.ledger.services import PaymentIn, post_payment
from arrears.portal.tests.test_budget_pages import BUDGET

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


def overview(client) -> str:
    return client.get(reverse("portal:overview"), headers=EN).content.decode()


def test_each_change_shows_on_the_next_page(signed_in, account, system, business_date):
    assert "€1,000.00" in overview(signed_in) and "€1,000.00" in overview(signed_in)  # the second from the cache
    post_payment(actor=system, payment=PaymentIn(account_id=account.pk, amount=Money.of("250.00", "EUR"),
                                                 source="bank", external_id="b-1", value_date=business_date))
    page = overview(signed_in)
    assert "€750.00" in page and "€250.00" in page  # the balance and the payment in the recent list
    # A dispute of an amount leaves the account's row as it was: only its event tells the page.
    open_dispute(actor=system, account=account, debtor=account.debtors.get(), reason="wrong_amount",
                 details="The fee was never agreed.", amount=Money.of("50.00", "EUR"))
    assert "You dispute €50.00 of it" in overview(signed_in)


def test_the_latest_payments_are_the_last_ten_newest_first(signed_in, account, system, business_date):
    import datetime as dt
    for day in range(1, 13):
        post_payment(actor=system, payment=PaymentIn(account_id=account.pk, amount=Money.of(f"{day}.00", "EUR"),
                                                     source="bank", external_id=f"d-{day}",
                                                     value_date=dt.date(2026, 11, day)))
    page = overview(signed_in)
    shown = re.findall(r"<td class=\"amount\">€(\d+)\.00</td></tr>", page.split("Recent payments")[1])
    assert shown == [str(day) for day in range(12, 2, -1)]


def test_two_browsers_of_one_debtor_each_get_a_form_that_works(account, system):
    from arrears.portal.services import create_login
    create_login(debtor=account.debtors.get(), username="giorgos", password="a long enough passphrase")
    browsers = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        page = browser.get(reverse("portal:sign_in")).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        browser.post(reverse("portal:sign_in"), {"username": "giorgos", "password": "a long enough passphrase",
                                                 "csrfmiddlewaretoken": token})
        browsers.append(browser)
    first = browsers[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', overview(first)).group(1)
    first.post(reverse("portal:budget", args=[account.pk]), {**BUDGET, "csrfmiddlewaretoken": token})
    first.post(reverse("portal:propose", args=[account.pk]), {"count": "12", "settle": "500.00",
                                                             "reason": "Unemployed.", "csrfmiddlewaretoken": token})
    proposal = RestructuringProposal.objects.get()
    answer_proposal(actor=system, proposal=proposal, decision="counter", counter_count=6,
                    counter_settle=Money.of("700.00", "EUR"), note="Six months.")
    assert "Our counter-proposal" in overview(first)
    second = browsers[1]
    page = overview(second)
    assert "Our counter-proposal" in page
    form = page.split(reverse("portal:decide_counter", args=[proposal.pk]))[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    answered = second.post(reverse("portal:decide_counter", args=[proposal.pk]),
                           {"decision": "reject", "csrfmiddlewaretoken": token})
    assert answered.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "counter_rejected"


def test_a_notice_shows_once_on_a_kept_page_and_is_not_kept(signed_in, account):
    overview(signed_in), overview(signed_in)  # the page is now kept
    signed_in.post(reverse("portal:promise", args=[account.pk]), {"amount": "300.00", "due_date": "2026-12-01"})
    assert "We have noted your promise" in overview(signed_in)
    again = overview(signed_in)
    assert "We have noted your promise" not in again and "You promised to pay €300.00" in again
