import pytest
from django.core.exceptions import ValidationError

from arrears.core.models import AuditEvent
from arrears.core.references import make_rf
from arrears.ledger.models import Payment
from arrears.payments.models import BankStatement, StatementLine
from arrears.payments.tests.statements import Booking, camt053

pytestmark = pytest.mark.django_db
Status = StatementLine.Status


def _bad_check_digits(rf: str) -> str:
    digits = int(rf[2:4])
    return f"RF{(digits % 97) + 2:02d}{rf[4:]}" if digits != 97 else f"RF03{rf[4:]}"


def test_ten_thousand_lines_match_and_post_once(portfolio, make_account, import_camt):
    accounts = [make_account(portfolio) for _ in range(40)]
    bookings, expected = [], {}
    for i in range(10_000):
        account = accounts[i % len(accounts)]
        amount = f"{1 + i % 7}.{i % 100:02d}"
        booking = Booking(amount=amount, reference=f"BANKREF{i:06d}")
        kind = i % 100
        if kind == 0:
            booking.credit = False
            booking.rf = account.rf_reference
        elif kind == 1:
            booking.rf = _bad_check_digits(account.rf_reference)
        elif kind == 2:
            booking.currency = "USD"
            booking.rf = account.rf_reference
        elif kind == 3:
            booking.text = f"INVOICE NOPE-{i}"
        elif i % 2:
            rf = account.rf_reference
            booking.text = f"Payment {' '.join(rf[j:j + 4] for j in range(0, len(rf), 4))} thank you"
        else:
            booking.rf = account.rf_reference
        if kind > 3:
            expected[f"BANKREF{i:06d}"] = account.pk
        bookings.append(booking)
    content = camt053(bookings)

    result = import_camt(content)
    statement = result.statement
    assert statement.line_count == 10_000
    assert result.posted == len(expected) == 9_600
    assert statement.posted_count == 9_600
    assert (statement.matched_count, statement.unmatched_count, statement.ignored_count) == (9_600, 300, 100)
    posted = dict(StatementLine.objects.filter(statement=statement, status=Status.POSTED)
                  .values_list("entry_reference", "account_id"))
    assert posted == expected
    assert Payment.objects.filter(source="bank").count() == 9_600
    assert not StatementLine.objects.filter(status=Status.POSTED, payment__isnull=True).exists()

    again = import_camt(camt053(bookings, message_id="MSG-2", statement_id="STMT-2"), file_name="copy.xml")
    assert again.posted == 0
    assert again.already_posted == 9_600
    assert Payment.objects.filter(source="bank").count() == 9_600
    assert StatementLine.objects.filter(statement=again.statement, status=Status.MATCHED).count() == 9_600
    assert again.statement.posted_count == 0


def test_reasons_of_unmatched_and_ignored_lines(portfolio, make_account, import_camt):
    account = make_account(portfolio)
    result = import_camt(camt053([
        Booking("10.00", rf=_bad_check_digits(account.rf_reference), reference="A1"),
        Booking("10.00", currency="USD", rf=account.rf_reference, reference="A2"),
        Booking("10.00", text="for invoice 991-XYZ", reference="A3"),
        Booking("10.00", rf=make_rf("424242"), reference="A4"),
        Booking("10.00", credit=False, rf=account.rf_reference, reference="A5"),
        Booking("10.00", reversal=True, rf=account.rf_reference, reference="A6"),
    ]))
    lines = {line.entry_reference: line for line in result.statement.lines.all()}
    assert {ref: line.status for ref, line in lines.items()} == {
        "A1": Status.UNMATCHED, "A2": Status.UNMATCHED, "A3": Status.UNMATCHED, "A4": Status.UNMATCHED,
        "A5": Status.IGNORED, "A6": Status.IGNORED}
    assert "check digits" in lines["A1"].note
    assert "kept in EUR" in lines["A2"].note and "USD" in lines["A2"].note
    assert lines["A2"].account_id is None
    assert "No RF reference" in lines["A3"].note
    assert "belongs to no account" in lines["A4"].note
    assert "debit" in lines["A5"].note
    assert "reversal" in lines["A6"].note
    assert not Payment.objects.exists()


