"""The API keeps to its own OpenAPI document. schemathesis reads /api/v1/openapi.json through Django's WSGI
application and sends every operation generated requests, valid and invalid (schema examples, the coverage
phase's boundary cases, then fuzzing); each answer must be no server error, have a documented status code and
content type, match the documented body schema, and refuse what the document calls invalid.

A creditor with a small book and a key with every scope stands behind the calls. In valid requests, account
references, payment ids, portfolio codes, currencies, amounts and dates are now and then swapped for ones the
book holds, so that calls reach the services and not only the 404 and 422 paths. The run is derandomized (the
same cases every time) and writes no example database.
"""

import datetime as dt
import math
from unittest import mock

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from arrears.api.keys import hash_key
from arrears.api.models import Scope
from arrears.api.services import create_api_key
from arrears.conftest import greek_debtor
from arrears.core.money import Money
from arrears.ledger.services import PaymentIn, post_payments
from arrears.portfolio.services import IdentifierIn

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
MIN_CASES = 1000  # over the whole run: each operation must send its share
FUZZING_CASES = 80  # an operation; the examples and coverage phases add their own
FUZZING_CASES_PLACEMENTS = 15  # a batch of placements nests debtors, identifiers and contact points: each costs
# seconds to generate, and the coverage phase already sends some 400 of them

REFERENCES = ["GR-0001", "GR-0002", "GR-0003", "GR-0004", "GR-0005"]
FOREIGN_REFERENCE = "OTHER-1"  # another creditor's account: answered as if it did not exist
PAYMENT_IDS = ["bank-1", "bank-2", "bank-3"]
PORTFOLIO = "npl-2026"
BOOK = {  # values the book holds, valid wherever they are put, by location and field name
    "path_parameters": {"reference": [*REFERENCES, FOREIGN_REFERENCE], "payment_id": PAYMENT_IDS},
    "query": {"status": ["active", "paid", "hold", "closed"], "type": ["account.placed", "payment.posted"]},
    "body": {"account_reference": [*REFERENCES, FOREIGN_REFERENCE], "portfolio_code": [PORTFOLIO],
             "currency": ["EUR"], "amount": ["12.50", "1050.00"], "value_date": ["2026-11-20"],
             "due_date": ["2026-11-23"], "country": ["GR"]},
}
# schemathesis builds the coverage phase's cases, auth header included, when it collects the test, before any
# book exists: the key is fixed here and given to the book's key row.
KEY_PREFIX = "c0n7rac7"
KEY = f"ark_{KEY_PREFIX}_contract-test-secret-not-for-any-real-book"

pytestmark = pytest.mark.django_db

CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": FUZZING_CASES, "deterministic": True, "database": "none"},
    "operations": [{"include-path": "/api/v1/placements", "generation": {"max-examples": FUZZING_CASES_PLACEMENTS}}],
})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(), config=CONFIG)
MIN_CASES_PER_OPERATION = math.ceil(MIN_CASES / len(schema))


@schema.auth()
class CreditorKey:
    """The book's key on every call, but where schemathesis leaves it out or spoils it on purpose."""

    def get(self, case, context):
        return KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@st.composite
def _now_and_then_from_book(draw, value, book: dict):
    """The generated value with some of its fields, at any depth, swapped for values the book holds."""
    if isinstance(value, list):
        return [draw(_now_and_then_from_book(item, book)) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: draw(st.sampled_from(book[key]) if key in book and draw(st.integers(0, 7)) < 7
                      else _now_and_then_from_book(item, book)) for key, item in value.items()}


def _with_parts(case, parts: dict):
    for name, value in parts.items():
        setattr(case, name, value)
    return case


@schema.hook
def flatmap_case(context, case):
    """Valid cases only: an invalid one must stay exactly as invalid as schemathesis made it."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return st.just(case)
    parts = {name: _now_and_then_from_book(getattr(case, name), book) for name, book in BOOK.items()
             if getattr(case, name, None)}
    return st.fixed_dictionaries(parts).map(lambda drawn: _with_parts(case, drawn))


@pytest.fixture
def contract_book(system, make_creditor, make_portfolio, make_account):
    """Creditor A's book: five accounts, three payments posted through the API's source, the fixed key."""
    creditor = make_creditor()
    portfolio = make_portfolio(creditor, code=PORTFOLIO)
    accounts = [make_account(portfolio, principal="1000.00", interest="50.00", reference=ref) for ref in REFERENCES]
    make_account(make_portfolio(make_creditor(code="beta-telecom")), reference=FOREIGN_REFERENCE,
                 debtor=greek_debtor(identifiers=[IdentifierIn("GR-AFM", "123456783")]))  # not A's debtor
    post_payments(actor=system, payments=[
        PaymentIn(account_id=account.pk, amount=Money.of("10.00", "EUR"), source="api", external_id=payment_id,
                  value_date=dt.date(2026, 11, 20))
        for account, payment_id in zip(accounts, PAYMENT_IDS, strict=False)])
    with mock.patch("arrears.api.services.new_key_material", return_value=(KEY_PREFIX, KEY, hash_key(KEY))):
        create_api_key(actor=system, creditor=creditor, name="contract test", scopes=list(Scope.values),
                       rate_limit_per_minute=100_000)


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep Django's request signals from closing the test's database connection after each call (Django's
    own test client does the same); start from empty rate-limit counters."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    cache.clear()
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def sent(request, record_property):
    """Cases sent for one operation, checked when it passed (a failure stops it early, and says more)."""
    count, failed_before = {"cases": 0}, request.session.testsfailed
    yield count
    record_property("cases", count["cases"])
    assert request.session.testsfailed > failed_before or count["cases"] >= MIN_CASES_PER_OPERATION, (
        f"{count['cases']} generated cases ran; {MIN_CASES_PER_OPERATION} for each of {len(schema)} operations "
        f"make the {MIN_CASES} the contract asks for")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_answer_keeps_to_the_openapi_document(case, contract_book, wsgi_in_test_transaction, sent):
    sent["cases"] += 1
    case.call_and_validate(checks=CHECKS)
