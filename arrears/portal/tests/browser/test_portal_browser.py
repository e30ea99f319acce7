"""The debtor portal in a real browser, in Greek and in English: a first visit ending with the debtor's own
login, their debts in their language's money format, a six-month plan chosen among the offers, a promise to
pay and a card payment on a second account of the same debtor; the language switcher; and axe-core finding no
serious or critical accessibility problem on the portal's pages and the test payment provider's.

Disputes are not covered here yet: the portal's dispute page came after these tests."""

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import translation
from django.utils.formats import date_format

from arrears.arrangements.models import Arrangement, Offer, Promise
from arrears.conftest import greek_debtor
from arrears.disputes.models import Dispute
from arrears.portal.services import create_login
from arrears.portal.tests.browser.axe import blocking_violations, describe

pytestmark = pytest.mark.browser

PASSWORD = "ένας αρκετά μακρύς κωδικός"
# What the debtor reads, per browser locale: html lang, and amounts in that language's money format.
LOCALES = [
    pytest.param("el-GR", "el", {1000: "1.000,00 €", 750: "750,00 €", 250: "250,00 €", 0: "0,00 €"}, id="greek"),
    pytest.param("en-GB", "en", {1000: "€1,000.00", 750: "€750.00", 250: "€250.00", 0: "€0.00"}, id="english"),
]


def short_date(lang: str, day) -> str:
    """A date as the portal writes it in that language's notices."""
    with translation.override(lang):
        return date_format(day, "SHORT_DATE_FORMAT")


def tr(lang: str, text: str, **values) -> str:
    """The portal's text as the debtor reads it in `lang` (English where the catalog has no translation)."""
    with translation.override(lang):
        translated = translation.gettext(text)
    return translated % values if values else translated


def ntr(lang: str, singular: str, plural: str, count: int, **values) -> str:
    with translation.override(lang):
        return translation.ngettext(singular, plural, count) % {"n": count, **values}


def seen(locator) -> str:
    """A locator's text as shown, spaces (no-break ones too) made plain."""
    return re.sub(r"\s+", " ", locator.inner_text()).strip()


def amount(text: str, lang: str) -> Decimal:
    """An amount as shown (1.000,00 € or €1,000.00) back to a Decimal."""
    digits = text.replace("€", "").replace("\xa0", "").strip()
    digits = digits.replace(".", "").replace(",", ".") if lang == "el" else digits.replace(",", "")
    return Decimal(digits)


def debt_card(page, account):
    return page.locator(f'section[aria-labelledby="debt-{account.pk}"]')


def submit_main_form(page):
    """The page's one form in <main> (the header has the language and sign-out forms)."""
    page.locator("main form button[type=submit]").click()


@pytest.fixture
def book(make_creditor, make_portfolio, make_account):
    """Two debts of 1,000.00 EUR of the same debtor (matched on the AFM, so one person with one login): one for
    a plan, one for a promise and a payment (no promise is taken while a plan runs on the account)."""
    portfolio = make_portfolio(make_creditor())
    plan = make_account(portfolio, principal="1000.00", reference="LOAN-PLAN-1")
    paid = make_account(portfolio, principal="1000.00", reference="LOAN-PAY-2", debtor=greek_debtor())
    assert plan.debtors.get() == paid.debtors.get()
    return plan, paid


def expect_lang(page, lang: str) -> None:
    assert page.locator("html").get_attribute("lang") == lang


