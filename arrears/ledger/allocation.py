"""The allocation waterfall: which open due items a payment settles, in what order. Pure functions."""

from dataclasses import dataclass

COMPONENT_FIRST = "component_first"
DUE_DATE_FIRST = "due_date_first"


@dataclass(frozen=True, slots=True)
class OpenItem:
    id: int
    component: str
    due_date: object  # datetime.date
    open_minor: int


@dataclass(frozen=True, slots=True)
class Share:
    item_id: int | None  # None: nothing left to settle, held as credit
    component: str
    amount_minor: int


def settlement_order(items, order, mode=COMPONENT_FIRST, designation=None, due_by=None):
    """Open items in the order a payment pays them.

    component_first: every cost before any fee, and so on, oldest due first within a component.
    due_date_first: the oldest due date first, its components in `order` (Polish civil code art. 451).
    A debtor's designation (a list of components) pays those components first, then the rest as usual.
    With `due_by` (the payment's value date), what has fallen due by then is paid before anything not
    yet due, so paying on time never leaves an overdue instalment open behind a future one.
    """
    rank = {component: i for i, component in enumerate(order)}
    last = len(order)
    chosen = {component: i for i, component in enumerate(designation or [])}
    far = len(chosen)

    def key(item):
        designated = chosen.get(item.component, far)
        not_yet_due = due_by is not None and item.due_date > due_by
        if mode == DUE_DATE_FIRST:
            return (designated, not_yet_due, item.due_date, rank.get(item.component, last), item.id)
        return (designated, not_yet_due, rank.get(item.component, last), item.due_date, item.id)

    return sorted((i for i in items if i.open_minor > 0), key=key)


def allocate(amount_minor, items, order, mode=COMPONENT_FIRST, designation=None, due_by=None):
    """Split a payment over open items; what is left over is one credit share. Cents are conserved."""
    if amount_minor <= 0:
        raise ValueError("a payment allocates a positive amount")
    shares = []
    left = amount_minor
    for item in settlement_order(items, order, mode, designation, due_by):
        if left == 0:
            break
        take = min(left, item.open_minor)
        shares.append(Share(item.id, item.component, take))
        left -= take
    if left:
        shares.append(Share(None, "credit", left))
    return shares
