import pytest

from arrears.payments import services
from arrears.payments.tests.statements import COLLECTION_IBAN


@pytest.fixture
def creditor(make_creditor):
    return make_creditor("alpha-bank")


@pytest.fixture
def portfolio(creditor, make_portfolio):
    return make_portfolio(creditor)


@pytest.fixture
def collection_account(system, creditor):
    return services.create_collection_account(actor=system, creditor=creditor, iban=COLLECTION_IBAN,
                                              bic="ETHNGRAA", holder_name="Alpha Servicing S.A.", currency="EUR")


@pytest.fixture
def import_camt(system, collection_account, business_date):
    def run(content: bytes, file_name="statement.xml", actor=None):
        return services.import_statement(actor=actor or system, collection_account=collection_account,
                                         file_name=file_name, content=content, fmt="camt053")

    return run
