"""Read-side selectors of the ledger, including the integrity check operators and tests rely on."""

from collections import defaultdict

from django.db.models import F, Sum

from arrears.ledger import delinquency
from arrears.ledger.allocation import OpenItem
from arrears.ledger.models import Allocation, Component, DueItem, LedgerEntry
from arrears.portfolio.models import Account

BALANCE_FIELDS = {
    Component.PRINCIPAL: "principal_minor",
    Component.INTEREST: "interest_minor",
    Component.FEES: "fees_minor",
    Component.COSTS: "costs_minor",
    Component.PENALTIES: "penalties_minor",
    Component.CREDIT: "credit_minor",
}


def ledger_discrepancies(account_ids=None, business_date=None, limit: int = 100) -> list[str]:
    """What does not add up: running balances vs. the sum of entries, settled amounts vs.
    allocations, oldest unpaid date vs. due items, and DPD/bucket vs. the business date when given.
    An empty list means the ledger is consistent."""
    accounts = Account.objects.select_related("creditor")
    entries = LedgerEntry.objects.all()
    items = DueItem.objects.all()
    allocations = Allocation.objects.all()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=account_ids)
        entries = entries.filter(account_id__in=account_ids)
        items = items.filter(account_id__in=account_ids)
        allocations = allocations.filter(due_item__account_id__in=account_ids)

    sums = defaultdict(int)
    for row in entries.values("account_id", "component").annotate(total=Sum("amount_minor")):
        sums[(row["account_id"], row["component"])] = row["total"]
    settled = {row["due_item_id"]: row["total"]
               for row in allocations.values("due_item_id").annotate(total=Sum("amount_minor"))}
    open_items = defaultdict(list)
    problems = []
    for item in items.iterator(chunk_size=5000):
        if settled.get(item.pk, 0) != item.settled_minor:
            problems.append(f"due item {item.pk}: settled {item.settled_minor}, allocations {settled.get(item.pk, 0)}")
        if item.settled_minor < item.amount_minor:
            open_items[item.account_id].append(
                OpenItem(item.pk, item.component, item.due_date, item.amount_minor - item.settled_minor))
    for account in accounts.iterator(chunk_size=5000):
        for component, name in BALANCE_FIELDS.items():
            if getattr(account, name) != sums[(account.pk, component)]:
                problems.append(f"account {account.pk}: {component} {getattr(account, name)} "
                                f"but entries sum to {sums[(account.pk, component)]}")
        oldest = min((i.due_date for i in open_items[account.pk]), default=None)
        if oldest != account.oldest_unpaid_due_date:
            problems.append(f"account {account.pk}: oldest unpaid {account.oldest_unpaid_due_date}, items say {oldest}")
        if business_date is not None:
            dpd = delinquency.days_past_due(oldest, business_date, account.pause_days)
            if dpd != account.dpd or delinquency.bucket_for(dpd, account.creditor.buckets) != account.bucket:
                problems.append(f"account {account.pk}: dpd {account.dpd}/{account.bucket}, expected {dpd}")
        if len(problems) >= limit:
            break
    return problems[:limit]


def balance_by_component(account: Account) -> dict[str, int]:
    """Balances straight from the entries (the running totals on Account must equal these)."""
    rows = LedgerEntry.objects.filter(account=account).values("component").annotate(total=Sum("amount_minor"))
    return {row["component"]: row["total"] for row in rows}


def arrears_minor(account: Account, business_date) -> int:
    """The amount already due and unpaid as of the business date."""
    total = (DueItem.objects.filter(account=account, due_date__lte=business_date)
             .aggregate(total=Sum(F("amount_minor") - F("settled_minor"))))["total"]
    return total or 0


def account_state(account: Account) -> dict:
    """What a creditor (and every subscriber) needs to know of an account now: JSON-safe, amounts as
    decimal strings in the account's currency."""
    from arrears.core.money import from_minor

    balances = {component: str(from_minor(getattr(account, name), account.currency))
                for component, name in BALANCE_FIELDS.items()}
    return {
        "id": account.pk, "creditor_reference": account.creditor_reference, "rf_reference": account.rf_reference,
        "status": account.status, "currency": account.currency, "balances": balances,
        "balance": str(from_minor(account.balance_minor, account.currency)),
        "dpd": account.dpd, "bucket": account.bucket,
        "oldest_unpaid_due_date": _iso(account.oldest_unpaid_due_date), "closed_on": _iso(account.closed_on),
    }


def _iso(day):
    return day.isoformat() if day else None
