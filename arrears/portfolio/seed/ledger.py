"""The ledger of one seeded account: contractual schedule, placement charges, payment history.

The shape is what `place_account` (one charge entry and one due item per placed amount) followed
by `post_payments` (per payment: entries per component, allocations per due item, following the
creditor's waterfall) would write. Allocation runs here on plain lists in the same order as
`arrears.ledger.allocation.settlement_order`, which the tests compare against.

Dates are proleptic ordinals (ints) until they are written.
"""

import datetime as dt
import hashlib
import math

from arrears.ledger.allocation import DUE_DATE_FIRST

SOURCE = "seed"
MEMO = "placement balance"
BILLS = frozenset({"telco", "utility"})
# Principal outstanding at placement, in euros: (median, spread of its logarithm), and yearly rate.
AMOUNTS = {
    "credit_card": (2_400, 0.8, 0.21), "personal_loan": (8_500, 0.7, 0.11), "overdraft": (1_300, 0.7, 0.18),
    "auto_loan": (11_000, 0.5, 0.08), "mortgage": (92_000, 0.5, 0.045), "sme_loan": (38_000, 0.9, 0.075),
    "bnpl": (320, 0.5, 0.0), "telco": (75, 0.5, 0.0), "utility": (110, 0.6, 0.0),
}
# Remaining contractual months of an instalment product (lowest, highest).
TERMS = {"personal_loan": (12, 60), "auto_loan": (12, 60), "mortgage": (60, 300), "sme_loan": (12, 84),
         "credit_card": (24, 48), "overdraft": (12, 24), "bnpl": (2, 4)}
# Euros to the currency, so amounts look right in each (RUB and MXN are larger numbers).
FX = {"EUR": 1.0, "PLN": 4.3, "RUB": 95.0, "MXN": 19.0, "USD": 1.1}
METHODS = ("transfer", "transfer", "transfer", "card", "card", "direct_debit", "cash", "creditor")


def fingerprint(account_id: int, amount: int, currency: str, value_date: str, method: str) -> str:
    """PaymentIn.fingerprint() for a payment without designation, without building the dict."""
    body = (f'{{"account": {account_id}, "amount": {amount}, "currency": "{currency}", "designation": null, '
            f'"method": "{method}", "value_date": "{value_date}"}}')
    return hashlib.sha256(body.encode()).hexdigest()


class Ids:
    """Next primary keys of the tables whose rows others point at."""

    def __init__(self, bases: dict):
        self.payment = bases["payment"]
        self.entry = bases["entry"]
        self.due_item = bases["due_item"]


