"""The API's request and answer shapes (the OpenAPI document is generated from these)."""

import datetime as dt
import re
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, StrictBool
from pydantic_core import PydanticCustomError


def storable(value: str) -> str:
    """Text a database column can hold: PostgreSQL refuses the NUL character, so it is refused here."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", _("Text may not contain the NUL character."))
    return value


Text = Annotated[str, AfterValidator(storable)]  # every free text the API takes in: bodies, paths, queries

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value):
    """A date as the document gives it, YYYY-MM-DD: not a number read as a timestamp, nor a date and time."""
    if (isinstance(value, str) and ISO_DATE.fullmatch(value)) or type(value) is dt.date:
        return value
    raise PydanticCustomError("date_format", _("Give the date as YYYY-MM-DD."))


Day = Annotated[dt.date, BeforeValidator(iso_date)]  # every date the API takes in

AMOUNT = r"^-?\d{1,15}(\.\d{1,6})?$"
Amount = Field(pattern=AMOUNT, examples=["125.40"], description="Decimal amount in the currency, as text.")
Currency = Field(min_length=3, max_length=3, examples=["EUR"])
Reference = Field(min_length=1, max_length=64, description="The creditor's account reference.")
Component = Literal["principal", "interest", "fees", "costs", "penalties"]
Method = Literal["card", "transfer", "direct_debit", "cash", "cheque", "creditor", "other"]


class Message(Schema):
    detail: str


class FieldError(Schema):
    loc: list[str | int]
    msg: str
    type: str


class Invalid(Schema):
    detail: list[FieldError]


REFUSALS = {401: Message, 403: Message, 422: Invalid, 429: Message}


class Balances(Schema):
    principal: str
    interest: str
    fees: str
    costs: str
    penalties: str
    credit: str


class AccountState(Schema):
    id: int
    creditor_reference: str
    rf_reference: str
    status: str
    currency: str
    balances: Balances
    balance: str
    dpd: int
    bucket: str
    oldest_unpaid_due_date: dt.date | None
    closed_on: dt.date | None


class AccountPage(Schema):
    accounts: list[AccountState]
    next_cursor: str | None


# -- payments -------------------------------------------------------------------------------------

class PaymentRequest(Schema):
    account_reference: Text = Reference
    payment_id: Text = Field(min_length=1, max_length=100, description="The creditor's own id of the payment.")
    amount: str = Amount
    currency: Text = Currency
    value_date: Day
    method: Method = "transfer"
    allocation_hint: list[Component] | None = Field(
        default=None, description="Components to pay first, in order; the creditor's waterfall otherwise.")


class PaymentBatchRequest(Schema):
    payments: list[PaymentRequest] = Field(min_length=1, max_length=1000)


class PaymentOut(Schema):
    id: int
    payment_id: str
    account_reference: str
    amount: str
    currency: str
    value_date: dt.date
    method: str
    status: str
    posted_at: dt.datetime


class PaymentResult(Schema):
    created: bool = Field(description="False when this payment had been posted before; nothing new was written.")
    payment: PaymentOut
    account: AccountState


class PaymentBatchResult(Schema):
    results: list[PaymentResult]


class PaymentPage(Schema):
    payments: list[PaymentOut]
    next_cursor: str | None


class ReversalRequest(Schema):
    reason: Text = Field(min_length=1, max_length=200)


# -- adjustments ----------------------------------------------------------------------------------

class ChargeRequest(Schema):
    component: Component
    amount: str = Amount
    currency: Text = Currency
    due_date: Day


class ChargesRequest(Schema):
    charges: list[ChargeRequest] = Field(min_length=1, max_length=100)
    memo: Text = Field(default="", max_length=200)


class StatusRequest(Schema):
    status: Literal["active", "hold", "legal", "recalled", "closed"]
    reason: Text = Field(default="", max_length=500)


class WriteOffRequest(Schema):
    status: Literal["written_off", "settled"] = "written_off"
    reason: Text = Field(min_length=1, max_length=200)


class FlagsRequest(Schema):
    disputed: StrictBool | None = None
    bankrupt: StrictBool | None = None
    deceased: StrictBool | None = None
    vulnerable: StrictBool | None = None


class FlagsOut(Schema):
    debtors: int = Field(description="How many of the account's debtors were updated.")
    account: AccountState


# -- events ---------------------------------------------------------------------------------------

class EventOut(Schema):
    id: int
    type: str
    account_id: int | None
    created: dt.datetime
    data: dict


class EventPage(Schema):
    events: list[EventOut]
    next_cursor: str | None


# -- placements -----------------------------------------------------------------------------------

class IdentifierRequest(Schema):
    scheme: Text = Field(min_length=2, max_length=20, examples=["GR-AFM"])
    value: Text = Field(min_length=1, max_length=64)


class ContactPointRequest(Schema):
    kind: Literal["phone", "email", "address"]
    value: Text = Field(default="", max_length=254, description="The phone number or e-mail address.")
    address_line1: Text = Field(default="", max_length=200)
    address_line2: Text = Field(default="", max_length=200)
    postal_code: Text = Field(default="", max_length=20)
    city: Text = Field(default="", max_length=100)
    region: Text = Field(default="", max_length=100)
    country: Text = Field(default="", max_length=2)
    is_workplace: StrictBool = False
    is_primary: StrictBool = False


class DebtorRequest(Schema):
    role: Literal["primary", "co_borrower", "guarantor"] = "primary"
    kind: Literal["person", "company"] = "person"
    country: Text = Field(min_length=2, max_length=2, examples=["GR"])
    given_name: Text = Field(default="", max_length=100)
    family_name: Text = Field(default="", max_length=150)
    company_name: Text = Field(default="", max_length=200)
    responsible_person: Text = Field(default="", max_length=200)
    date_of_birth: Day | None = None
    preferred_language: Text = Field(default="", max_length=8)
    identifiers: list[IdentifierRequest] = Field(default_factory=list, max_length=10)
    contact_points: list[ContactPointRequest] = Field(default_factory=list, max_length=20)


class BalanceRequest(Schema):
    component: Component
    amount: str = Amount
    due_date: Day


class PlacementRequest(Schema):
    portfolio_code: Text = Field(min_length=1, max_length=40)
    creditor_reference: Text = Reference
    original_reference: Text = Field(default="", max_length=64)
    product: Literal["personal_loan", "credit_card", "mortgage", "auto_loan", "overdraft", "sme_loan", "telco",
                     "utility", "bnpl"]
    contract_date: Day
    charge_off_date: Day | None = None
    debtors: list[DebtorRequest] = Field(min_length=1, max_length=10)
    balances: list[BalanceRequest] = Field(default_factory=list, max_length=50,
                                           description="Opening balances; applied when the account is new.")


class PlacementBatchRequest(Schema):
    placements: list[PlacementRequest] = Field(min_length=1, max_length=1000)
    mode: Literal["all_or_nothing", "valid_only"] = "all_or_nothing"


class PlacementResultOut(Schema):
    row: int
    creditor_reference: str
    created: bool
    changed: list[str]
    errors: list[FieldError]
    account: AccountState | None


class PlacementBatchResult(Schema):
    applied: bool = Field(description="False when nothing was written (all or nothing with an invalid row).")
    results: list[PlacementResultOut]
