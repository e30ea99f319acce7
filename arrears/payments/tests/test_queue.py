import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from arrears.core.models import AuditEvent
from arrears.core.roles import Role
from arrears.ledger.models import Payment
from arrears.payments import services
from arrears.payments.models import BankStatement, StatementLine
from arrears.payments.queries import account_for_manual_match
from arrears.payments.tests.statements import OTHER_IBAN, Booking, camt053

pytestmark = pytest.mark.django_db
Status = StatementLine.Status


@pytest.fixture
def unmatched(portfolio, make_account, import_camt):
    account = make_account(portfolio)
    result = import_camt(camt053([Booking("40.00", text="from my brother", name="N. Nobody", reference="Q1")]))
    return result.statement.lines.get(), account


def test_manual_match_posts_the_payment_and_audits(system, unmatched):
    line, account = unmatched
    services.match_line(actor=system, line=line, account=account)
    line.refresh_from_db()
    assert line.status == Status.POSTED and line.match_method == "manual" and line.account_id == account.pk
    payment = Payment.objects.get()
    assert line.payment_id == payment.pk and payment.amount_minor == 4000
    statement = BankStatement.objects.get()
    assert (statement.matched_count, statement.unmatched_count, statement.posted_count) == (1, 0, 1)
    event = AuditEvent.objects.get(action="statement_line.matched")
    assert event.object_id == str(line.pk) and event.after["status"] == "posted"
    with pytest.raises(ValidationError, match="not waiting to be matched"):
        services.match_line(actor=system, line=line, account=account)


def test_ignore_needs_a_reason_and_audits(system, unmatched):
    line, _account = unmatched
    with pytest.raises(ValidationError):
        services.ignore_line(actor=system, line=line, reason=" ")
    services.ignore_line(actor=system, line=line, reason="Refund of an overpayment by the bank")
    line.refresh_from_db()
    assert line.status == Status.IGNORED and line.note.startswith("Refund")
    assert BankStatement.objects.get().ignored_count == 1
    assert AuditEvent.objects.filter(action="statement_line.ignored", object_id=str(line.pk)).exists()


def test_account_of_another_creditor_or_currency_cannot_be_matched(system, unmatched, make_creditor,
                                                                   make_portfolio, make_account):
    line, _account = unmatched
    other = make_account(make_portfolio(make_creditor("beta-bank")))
    with pytest.raises(ValidationError, match="another creditor"):
        services.match_line(actor=system, line=line, account=other)
    usd = make_account(make_portfolio(line.statement.creditor, code="usd-book", currency="USD"))
    with pytest.raises(ValidationError, match="kept in USD"):
        services.match_line(actor=system, line=line, account=usd)
    assert not Payment.objects.exists()


def test_creditor_b_user_cannot_see_or_match_creditor_a_lines(system, unmatched, make_creditor, make_user,
                                                              make_portfolio, make_account):
    line, account = unmatched
    beta = make_creditor("beta-bank")
    services.create_collection_account(actor=system, creditor=beta, iban=OTHER_IBAN, holder_name="Beta",
                                       currency="EUR")
    agent_b = make_user("agent-b", Role.AGENT, creditors=[beta])
    agent_a = make_user("agent-a", Role.AGENT, creditors=[line.statement.creditor])
    assert not StatementLine.objects.visible_to(agent_b).exists()
    assert not BankStatement.objects.visible_to(agent_b).exists()
    assert StatementLine.objects.visible_to(agent_a).get() == line
    assert account_for_manual_match(agent_b, line.statement.creditor_id, account.rf_reference) is None
    with pytest.raises(PermissionDenied):
        services.match_line(actor=agent_b, line=line, account=account)
    with pytest.raises(PermissionDenied):
        services.ignore_line(actor=agent_b, line=line, reason="not ours")
    services.match_line(actor=agent_a, line=line, account=account)
    assert AuditEvent.objects.get(action="statement_line.matched").actor == agent_a


def test_account_found_by_rf_or_creditor_reference(system, portfolio, make_account):
    account = make_account(portfolio, reference="LN-1")
    spaced = " ".join(account.rf_reference[i:i + 4] for i in range(0, len(account.rf_reference), 4))
    assert account_for_manual_match(system, account.creditor_id, spaced.lower()) == account
    assert account_for_manual_match(system, account.creditor_id, "ln-1") == account
    assert account_for_manual_match(system, account.creditor_id, "nothing") is None
