"""Read side of payments: where and how a debtor pays, and finding an account for a manual match."""

from django.db.models import F, Q
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from arrears.payments.models import CollectionAccount
from arrears.portfolio.models import Account


def _grouped(value: str) -> str:
    """IBANs and RF references are printed in groups of four for people to copy."""
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def collection_account_for(account: Account) -> CollectionAccount | None:
    """The active collection account for the account's portfolio, else the creditor-wide one, in the
    account's currency."""
    return (CollectionAccount.objects
            .filter(creditor_id=account.creditor_id, currency=account.currency, is_active=True)
            .filter(Q(portfolio_id=account.portfolio_id) | Q(portfolio__isnull=True))
            .order_by(F("portfolio_id").asc(nulls_last=True), "pk").first())


def payment_instructions(account: Account) -> dict:
    """What a letter or the portal prints: "pay to IBAN X (BIC, holder) with reference RF..".

    Bank fields are None when the creditor has no collection account in the account's currency."""
    collection = collection_account_for(account)
    iban = collection.iban if collection else None
    try:
        iban_display = IBAN(iban).formatted if iban else None
    except SchwiftyException:
        iban_display = iban
    return {
        "iban": iban,
        "iban_display": iban_display,
        "bic": (collection.bic or None) if collection else None,
        "holder_name": collection.holder_name if collection else None,
        "currency": account.currency,
        "rf_reference": account.rf_reference,
        "rf_reference_display": _grouped(account.rf_reference),
        "collection_account_id": collection.pk if collection else None,
    }


def account_for_manual_match(actor, creditor_id: int, reference: str) -> Account | None:
    """The creditor's account with this RF reference or creditor's reference, as the actor may see it."""
    text = reference.strip()
    compact = text.upper().replace(" ", "")
    visible = Account.objects.visible_to(actor).filter(creditor_id=creditor_id)
    return (visible.filter(rf_reference=compact).first()
            or visible.filter(creditor_reference=text).first()
            or visible.filter(creditor_reference__iexact=text).first())
