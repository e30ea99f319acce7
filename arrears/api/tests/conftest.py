import pytest
from django.core.cache import cache

from arrears.api.models import Scope
from arrears.api.services import create_api_key

ALL_SCOPES = list(Scope.values)


@pytest.fixture(autouse=True)
def _fresh_rate_counters():
    cache.clear()  # key ids repeat from test to test; counters must not


@pytest.fixture
def book(system, make_creditor, make_portfolio, make_account, business_date):
    creditor = make_creditor()
    portfolio = make_portfolio(creditor)
    account = make_account(portfolio, principal="1000.00", interest="50.00", reference="GR-0001")
    return creditor, portfolio, account


@pytest.fixture
def make_key(system):
    def make(creditor, scopes=ALL_SCOPES, **extra):
        key, full = create_api_key(actor=system, creditor=creditor, name="core banking", scopes=scopes, **extra)
        return key, full

    return make


@pytest.fixture
def api(client, book, make_key):
    """A client that calls /api/v1 with creditor A's key."""
    _key, full = make_key(book[0])

    class Caller:
        key = full

        def call(self, method, path, body=None, key=None, **headers):
            send = getattr(client, method)
            extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
            kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
            return send(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {key or full}", **kwargs, **extra)

    return Caller()
