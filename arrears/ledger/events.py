"""The payloads of the account and payment events, built in one place so every emitter says the same."""

from arrears.core.events import EventIn
from arrears.core.money import from_minor
from arrears.ledger.models import Payment
from arrears.ledger.queries import account_state
from arrears.portfolio.models import Account

RECALLED = Account.Status.RECALLED


def payment_state(payment: Payment) -> dict:
    return {
        "id": payment.pk, "account_id": payment.account_id, "source": payment.source,
        "external_id": payment.external_id, "amount": str(from_minor(payment.amount_minor, payment.currency)),
        "currency": payment.currency, "value_date": payment.value_date.isoformat(), "method": payment.method,
        "status": payment.status,
    }


def status_changed_event(account: Account, old_status: str, reason: str) -> EventIn:
    """account.recalled when the creditor took the account back, account.status_changed otherwise."""
    name = "account.recalled" if account.status == RECALLED else "account.status_changed"
    return EventIn(name, account.creditor_id, account_id=account.pk,
                   payload={"old_status": old_status, "reason": reason, "account": account_state(account)})
