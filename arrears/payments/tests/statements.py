"""Statement files written for tests: camt.053 messages in any supported version, built as text."""

from dataclasses import dataclass
from xml.sax.saxutils import escape

COLLECTION_IBAN = "GR1601101250000000012300695"
OTHER_IBAN = "PL61109010140000071219812874"


@dataclass
class Booking:
    amount: str
    currency: str = "EUR"
    credit: bool = True
    reference: str = ""  # the bank's AcctSvcrRef
    rf: str = ""  # structured creditor reference
    text: str = ""  # unstructured remittance
    name: str = "Test Payer"
    iban: str = "DE89370400440532013000"
    booked: str = "2026-11-20"
    value: str = "2026-11-20"
    reversal: bool = False
    transactions: list | None = None  # several TxDtls: list of Booking, each with its own amount


def _party(booking: Booking, version: int) -> str:
    role = "Dbtr" if booking.credit else "Cdtr"
    name = f"<Nm>{escape(booking.name)}</Nm>"
    party = f"<Pty>{name}</Pty>" if version >= 8 else name
    return (f"<RltdPties><{role}>{party}</{role}><{role}Acct><Id><IBAN>{booking.iban}</IBAN></Id>"
            f"</{role}Acct></RltdPties>")


def _remittance(booking: Booking) -> str:
    parts = []
    if booking.text:
        parts.append(f"<Ustrd>{escape(booking.text)}</Ustrd>")
    if booking.rf:
        parts.append("<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                     f"<Ref>{escape(booking.rf)}</Ref></CdtrRefInf></Strd>")
    return f"<RmtInf>{''.join(parts)}</RmtInf>" if parts else ""


def _transaction(booking: Booking, version: int, with_amount: bool) -> str:
    amount = f'<Amt Ccy="{booking.currency}">{booking.amount}</Amt>' if with_amount else ""
    direction = f"<CdtDbtInd>{'CRDT' if booking.credit else 'DBIT'}</CdtDbtInd>" if with_amount else ""
    refs = f"<Refs><AcctSvcrRef>{booking.reference}</AcctSvcrRef></Refs>" if with_amount and booking.reference else (
        "<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>")
    return f"<TxDtls>{refs}{amount}{direction}{_party(booking, version)}{_remittance(booking)}</TxDtls>"


def entry(booking: Booking, version: int = 8) -> str:
    status = "<Sts><Cd>BOOK</Cd></Sts>" if version >= 8 else "<Sts>BOOK</Sts>"
    reversal = "<RvslInd>true</RvslInd>" if booking.reversal else ""
    if booking.transactions:
        details = "".join(_transaction(tx, version, True) for tx in booking.transactions)
    else:
        details = _transaction(booking, version, False)
    reference = f"<AcctSvcrRef>{booking.reference}</AcctSvcrRef>" if booking.reference else ""
    return (f'<Ntry><Amt Ccy="{booking.currency}">{booking.amount}</Amt>'
            f"<CdtDbtInd>{'CRDT' if booking.credit else 'DBIT'}</CdtDbtInd>{reversal}{status}"
            f"<BookgDt><Dt>{booking.booked}</Dt></BookgDt><ValDt><Dt>{booking.value}</Dt></ValDt>{reference}"
            f"<NtryDtls>{details}</NtryDtls></Ntry>")


def camt053(bookings, *, iban: str = COLLECTION_IBAN, version: int = 8, message_id: str = "MSG-1",
            statement_id: str = "STMT-1") -> bytes:
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}"
    body = "".join(entry(b, version) for b in bookings)
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{namespace}"><BkToCstmrStmt>'
            f"<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-11-21T06:00:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            f"{body}</Stmt></BkToCstmrStmt></Document>").encode()
