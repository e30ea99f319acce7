"""What the routes share: finding the caller's accounts, answers built from domain rows, cursors."""

from django.http import Http404
from django.utils.translation import gettext as _

from arrears.api.errors import InvalidQuery
from arrears.core.money import Money, check_currency
from arrears.ledger.events import payment_state
from arrears.portfolio.models import Account

PAGE = 100
MAX_PAGE = 1000


def account_for(actor, reference: str, action: str) -> Account:
    """The caller's account by its reference, through the one scoping mechanism."""
    found = Account.objects.visible_to(actor, action).filter(creditor_reference=reference).first()
    if found is None:
        raise Http404(_("No account with reference %(ref)s.") % {"ref": reference})
    return found


def account_ids_by_reference(actor, references, action: str) -> dict[str, int]:
    """The ids of the caller's accounts by reference; the services load (and lock) the accounts themselves."""
    return dict(Account.objects.visible_to(actor, action).filter(creditor_reference__in=set(references))
                .values_list("creditor_reference", "pk"))


def sent_money(amount: str, currency: str, at: str = "") -> Money:
    """An amount as the caller sent it, each part refused at its own field (`at`: "", "payments[3]." ...)."""
    return Money.of(amount, check_currency(currency.upper(), f"{at}currency"), f"{at}amount", exact=True)


def payment_out(payment, reference: str) -> dict:
    paid = payment_state(payment)
    return {"id": paid["id"], "payment_id": paid["external_id"], "account_reference": reference,
            "amount": paid["amount"], "currency": paid["currency"], "value_date": paid["value_date"],
            "method": paid["method"], "status": paid["status"], "posted_at": payment.posted_at.isoformat()}


def after_cursor(cursor: str | None) -> int:
    """Cursors are the last id seen, as text; anything else is refused with a clear message."""
    if cursor in (None, ""):
        return 0
    if not cursor.isdigit() or len(cursor) > 18:
        raise InvalidQuery({"cursor": [_("“%(value)s” is not a cursor from an earlier page.")
                                       % {"value": cursor[:40]}]})
    return int(cursor)


def page_size(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidQuery({"limit": [_("The page size must be between 1 and %(max)s.") % {"max": MAX_PAGE}]})
    return limit
