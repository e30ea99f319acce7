"""The portal's budget and restructuring pages: a budget ranks the offers that fit first; a proposal goes in with
it and is answered by a date; the debtor answers a counter-proposal."""

import pytest
from django.urls import reverse

from arrears.arrangements.models import Arrangement, FinancialStatement, RestructuringProposal
from arrears.arrangements.proposals import answer_proposal
from arrears.core.money import Money

pytestmark = pytest.mark.django_db


BUDGET = {"adults": "2", "children": "1", "earnings": "1450.00", "benefits": "120", "housing": "520",
          "utilities": "140", "food": "480", "transport": "90"}


def test_a_budget_puts_the_offers_that_fit_first(signed_in, account):
    signed_in.get(reverse("portal:offers", args=[account.pk]))  # offers before the budget was known
    done = signed_in.post(reverse("portal:budget", args=[account.pk]), BUDGET)
    assert done.url == reverse("portal:offers", args=[account.pk])
    statement = FinancialStatement.objects.get()
    assert (statement.income_minor, statement.disposable_minor) == (157000, 34000)
    page = signed_in.get(done.url, headers={"accept-language": "en"}).content.decode()
    assert "340.00 EUR a month is left" in page
    assert page.index("Fits the budget you gave us.") < page.index("Choose this")


def test_a_budget_with_a_bad_amount_keeps_what_was_typed_and_says_what_is_wrong(signed_in, account):
    page = signed_in.post(reverse("portal:budget", args=[account.pk]), {**BUDGET, "food": "48.005"})
    assert page.status_code == 200 and 'value="1450.00"' in page.content.decode()
    assert not FinancialStatement.objects.exists()


def test_a_proposal_needs_a_budget_then_is_answered_by_a_date(signed_in, account):
    url = reverse("portal:propose", args=[account.pk])
    assert signed_in.get(url).url == reverse("portal:budget", args=[account.pk]) + "?then=propose"
    assert signed_in.post(reverse("portal:budget", args=[account.pk]) + "?then=propose", BUDGET).url == url
    done = signed_in.post(url, {"count": "48", "settle": "", "reason": "My hours were cut in half."})
    assert done.url == reverse("portal:overview")
    proposal = RestructuringProposal.objects.get()
    assert (proposal.count, proposal.channel, proposal.statement.disposable_minor) == (48, "portal", 34000)
    page = signed_in.get(done.url, headers={"accept-language": "en"}).content.decode()
    assert "will answer by" in page


def test_the_debtor_accepts_a_counter_proposal_in_the_portal(signed_in, account, system):
    signed_in.post(reverse("portal:budget", args=[account.pk]), BUDGET)
    signed_in.post(reverse("portal:propose", args=[account.pk]),
                   {"count": "12", "settle": "500.00", "reason": "Unemployed since June."})
    proposal = RestructuringProposal.objects.get()
    answer_proposal(actor=system, proposal=proposal, decision="counter", counter_count=6,
                    counter_settle=Money.of("700.00", "EUR"), note="We can settle at 700.00 over six months.")
    page = signed_in.get(reverse("portal:overview"), headers={"accept-language": "en"}).content.decode()
    assert "Our counter-proposal: 6 monthly payments." in page and "€700.00" in page
    signed_in.post(reverse("portal:decide_counter", args=[proposal.pk]), {"decision": "accept"})
    proposal.refresh_from_db()
    assert proposal.status == "counter_accepted"
    assert Arrangement.objects.get().total_minor == 70000
