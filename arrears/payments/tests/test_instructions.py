import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from arrears.core.models import AuditEvent
from arrears.core.roles import Role
from arrears.payments import services
from arrears.payments.queries import payment_instructions
from arrears.payments.tests.statements import COLLECTION_IBAN, OTHER_IBAN

pytestmark = pytest.mark.django_db


def test_portfolio_account_comes_before_the_creditor_wide_one(system, creditor, portfolio, make_portfolio,
                                                             make_account, collection_account):
    other_portfolio = make_portfolio(creditor, code="cards-2026")
    services.create_collection_account(actor=system, creditor=creditor, portfolio=portfolio, iban=OTHER_IBAN,
                                       holder_name="Alpha NPL 2026", currency="EUR")
    specific = payment_instructions(make_account(portfolio))
    assert specific["iban"] == OTHER_IBAN and specific["holder_name"] == "Alpha NPL 2026"
    account = make_account(other_portfolio)
    wide = payment_instructions(account)
    assert wide["iban"] == COLLECTION_IBAN and wide["bic"] == "ETHNGRAA"
    assert wide["iban_display"] == "GR16 0110 1250 0000 0001 2300 695"
    assert wide["rf_reference"] == account.rf_reference
    assert wide["rf_reference_display"].replace(" ", "") == account.rf_reference


def test_no_account_in_the_currency_leaves_bank_fields_empty(creditor, make_portfolio, make_account,
                                                              collection_account):
    account = make_account(make_portfolio(creditor, code="pln", currency="PLN"))
    instructions = payment_instructions(account)
    assert instructions["iban"] is None and instructions["rf_reference"] == account.rf_reference


def test_collection_account_is_validated_and_audited(system, creditor, make_creditor, make_portfolio):
    with pytest.raises(ValidationError) as caught:
        services.create_collection_account(actor=system, creditor=creditor, iban="GR1601101250000000012300696",
                                           bic="NOTABIC", holder_name="", currency="EURO",
                                           portfolio=make_portfolio(make_creditor("beta-bank")))
    assert set(caught.value.message_dict) == {"iban", "bic", "holder_name", "currency", "portfolio"}
    account = services.create_collection_account(actor=system, creditor=creditor, iban="gr16 0110 1250 0000 0001 "
                                                 "2300 695", holder_name="Alpha", currency="EUR")
    assert account.iban == COLLECTION_IBAN
    assert AuditEvent.objects.get(action="collection_account.created").object_id == str(account.pk)
    with pytest.raises(ValidationError, match="already a collection account"):
        services.create_collection_account(actor=system, creditor=creditor, iban=COLLECTION_IBAN,
                                           holder_name="Alpha", currency="EUR")


def test_only_creditor_managers_create_collection_accounts(creditor, make_user):
    agent = make_user("agent", Role.AGENT, creditors=[creditor])
    with pytest.raises(PermissionDenied):
        services.create_collection_account(actor=agent, creditor=creditor, iban=COLLECTION_IBAN,
                                           holder_name="Alpha", currency="EUR")
