import datetime as dt

import pytest

from arrears.payments.camt053 import parse_camt053
from arrears.payments.statement_files import StatementFileError
from arrears.payments.tests.statements import COLLECTION_IBAN, Booking, camt053


@pytest.mark.parametrize("version", [2, 3, 4, 5, 6, 7, 8])
def test_every_version_reads_the_same(version):
    parsed = parse_camt053(camt053([Booking("12.34", rf="RF18539007547034", name="Jan Kowalski",
                                            text="rata listopad", reference="R1")], version=version))
    assert parsed.account_ibans == {COLLECTION_IBAN}
    assert parsed.message_id == "MSG-1" and parsed.statement_ids == ["STMT-1"]
    [line] = parsed.lines
    assert (line.amount_minor, line.currency, line.is_credit) == (1234, "EUR", True)
    assert line.structured_reference == "RF18539007547034"
    assert line.remittance_text == "rata listopad"
    assert line.counterparty_name == "Jan Kowalski"
    assert line.counterparty_iban == "DE89370400440532013000"
    assert line.entry_reference == "R1"
    assert line.booking_date == dt.date(2026, 11, 20)


def test_version_nine_and_other_messages_are_refused():
    content = camt053([Booking("1.00")]).replace(b"camt.053.001.08", b"camt.053.001.09")
    with pytest.raises(StatementFileError, match="not a camt.053"):
        parse_camt053(content)


def test_an_entry_with_several_transactions_gives_a_line_each():
    batch = Booking("30.00", reference="BATCH-1", transactions=[
        Booking("10.00", reference="T1", rf="RF18539007547034"),
        Booking("20.00", reference="T2", text="second"),
    ])
    parsed = parse_camt053(camt053([batch]))
    assert [(line.amount_minor, line.entry_reference) for line in parsed.lines] == [(1000, "T1"), (2000, "T2")]


def test_a_batch_transaction_without_amount_is_an_error():
    batch = Booking("30.00", reference="BATCH-1", transactions=[Booking("10.00", reference="T1"),
                                                                  Booking("20.00", reference="T2")])
    content = camt053([batch]).replace(b'<Amt Ccy="EUR">20.00</Amt>', b"")
    with pytest.raises(StatementFileError, match="entry 1, transaction 2"):
        parse_camt053(content)


def test_date_times_and_debits():
    content = camt053([Booking("7.00", credit=False, reference="D")]).replace(
        b"<BookgDt><Dt>2026-11-20</Dt>", b"<BookgDt><DtTm>2026-11-19T23:10:00+02:00</DtTm>")
    [line] = parse_camt053(content).lines
    assert line.booking_date == dt.date(2026, 11, 19) and line.value_date == dt.date(2026, 11, 20)
    assert not line.is_credit


def test_ten_thousand_entries_are_all_read():
    content = camt053([Booking(f"{i % 90 + 1}.50", reference=f"E{i}", rf="RF18539007547034")
                       for i in range(10_000)])
    parsed = parse_camt053(content)
    assert len(parsed.lines) == 10_000
    assert [line.amount_minor for line in parsed.lines[:3]] == [150, 250, 350]
    assert parsed.lines[-1].amount_minor == (9_999 % 90 + 1) * 100 + 50
    assert {line.entry_reference for line in parsed.lines} == {f"E{i}" for i in range(10_000)}