def sign_in(page, username: str, password: str) -> None:
    page.goto("/portal/sign-in/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    submit_main_form(page)


def _watch_problems(page) -> list[str]:
    """What goes wrong under the page's feet: a script or style refused by the CSP, a script error, a file or a
    page answered with an error status. The portal has no favicon; the browser's own request for one is not
    counted."""
    problems = []

    def console(message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console: {message.text} ({message.location.get('url')})")

    def response(answer):
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            problems.append(f"HTTP {answer.status}: {answer.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    return problems


@pytest.mark.parametrize(("locale", "lang", "money"), LOCALES)
def test_a_debtor_signs_up_chooses_a_plan_promises_and_pays_by_card(open_page, book, locale, lang, money):
    plan_account, paid_account = book
    page = open_page(locale)
    problems = _watch_problems(page)

    # First visit: the reference on the letter and the date of birth.
    page.goto("/portal/first-visit/")
    expect_lang(page, lang)
    page.fill("input[name=reference]", plan_account.creditor_reference)
    page.fill("input[name=date_of_birth]", "1975-03-14")
    submit_main_form(page)
    page.wait_for_url("**/portal/first-visit/code/")

    # The code goes to the e-mail address on file, shown masked; the phone is offered too.
    choices = page.locator("main fieldset label")
    assert sorted(seen(choices.nth(i)) for i in range(choices.count())) == ["g•••@example.gr", "•••678"]
    page.get_by_label("g•••@example.gr").check()
    submit_main_form(page)
    page.wait_for_url("**/portal/first-visit/code/enter/")
    [message] = mail.outbox
    assert message.to == ["g.papadopoulos@example.gr"]
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    page.fill("input[name=code]", code)
    submit_main_form(page)
    page.wait_for_url("**/portal/first-visit/login/")

    page.fill("input[name=username]", "giorgos.p")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    submit_main_form(page)
    page.wait_for_url(re.compile(r"/portal/$"))

    # The overview: both debts, each 1,000.00 in the debtor's language.
    expect_lang(page, lang)
    assert seen(page.locator("h1")) == tr(lang, "Your debts")
    assert page.locator("main section.card").count() == 2
    for account in (plan_account, paid_account):
        card = debt_card(page, account)
        assert account.creditor_reference in seen(card.locator("h2"))
        assert seen(card.locator("tr.total td.amount")) == money[1000]
    assert page.get_by_role("button", name=tr(lang, "Sign out")).is_visible()

    # Offers for the first debt; the six-instalment monthly plan chosen.
    debt_card(page, plan_account).get_by_role("link", name=tr(lang, "See what you can arrange")).click()
    page.wait_for_url(f"**/portal/accounts/{plan_account.pk}/offers/")
    assert seen(page.locator("h1")) == tr(lang, "What you can arrange")
    offers = Offer.objects.filter(account=plan_account, accepted_at__isnull=True)
    assert page.locator("main section.card").count() == offers.count() > 1
    six = offers.get(kind=Arrangement.Kind.PLAN, count=6, frequency="monthly")
    with translation.override(lang):
        every = six.get_frequency_display().lower()
    six_card = page.locator(f'section[aria-labelledby="offer-{six.pk}"]')
    assert seen(six_card.locator("h2")) == ntr(lang, "%(n)s instalment, %(every)s", "%(n)s instalments, %(every)s", 6,
                                               every=every)
    assert amount(seen(six_card.locator("tr.total td.amount")), lang) == Decimal("1000.00")
    six_card.get_by_role("button", name=tr(lang, "Choose this")).click()

    # The arrangement: six instalments that add up to the debt, none paid yet.
    page.wait_for_url(re.compile(r"/portal/arrangements/\d+/$"))
    arrangement = Arrangement.objects.get(account=plan_account)
    assert page.url.endswith(f"/portal/arrangements/{arrangement.pk}/")
    first_due = arrangement.instalments.order_by("number").first().due_date
    assert seen(page.locator(".notices")) == tr(
        lang, "Your arrangement is agreed. The first payment is due on %(date)s.", date=short_date(lang, first_due))
    with translation.override(lang):
        on_track = arrangement.get_status_display()
    assert seen(page.locator("main p strong")) == on_track
    assert seen(page.locator("h2")) == ntr(lang, "Schedule: %(paid)s of %(n)s payment made",
                                           "Schedule: %(paid)s of %(n)s payments made", 6, paid=0)
    rows = page.locator("main table:has(thead) tbody tr")
    assert rows.count() == 6
    assert [seen(rows.nth(i).locator("td").first) for i in range(6)] == ["1", "2", "3", "4", "5", "6"]
    assert sum(amount(seen(rows.nth(i).locator("td.amount").first), lang) for i in range(6)) == Decimal("1000.00")
    assert {seen(rows.nth(i).locator("td.amount").last) for i in range(6)} == {money[0]}

    # Back on the overview the first debt shows its plan and offers no other arrangement or promise.
    page.get_by_role("link", name=tr(lang, "Back to your debts")).click()
    page.wait_for_url(re.compile(r"/portal/$"))
    plan_card = debt_card(page, plan_account)
    assert plan_card.locator(f'a[href="/portal/arrangements/{arrangement.pk}/"]').count() == 1
    assert plan_card.get_by_role("link", name=tr(lang, "See what you can arrange")).count() == 0
    assert plan_card.get_by_role("link", name=tr(lang, "Promise to pay by a date")).count() == 0

    # A promise on the second debt: 250.00 by 30 November 2026.
    debt_card(page, paid_account).get_by_role("link", name=tr(lang, "Promise to pay by a date")).click()
    page.wait_for_url(f"**/portal/accounts/{paid_account.pk}/promise/")
    page.fill("input[name=amount]", "250.00")
    page.fill("input[name=due_date]", "2026-11-30")
    submit_main_form(page)
    page.wait_for_url(re.compile(r"/portal/$"))
    assert seen(page.locator(".notices")) == tr(
        lang, "Thank you. We have noted your promise to pay by %(date)s.",
           date=short_date(lang, dt.date(2026, 11, 30)))
    promised = {"el": "30/11/2026", "en": "11/30/2026"}[lang]
    assert tr(lang, "You promised to pay %(amount)s by %(date)s.", amount=money[250], date=promised) in seen(
        debt_card(page, paid_account))
    assert Promise.objects.get(account=paid_account).status == Promise.Status.PENDING

    # Paying 250.00 of the second debt by card on the test provider.
    debt_card(page, paid_account).get_by_role("link", name=tr(lang, "Pay"), exact=True).click()
    page.wait_for_url(f"**/portal/accounts/{paid_account.pk}/pay/")
    assert seen(page.locator("h1")) == tr(lang, "Pay")
    assert money[1000] in seen(page.locator("main > p").first)
    page.fill("input[name=amount]", "250.00")
    page.get_by_role("button", name=tr(lang, "Continue to payment")).click()
    page.wait_for_url(re.compile(r"/payments/test-psp/[^/]+/\?next=(/|%2F)portal(/|%2F)$"))
    assert seen(page.locator("dd").first) == money[250]
    assert seen(page.locator("[role=alert]")) == tr(lang, "Test payment provider — no real money moves")
    page.locator("button[name=action][value=pay]").click()
    page.wait_for_url(re.compile(r"/portal/$"))

    # The balance falls by 250.00 on that debt only, and the payment is listed. It keeps the promise, which is
    # no longer shown as waiting.
    paid_card = debt_card(page, paid_account)
    assert seen(paid_card.locator("tr.total td.amount")) == money[750]
    assert seen(paid_card.locator("table:has(thead) tbody tr td.amount")) == money[250]
    assert seen(debt_card(page, plan_account).locator("tr.total td.amount")) == money[1000]
    assert Promise.objects.get(account=paid_account).status == Promise.Status.KEPT
    assert tr(lang, "You promised to pay %(amount)s by %(date)s.", amount=money[250], date=promised) not in seen(
        paid_card)
    assert paid_card.get_by_role("link", name=tr(lang, "Promise to pay by a date")).count() == 1

    # A dispute of part of the second debt: fees charged twice.
    paid_card.get_by_role("link", name=tr(lang, "Something is wrong with this debt")).click()
    page.wait_for_url(f"**/portal/accounts/{paid_account.pk}/dispute/")
    page.locator("input[name=reason][value=wrong_amount]").check()
    page.fill("input[name=amount]", "45.00")
    page.fill("textarea[name=details]", "Οι προμήθειες χρεώθηκαν δύο φορές." if lang == "el" else "Fees charged twice.")
    submit_main_form(page)
    page.wait_for_url(re.compile(r"/portal/$"))
    opened = {"el": "23/11/2026", "en": "11/23/2026"}[lang]
    assert tr(lang, "You dispute %(amount)s of it (since %(date)s); we will answer you.",
              amount={"el": "45,00 €", "en": "€45.00"}[lang], date=opened) in seen(debt_card(page, paid_account))
    assert Dispute.objects.get(account=paid_account).amount_minor == 4500
    expect_lang(page, lang)
    assert problems == []


def test_the_language_switcher_changes_the_language_of_the_pages_that_follow(open_page):
    page = open_page("en-GB")
    page.goto("/portal/sign-in/")
    expect_lang(page, "en")
    page.select_option("select[name=language]", "el")
    with page.expect_navigation(url="**/portal/sign-in/"):  # by way of /i18n/setlang/, back to the same page
        page.locator("header form.lang button").click()
    expect_lang(page, "el")
    assert page.locator("select[name=language]").input_value() == "el"
    page.goto("/portal/first-visit/")
    expect_lang(page, "el")
    assert seen(page.locator("h1")) == tr("el", "First visit")


@pytest.mark.parametrize(("locale", "lang", "money"), LOCALES)
def test_date_fields_show_their_dates_in_every_language(open_page, book, locale, lang, money):
    """A date field (<input type="date">) takes only an ISO date as its value; a date written the local way
    (30/11/2026) is dropped by the browser and the field shows empty."""
    account = book[1]
    page = open_page(locale)
    page.goto("/portal/first-visit/")
    page.fill("input[name=reference]", "NO-SUCH-REFERENCE")
    page.fill("input[name=date_of_birth]", "1975-03-14")
    submit_main_form(page)
    assert tr(lang, "We could not match these details. Check the reference and try again.") in seen(
        page.locator("main [role=alert]"))
    assert page.locator("input[name=date_of_birth]").input_value() == "1975-03-14", "the date of birth was lost"

    create_login(debtor=account.debtors.get(), username="giorgos", password=PASSWORD)
    sign_in(page, "giorgos", PASSWORD)
    page.wait_for_url(re.compile(r"/portal/$"))
    page.goto(f"/portal/accounts/{account.pk}/promise/")
    assert money[1000] in seen(page.locator("main > p").first)
    # A week after the business date (2026-11-23) is offered.
    assert page.locator("input[name=due_date]").input_value() == "2026-11-30", "the suggested date is not shown"


@pytest.mark.parametrize(("locale", "lang", "money"), LOCALES)
def test_no_serious_or_critical_accessibility_problem_on_the_portal_pages(open_page, book, locale, lang, money):
    account = book[0]
    page = open_page(locale, bypass_csp=True)  # axe-core is injected as a script: see axe.py
    findings = {}

    def check(name: str) -> None:
        findings[f"{name} ({locale}, {urlsplit(page.url).path})"] = blocking_violations(page)

    sign_in(page, "giorgos", "not the password")
    assert tr(lang, "The username or the password is wrong.") in seen(page.locator("main [role=alert]"))
    check("sign-in, with an error")
    page.goto("/portal/sign-in/")
    check("sign-in")

    page.goto("/portal/first-visit/")
    check("first visit")
    submit_main_form(page)  # nothing filled in: the errors shown
    page.locator("main [role=alert] .errorlist").first.wait_for()
    check("first visit, with errors")
    page.fill("input[name=reference]", account.creditor_reference)
    page.fill("input[name=date_of_birth]", "1975-03-14")
    submit_main_form(page)
    page.wait_for_url("**/portal/first-visit/code/")
    check("choice of where the code goes")
    page.get_by_label("g•••@example.gr").check()
    submit_main_form(page)
    page.wait_for_url("**/portal/first-visit/code/enter/")
    check("code entry")
    page.fill("input[name=code]", re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1))
    submit_main_form(page)
    page.wait_for_url("**/portal/first-visit/login/")
    check("new login")
    page.fill("input[name=username]", "giorgos")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    submit_main_form(page)
    page.wait_for_url(re.compile(r"/portal/$"))
    assert seen(debt_card(page, account).locator("tr.total td.amount")) == money[1000]
    check("overview")

    page.goto(f"/portal/accounts/{account.pk}/promise/")
    check("promise")
    page.goto(f"/portal/accounts/{account.pk}/dispute/")
    check("dispute")
    page.goto(f"/portal/accounts/{account.pk}/budget/")
    check("budget")
    page.fill("input[name=earnings]", "1450.00")
    page.fill("input[name=housing]", "520.00")
    submit_main_form(page)
    page.wait_for_url(re.compile(r"/offers/$"))
    check("offers ranked for the budget, with its notice")
    page.goto(f"/portal/accounts/{account.pk}/propose/")
    check("restructuring proposal")
    page.goto(f"/portal/accounts/{account.pk}/offers/")
    assert page.locator("main section.card").count() > 1
    check("offers")
    six = Offer.objects.get(account=account, kind=Arrangement.Kind.PLAN, count=6, frequency="monthly")
    page.locator(f'section[aria-labelledby="offer-{six.pk}"] button').click()
    page.wait_for_url(re.compile(r"/portal/arrangements/\d+/$"))
    assert page.locator("main table:has(thead) tbody tr").count() == 6
    check("arrangement, with the notice that it is agreed")
    page.reload()
    check("arrangement")

    page.goto(f"/portal/accounts/{account.pk}/pay/")
    check("pay")
    page.fill("input[name=amount]", "250.00")
    submit_main_form(page)
    page.wait_for_url(re.compile(r"/payments/test-psp/"))
    assert seen(page.locator("dd").first) == money[250]
    check("test payment provider")
    page.locator("button[name=action][value=pay]").click()
    page.wait_for_url(re.compile(r"/portal/$"))
    assert seen(debt_card(page, account).locator("tr.total td.amount")) == money[750]
    check("overview, after a payment")

    page.goto(f"/portal/accounts/{account.pk}/history/")
    check("month by month")
    page.goto("/portal/details/contact/")
    check("contact details")
    page.goto("/portal/details/preferences/")
    check("contact preferences")
    page.goto("/portal/details/circumstances/")
    check("circumstances")
    page.goto("/portal/security/")
    check("sign-in security")

    assert not any(findings.values()), "axe-core found serious or critical problems:\n" + describe(findings)
