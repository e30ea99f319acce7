import pytest
from django.core.cache import cache
from django.urls import reverse

from arrears.portal import branding
from arrears.portal.services import create_login


@pytest.fixture
def account(make_creditor, make_portfolio, make_account, business_date):
    """1,000.00 EUR owed by Γιώργος Παπαδόπουλος (born 1975-03-14, AFM ending 9216), e-mail and mobile on file."""
    return make_account(make_portfolio(make_creditor()), principal="1000.00")


@pytest.fixture
def signed_in(client, account):
    """The account's debtor, signed in to the portal with their own login."""
    create_login(debtor=account.debtors.first(), username="giorgos", password="a long enough passphrase")
    client.post(reverse("portal:sign_in"), {"username": "giorgos", "password": "a long enough passphrase"})
    return client


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Sign-in attempts are counted per username in the cache, and each process keeps the brands it read;
    each test starts with neither."""
    cache.clear()
    branding._cache.clear()
