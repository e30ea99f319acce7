import pytest
from django.urls import reverse

from arrears.core.models import AuditEvent
from arrears.core.roles import Role
from arrears.ledger.models import Payment
from arrears.payments.cli import main
from arrears.payments.models import CollectionAccount, StatementLine
from arrears.payments.tests.statements import COLLECTION_IBAN, OTHER_IBAN, Booking, camt053

pytestmark = pytest.mark.django_db


def test_cli_imports_and_prints_a_summary(tmp_path, capsys, portfolio, make_account, collection_account):
    account = make_account(portfolio)
    path = tmp_path / "nov.xml"
    path.write_bytes(camt053([Booking("9.00", rf=account.rf_reference, reference="Z1"),
                              Booking("9.00", text="who knows", reference="Z2")]))
    assert main(["statement", str(path), "--collection-account", COLLECTION_IBAN]) == 0
    out = capsys.readouterr().out
    assert "2 lines" in out and "RF reference: 1" in out and "unmatched: 1" in out and "posted: 1" in out
    assert main(["statement", str(path), "--collection-account", COLLECTION_IBAN]) == 2
    assert "already imported" in capsys.readouterr().err


def test_cli_csv_and_errors(tmp_path, capsys, portfolio, make_account, collection_account):
    account = make_account(portfolio)
    path = tmp_path / "export.csv"
    path.write_bytes(f"Fecha;Importe;Concepto\n20/11/2026;12,50;pago {account.rf_reference}\n".encode("cp1250"))
    assert main(["statement", str(path), "--collection-account", COLLECTION_IBAN, "--csv-columns",
                 "date=Fecha,amount=Importe,reference=Concepto", "--csv-decimal-comma",
                 "--csv-encoding", "cp1250"]) == 0
    assert Payment.objects.get().amount_minor == 1250
    assert main(["statement", str(path), "--collection-account", OTHER_IBAN]) == 2
    assert "No collection account" in capsys.readouterr().err
    assert main(["statement", str(tmp_path / "missing.xml"), "--collection-account", COLLECTION_IBAN]) == 2


@pytest.fixture
def root(client, make_user):
    user = make_user("root", Role.ADMIN)
    client.force_login(user)
    return user


def test_collection_account_added_in_the_back_office_goes_through_the_service(client, root, creditor):
    url = reverse("admin:payments_collectionaccount_add")
    bad = client.post(url, {"creditor": creditor.pk, "iban": "GR00 1234", "holder_name": "Alpha", "currency": "EUR",
                            "is_active": "on"})
    assert bad.status_code == 200 and "iban" in bad.context["adminform"].form.errors
    response = client.post(url, {"creditor": creditor.pk, "iban": COLLECTION_IBAN, "bic": "ETHNGRAA",
                                 "holder_name": "Alpha", "currency": "EUR", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CollectionAccount.objects.get().iban == COLLECTION_IBAN
    assert AuditEvent.objects.get(action="collection_account.created").actor == root


def test_queue_actions_match_and_ignore(client, root, portfolio, make_account, import_camt):
    account = make_account(portfolio)
    import_camt(camt053([Booking("3.00", text="?", reference="M1"), Booking("4.00", text="?", reference="M2")]))
    first, second = StatementLine.objects.order_by("line_number")
    changelist = reverse("admin:payments_statementline_changelist")
    assert client.get(changelist, {"status": "unmatched"}).status_code == 200
    page = client.post(changelist, {"action": "match_by_hand", "_selected_action": [first.pk]})
    assert page.status_code == 200 and "reference" in page.content.decode()
    response = client.post(changelist, {"action": "match_by_hand", "_selected_action": [first.pk], "apply": "1",
                                        "reference": account.rf_reference})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == StatementLine.Status.POSTED and first.account_id == account.pk
    client.post(changelist, {"action": "ignore", "_selected_action": [second.pk], "apply": "1",
                             "reason": "Bank fee refund"})
    second.refresh_from_db()
    assert second.status == StatementLine.Status.IGNORED and second.note == "Bank fee refund"
    assert client.get(reverse("admin:payments_statementline_change", args=[first.pk])).status_code == 200
    assert client.get(reverse("admin:payments_bankstatement_changelist")).status_code == 200


def test_agent_of_another_creditor_sees_no_lines_in_the_queue(client, make_user, make_creditor, portfolio,
                                                              import_camt):
    import_camt(camt053([Booking("3.00", text="?", reference="N1")]))
    client.force_login(make_user("agent-b", Role.AGENT, creditors=[make_creditor("beta-bank")]))
    response = client.get(reverse("admin:payments_statementline_changelist"))
    assert response.status_code == 200 and response.context["cl"].result_count == 0
