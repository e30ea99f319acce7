"""Import fixtures: files kept in a temporary directory, one placement and one payment profile."""

import pytest

from arrears.imports.models import ImportProfile

PLACEMENT_COLUMNS = {
    "Loan": "creditor_reference", "Product": "product", "Contract": "contract_date", "Charged off": "charge_off_date",
    "Principal": "principal", "Interest": "interest", "Given name": "debtor.given_name",
    "Family name": "debtor.family_name", "Born": "debtor.date_of_birth", "ID type": "debtor.id_scheme",
    "ID": "debtor.id_value", "Phone": "debtor.phone", "Email": "debtor.email", "Street": "debtor.address_line1",
    "Postcode": "debtor.postal_code", "City": "debtor.city",
}
PLACEMENT_HEADER = list(PLACEMENT_COLUMNS)
PAYMENT_COLUMNS = {"Loan": "creditor_reference", "Paid": "amount", "Date": "value_date", "Payment id": "external_id"}


@pytest.fixture(autouse=True)
def import_files(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def creditor(make_creditor):
    return make_creditor()


@pytest.fixture
def portfolio(creditor, make_portfolio):
    return make_portfolio(creditor)


@pytest.fixture
def placement_profile(creditor, portfolio):
    return ImportProfile.objects.create(creditor=creditor, name="loans", kind="placements", columns=PLACEMENT_COLUMNS,
                                        default_portfolio_code=portfolio.code, date_format="%d/%m/%Y")


@pytest.fixture
def payment_profile(creditor):
    return ImportProfile.objects.create(creditor=creditor, name="payments", kind="payments", columns=PAYMENT_COLUMNS,
                                        delimiter=";", decimal_separator=",", date_format="%d.%m.%Y")