class LedgerMaker:
    """Schedules and payment histories of one chunk's accounts, appended to the chunk's rows."""

    def __init__(self, business_date: dt.date, dates, rows, ids: Ids):
        self.today = business_date.toordinal()
        self.today_ym = business_date.year * 12 + business_date.month - 1  # months since year 0
        self.dates = dates
        self.rows = rows
        self.ids = ids
        self._due = {}

    def due_on(self, ym: int, day: int) -> int:
        """The ordinal of day `day` of month `ym`."""
        key = ym * 32 + day
        found = self._due.get(key)
        if found is None:
            found = self._due[key] = dt.date(ym // 12, ym % 12 + 1, day).toordinal()
        return found

    def ym_of(self, ordinal: int) -> int:
        d = dt.date.fromordinal(ordinal)
        return d.year * 12 + d.month - 1

    # -- schedules ------------------------------------------------------------------------------

    def instalments(self, rng, product: str, dpd: int, fx: float):
        """Early arrears or current: monthly instalments (or bills) around the oldest unpaid one.

        Returns (placed on, items, payments) with items as [component, due, amount] and payments
        as (value date, amount)."""
        today = self.today
        day = 1 + rng.randrange(28)
        last_ym = self.today_ym if self.due_on(self.today_ym, day) <= today else self.today_ym - 1
        if dpd == 0:
            oldest_ym = last_ym + 1
        else:
            oldest_ym = self.ym_of(today - dpd)
            if self.due_on(oldest_ym, day) > today - dpd:
                oldest_ym -= 1
        oldest = self.due_on(oldest_ym, day)
        placed = min(oldest + rng.randint(-65, min(dpd, 45) if dpd else -10), today - 1)
        if placed > oldest:
            first_ym = oldest_ym
        else:
            first_ym = self.ym_of(placed)
            if self.due_on(first_ym, day) < placed:
                first_ym += 1
        median, spread, rate = AMOUNTS[product]
        items = []
        owed = {}  # what falls due on each date
        if product in BILLS:
            bill = median * fx * 100
            for ym in range(first_ym, last_ym + 2):
                due = self.due_on(ym, day)
                owed[due] = amount = int(bill * (0.7 + 0.6 * rng.random()))
                items.append(["principal", due, amount])
        else:
            outstanding = int(rng.lognormvariate(math.log(median), spread) * fx * 100)
            low, high = TERMS[product]
            count = last_ym + 1 - first_ym  # instalments due so far; the rest of the principal falls due later
            term = max(count + 1, rng.randint(low, high))
            principal = outstanding // term
            interest = int(outstanding * rate / 12)
            for ym in range(first_ym, last_ym + 1):
                due = self.due_on(ym, day)
                owed[due] = principal + interest
                items.append(["principal", due, principal])
                if interest:
                    items.append(["interest", due, interest])
            items.append(["principal", self.due_on(first_ym + term, day), outstanding - principal * count])
        payments = []
        for ym in range(first_ym, oldest_ym):
            due = self.due_on(ym, day)
            if due >= placed:
                payments.append((min(max(due + rng.randint(-5, 7), placed), today), owed[due]))
        if dpd > 15 and rng.random() < 0.5:
            items.append(["fees", oldest + 15, int((10 + 30 * rng.random()) * fx * 100)])
        if dpd and rng.random() < 0.3 and oldest in owed:
            payments.append((oldest + 1 + rng.randrange(dpd), int(owed[oldest] * (0.2 + 0.6 * rng.random()))))
        return placed, items, payments

    def charged_off(self, rng, product: str, dpd: int, fx: float, earliest_placement: int, paid_off: bool):
        """Late stage: the balance fell due at default; interest, fees, penalties and costs since.

        Returns (placed on, charged off on, items, payments)."""
        today = self.today
        default = today - dpd
        terminated = min(default + (rng.randint(60, 180) if dpd > 60 else 0), today - 1)
        placed = max(earliest_placement + rng.randrange(60), terminated)
        if placed >= today:
            placed = today - 1
        median, spread, rate = AMOUNTS[product]
        outstanding = int(rng.lognormvariate(math.log(median), spread) * fx * 100)
        items = [["principal", default, outstanding]]
        if rate:
            accrued = outstanding * rate * min(dpd, 720) / 365
            items.append(["interest", terminated, int(accrued * (0.4 + 0.6 * rng.random()))])
        r = rng.random()
        if r < 0.55:
            items.append(["fees", terminated, int((20 + 100 * rng.random()) * fx * 100)])
        if r < 0.2:
            items.append(["penalties", terminated, int(outstanding * (0.01 + 0.03 * rng.random()))])
        if dpd > 365 and rng.random() < 0.3 and terminated + 30 < today:
            items.append(["costs", terminated + rng.randint(30, min(300, today - terminated)),
                          int((150 + 1050 * rng.random()) * fx * 100)])
        total = sum(item[2] for item in items)
        span = today - placed
        payments = []
        r = rng.random()
        if paid_off or r < 0.04:
            parts = rng.randint(1, 3)
            dates = sorted(placed + 1 + rng.randrange(span) for _ in range(parts))
            share = total // parts
            payments = [(d, share) for d in dates[:-1]] + [(dates[-1], total - share * (parts - 1))]
        elif r < 0.56:
            pass
        elif r < 0.74:
            payments.append((placed + 1 + rng.randrange(span), max(100, int(total * (0.05 + 0.35 * rng.random())))))
        else:
            amount = max(100, int(total * (0.01 + 0.03 * rng.random())))
            when = max(placed + rng.randint(10, 60), today - 24 * 30)
            paid = 0
            while when <= today and paid + amount < total:
                payments.append((when, amount))
                paid += amount
                when += rng.randint(28, 33)
        return placed, terminated, items, payments

    # -- posting --------------------------------------------------------------------------------

    def post(self, rng, account_id: int, creditor, currency: str, reference: str, placed: int, items, payments):
        """Write charges, due items, payments, entries and allocations; return the account's ledger state."""
        rows, ids = self.rows, self.ids
        days, stamps, first = self.dates.days, self.dates.stamps, self.dates.first
        placed_day, placed_stamp = days[placed - first], stamps[placed - first]
        add_charge = rows["charges"].append
        entry_id, item_id = ids.entry, ids.due_item
        balances = {"principal": 0, "interest": 0, "fees": 0, "costs": 0, "penalties": 0, "credit": 0}
        # [id, component, due, amount, settled]: ids in placement order, as post_charges gives them.
        placed_items = []
        for component, due, amount in items:
            if amount > 0:
                placed_items.append([item_id, component, due, amount, 0])
                add_charge((entry_id, account_id, component, "charge", amount, currency, placed_day, placed_stamp,
                            MEMO))
                item_id += 1
                entry_id += 1
                balances[component] += amount
        last_paid = None
        if payments:
            rank = creditor.rank
            if creditor.mode == DUE_DATE_FIRST:
                order = sorted(placed_items, key=lambda i: (i[2], rank[i[1]], i[0]))
            else:
                order = sorted(placed_items, key=lambda i: (rank[i[1]], i[2], i[0]))
            payments.sort()
            add_payment, add_entry, add_allocation = (rows["payments"].append, rows["payment_entries"].append,
                                                      rows["allocations"].append)
            payment_id = ids.payment
            number = 0
            for value_date, amount in payments:
                if amount <= 0:
                    continue
                number += 1
                value_day, stamp = days[value_date - first], stamps[value_date - first]
                method = METHODS[int(rng.random() * len(METHODS))]
                add_payment((payment_id, account_id, creditor.id, SOURCE, f"{reference}-P{number:03d}",
                             fingerprint(account_id, amount, currency, value_day, method), amount, currency,
                             value_day, method, "posted", stamp))
                last_paid = value_date
                left = amount
                shares = []  # (component, item id, amount) in waterfall order
                # What had fallen due by the value date first, as post_payments allocates (due_by).
                due_first = [i for i in order if i[2] <= value_date] + [i for i in order if i[2] > value_date]
                for item in due_first:
                    open_minor = item[3] - item[4]
                    if open_minor > 0:
                        take = open_minor if open_minor < left else left
                        item[4] += take
                        shares.append((item[1], item[0], take))
                        left -= take
                        if not left:
                            break
                if left:
                    shares.append(("credit", None, left))
                if len(shares) == 1:  # the common case: one due item takes the whole payment
                    component, share_item, take = shares[0]
                    add_entry((entry_id, account_id, component, "payment", -take, currency, value_day, stamp,
                               payment_id, ""))
                    balances[component] -= take
                    if share_item is not None:
                        add_allocation((entry_id, share_item, take))
                    entry_id += 1
                    payment_id += 1
                    continue
                # One entry per component, in the order components first appear (as post_payments groups them).
                components = []
                for share in shares:
                    if share[0] not in components:
                        components.append(share[0])
                for component in components:
                    mine = [share for share in shares if share[0] == component]
                    total = sum(share[2] for share in mine)
                    add_entry((entry_id, account_id, component, "payment", -total, currency, value_day, stamp,
                               payment_id, ""))
                    balances[component] -= total
                    for _component, share_item, take in mine:
                        if share_item is not None:
                            add_allocation((entry_id, share_item, take))
                    entry_id += 1
                payment_id += 1
            ids.payment = payment_id
        ids.entry, ids.due_item = entry_id, item_id
        add_due = rows["due_items"].append
        oldest = None
        for placed_id, component, due, amount, settled in placed_items:
            add_due((placed_id, account_id, component, days[due - first], amount, settled))
            if settled < amount and (oldest is None or due < oldest):
                oldest = due
        return balances, oldest, last_paid