def test_matches_by_creditor_reference_and_by_amount_and_name(portfolio, make_account, import_camt):
    by_reference = make_account(portfolio, reference="LN-778899")
    by_name = make_account(portfolio, principal="250.00")
    result = import_camt(camt053([
        Booking("20.00", text="loan ln-778899 november", reference="B1"),
        Booking("20.00", text="LN-778899", reference="B2"),
        Booking("250.00", name="ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΙΩΡΓΟΣ", text="δόση", reference="B3"),
        Booking("250.00", name="Someone Else", text="rent", reference="B4"),
    ]))
    lines = {line.entry_reference: line for line in result.statement.lines.all()}
    assert lines["B2"].account_id == by_reference.pk
    assert lines["B2"].match_method == StatementLine.MatchMethod.REFERENCE
    assert lines["B3"].account_id == by_name.pk
    assert lines["B3"].match_method == StatementLine.MatchMethod.AMOUNT_NAME
    assert lines["B4"].status == Status.UNMATCHED
    assert lines["B1"].account_id == by_reference.pk  # the reference in lower case within the text
    assert result.matched_by == {"reference": 2, "amount_name": 1}


def test_same_file_twice_is_refused_naming_the_earlier_import(portfolio, make_account, import_camt):
    account = make_account(portfolio)
    content = camt053([Booking("5.00", rf=account.rf_reference, reference="C1")])
    first = import_camt(content, file_name="nov-20.xml")
    with pytest.raises(ValidationError) as caught:
        import_camt(content, file_name="renamed.xml")
    message = " ".join(caught.value.messages)
    assert "nov-20.xml" in message and str(first.statement.pk) in message
    assert BankStatement.objects.count() == 1


@pytest.mark.parametrize("content, words", [
    (camt053([Booking("1.00", reference="X")])[:-40], "well-formed"),
    (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "not a camt.053"),
    (camt053([Booking("1.00", reference="X")]).replace(b'<Amt Ccy="EUR">1.00</Amt>', b""), "no amount"),
    (camt053([Booking("1.001", reference="X")]), "more decimals"),
    (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document/>', "document type"),
])
def test_bad_files_are_rejected_and_nothing_is_stored(import_camt, content, words):
    with pytest.raises(ValidationError) as caught:
        import_camt(content)
    assert words in " ".join(caught.value.messages)
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()


def test_statement_for_another_iban_is_refused(import_camt):
    with pytest.raises(ValidationError, match="not for collection account"):
        import_camt(camt053([Booking("1.00", reference="X")], iban="ES9121000418450200051332"))


def test_import_is_audited_with_its_counts(portfolio, make_account, import_camt):
    account = make_account(portfolio)
    result = import_camt(camt053([Booking("5.00", rf=account.rf_reference, reference="D1"),
                                  Booking("5.00", text="unknown", reference="D2")]))
    event = AuditEvent.objects.get(action="bank_statement.imported")
    assert event.object_id == str(result.statement.pk)
    assert event.after["matched"] == 1 and event.after["unmatched"] == 1 and event.after["posted"] == 1
    assert AuditEvent.objects.filter(action="payment.posted").count() == 1


def test_same_reference_with_other_details_waits_in_the_queue(portfolio, make_account, import_camt):
    account = make_account(portfolio)
    import_camt(camt053([Booking("5.00", rf=account.rf_reference, reference="E1")]), file_name="a.xml")
    again = import_camt(camt053([Booking("6.00", rf=account.rf_reference, reference="E1"),
                                 Booking("7.00", rf=account.rf_reference, reference="E2")], message_id="M2"),
                        file_name="b.xml")
    lines = {line.entry_reference: line for line in again.statement.lines.all()}
    assert lines["E1"].status == Status.UNMATCHED and "other details" in lines["E1"].note
    assert lines["E2"].status == Status.POSTED
    assert Payment.objects.count() == 2


def test_future_value_dates_and_pending_entries_are_not_posted(portfolio, make_account, import_camt):
    account = make_account(portfolio)
    content = camt053([Booking("5.00", rf=account.rf_reference, reference="F1", value="2027-01-05"),
                       Booking("5.00", rf=account.rf_reference, reference="F2")])
    content = content.replace(b"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20",
                              b"<Sts><Cd>PDNG</Cd></Sts><BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20")
    lines = {line.entry_reference: line for line in import_camt(content).statement.lines.all()}
    assert lines["F1"].status == Status.UNMATCHED and "future" in lines["F1"].note
    assert lines["F2"].status == Status.IGNORED and "pending" in lines["F2"].note
    assert not Payment.objects.exists()
