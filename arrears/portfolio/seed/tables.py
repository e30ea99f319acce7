"""The tables the seeder writes, the columns of each row it generates, in the order foreign keys need.

Columns that are always null for seeded rows (a payment's designation, an entry's reversal, a due
item's instalment number, a spell's exit) are left out and take the column's null. A ledger
entry is written as a charge (no payment) or a payment entry, as two row shapes of one table.
"""

from arrears.ledger.models import Allocation, BucketSpell, DueItem, LedgerEntry, Payment
from arrears.portfolio.models import Account, AccountDebtor, ContactPoint, Debtor, DebtorIdentifier


class _Null:
    """A null value whose text is PostgreSQL COPY's null marker, so rows join straight into COPY text."""

    __slots__ = ()

    def __str__(self):
        return "\\N"

    def __repr__(self):
        return "NULL"

    def __bool__(self):
        return False


NULL = _Null()

TABLES = [
    ("debtors", Debtor, ("id", "kind", "given_name", "family_name", "company_name", "responsible_person",
                         "date_of_birth", "country", "preferred_language", "deceased", "bankrupt", "vulnerable",
                         "do_not_contact", "disputed", "created_at")),
    ("identifiers", DebtorIdentifier, ("debtor_id", "scheme", "value_encrypted", "value_hash", "last_chars")),
    ("contact_points", ContactPoint, ("debtor_id", "kind", "phone_e164", "line_type", "is_workplace", "email",
                                      "address_line1", "address_line2", "postal_code", "city", "region", "country",
                                      "source", "confidence", "status", "is_primary", "call_opt_out_at",
                                      "sms_opt_out_at", "whatsapp_opt_out_at", "email_opt_out_at", "post_opt_out_at",
                                      "created_at")),
    ("accounts", Account, ("id", "portfolio_id", "creditor_id", "creditor_reference", "original_reference", "product",
                           "contract_date", "currency", "charge_off_date", "status", "rf_reference", "pause_days",
                           "principal_minor", "interest_minor", "fees_minor", "costs_minor", "penalties_minor",
                           "credit_minor", "oldest_unpaid_due_date", "dpd", "bucket", "dpd_as_of", "placed_at",
                           "closed_on")),
    ("account_debtors", AccountDebtor, ("account_id", "debtor_id", "role")),
    ("payments", Payment, ("id", "account_id", "creditor_id", "source", "external_id", "fingerprint", "amount_minor",
                           "currency", "value_date", "method", "status", "posted_at")),
    ("charges", LedgerEntry, ("id", "account_id", "component", "kind", "amount_minor", "currency", "effective_date",
                              "posted_at", "memo")),
    ("payment_entries", LedgerEntry, ("id", "account_id", "component", "kind", "amount_minor", "currency",
                                      "effective_date", "posted_at", "payment_id", "memo")),
    ("due_items", DueItem, ("id", "account_id", "component", "due_date", "amount_minor", "settled_minor")),
    ("allocations", Allocation, ("entry_id", "due_item_id", "amount_minor")),
    ("spells", BucketSpell, ("account_id", "bucket", "entered_on")),
]
# Row shapes that may hold NULL (the others never do).
NULLABLE = frozenset({"debtors", "contact_points", "accounts"})
# Tables whose ids the generator assigns, so that children can point at them.
RESERVED = {"debtor": Debtor, "account": Account, "payment": Payment, "entry": LedgerEntry, "due_item": DueItem}
MODELS = list(dict.fromkeys(model for _, model, _ in TABLES))


def new_rows() -> dict:
    return {name: [] for name, _, _ in TABLES}
