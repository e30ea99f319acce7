import pytest


@pytest.fixture
def account(make_creditor, make_portfolio, make_account, business_date):
    """1,000.00 EUR owed by Γιώργος Παπαδόπουλος (born 1975-03-14, AFM ending 9216), e-mail and mobile on file."""
    return make_account(make_portfolio(make_creditor()), principal="1000.00")
