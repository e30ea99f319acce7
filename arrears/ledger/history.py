"""An account month by month: at each month's end what was owed, how much of it was overdue, how many days
past due, and what was paid in the month. Rebuilt from the ledger (entries, due items, allocations), so it
agrees with the balances and needs no snapshot table.

`months_of` is pure; `monthly_history` loads one account's rows for it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from arrears.ledger.delinquency import days_past_due, oldest_unpaid_due_date
from arrears.ledger.models import Allocation, DueItem, LedgerEntry, Payment


@dataclass(frozen=True)
class Month:
    end: dt.date  # the month's last day, or today for the running month
    owed_minor: int
    overdue_minor: int
    dpd: int
    paid_minor: int


@dataclass(frozen=True)
class _Open:
    due_date: dt.date
    open_minor: int


def month_ends(today: dt.date, count: int) -> list[dt.date]:
    """The last `count` month ends up to today, oldest first; the running month ends today."""
    ends, end = [today], today.replace(day=1) - dt.timedelta(days=1)
    while len(ends) < count:
        ends.append(end)
        end = end.replace(day=1) - dt.timedelta(days=1)
    return ends[::-1]


def months_of(*, entries, due_items, allocations, payments, today: dt.date, count: int = 12,
              pause_days: int = 0) -> list[Month]:
    """entries: (effective_date, amount_minor); due_items: (id, due_date, amount_minor); allocations:
    (due_item_id, effective_date of its entry, amount_minor; negative when a payment was reversed); payments:
    (value_date, amount_minor) of the payments that stand. Months before the first entry are left out."""
    if not entries:
        return []
    first = min(day for day, _amount in entries)
    rows = []
    for end in month_ends(today, count):
        if (end.year, end.month) < (first.year, first.month):
            continue
        start = end.replace(day=1)
        settled = defaultdict(int)
        for item_id, day, amount in allocations:
            if day <= end:
                settled[item_id] += amount
        open_items = [_Open(due, amount - settled[item_id]) for item_id, due, amount in due_items if due <= end]
        rows.append(Month(
            end=end, owed_minor=max(sum(amount for day, amount in entries if day <= end), 0),
            overdue_minor=sum(max(i.open_minor, 0) for i in open_items),
            dpd=days_past_due(oldest_unpaid_due_date(open_items, end), end, pause_days),
            paid_minor=sum(amount for day, amount in payments if start <= day <= end)))
    return rows


def monthly_history(account, today: dt.date, count: int = 12) -> list[Month]:
    """A payment returned unpaid is left out of every month, with its reversal, as if it never came: the
    months show what stood once it was known (the list of payments shows it, marked)."""
    returned = Payment.Status.REVERSED
    entries = list(LedgerEntry.objects.filter(account=account, effective_date__lte=today)
                   .exclude(payment__status=returned).values_list("effective_date", "amount_minor"))
    due_items = list(DueItem.objects.filter(account=account).values_list("pk", "due_date", "amount_minor"))
    allocations = list(Allocation.objects.filter(due_item__account=account).exclude(entry__payment__status=returned)
                       .values_list("due_item_id", "entry__effective_date", "amount_minor"))
    payments = list(Payment.objects.filter(account=account, status=Payment.Status.POSTED, value_date__lte=today)
                    .values_list("value_date", "amount_minor"))
    return months_of(entries=entries, due_items=due_items, allocations=allocations, payments=payments, today=today,
                     count=count, pause_days=account.pause_days)
