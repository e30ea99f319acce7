"""The generator of the demo book: one chunk of accounts at a time, as rows ready for bulk writing.

A chunk is drawn from its own random generator, seeded with the run's seed and the chunk's first
account number, so the same seed gives the same book and a later seed run continues it.
"""

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass

from arrears.ledger.delinquency import bucket_for
from arrears.portfolio.seed.catalogue import COUNTRY_WEIGHTS, DPD_PROFILES, PORTFOLIOS, PRODUCTS
from arrears.portfolio.seed.debtors import DebtorMaker
from arrears.portfolio.seed.ledger import FX, Ids, LedgerMaker
from arrears.portfolio.seed.tables import NULL, new_rows

# Past this many days, instalment loans are terminated and bills end in a final bill: all falls due.
ACCELERATED_AFTER = 90
SECURED = frozenset({"personal_loan", "auto_loan", "mortgage"})
MAX_TABLED_DPD = 4000


class QuickRandom(random.Random):
    """random.Random with integer draws made from one random() each: deterministic, several times faster."""

    def randrange(self, start, stop=None):
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


def rf_reference(account_id: int) -> str:
    """make_rf(f"{pk:09d}") for a numeric body: "RF" is 2715 in ISO 7064 letters-to-digits."""
    body = f"{account_id:09d}"
    return f"RF{98 - int(body + '271500') % 97:02d}{body}"


class Dates:
    """Ordinals to the text the databases take, from tables made once (dates of birth to far maturities)."""

    def __init__(self, stamp_suffix: str, business_date: dt.date):
        self.first = dt.date(1940, 1, 1).toordinal()
        last = dt.date(business_date.year + 40, 12, 31)  # past the longest maturity
        self.days = [dt.date.fromordinal(o).isoformat() for o in range(self.first, last.toordinal() + 1)]
        self.stamps = [f"{day} 09:30:00{stamp_suffix}" for day in self.days]

    def day(self, ordinal: int) -> str:
        return self.days[ordinal - self.first]

    def stamp(self, ordinal: int) -> str:
        return self.stamps[ordinal - self.first]


@dataclass
class CreditorPlan:
    id: int
    kind: str
    mode: str
    rank: dict
    buckets: list
    bucket_min: dict
    by_dpd: list

    @classmethod
    def of(cls, creditor):
        rank = {component: i for i, component in enumerate(creditor.allocation_order)}
        rank["credit"] = len(rank)
        by_dpd = [bucket_for(d, creditor.buckets) for d in range(MAX_TABLED_DPD)]
        return cls(creditor.pk, creditor.kind, creditor.allocation_mode, rank, creditor.buckets,
                   {b["code"]: b["min"] for b in creditor.buckets}, by_dpd)

    def bucket(self, dpd: int) -> str:
        return self.by_dpd[dpd] if dpd < MAX_TABLED_DPD else bucket_for(dpd, self.buckets)


@dataclass
class PortfolioPlan:
    id: int
    creditor: CreditorPlan
    currency: str
    country: str
    mandate: str
    prefix: str
    placed_on: int
    products: list
    product_weights: list
    profile: list
    profile_weights: list


def _cumulative(weights):
    return list(itertools.accumulate(weights))


class Book:
    def __init__(self, *, seed: int, business_date: dt.date, pools, creditors: dict, portfolios: dict,
                 stamp_suffix: str):
        self.seed = seed
        self.business_date = business_date
        self.pools = pools
        self.dates = Dates(stamp_suffix, business_date)
        plans = {code: CreditorPlan.of(c) for code, c in creditors.items()}
        self.by_country = {}
        for spec in PORTFOLIOS:
            portfolio = portfolios[(spec.creditor, spec.code)]
            creditor = plans[spec.creditor]
            products = PRODUCTS[creditor.kind]
            profile = DPD_PROFILES[spec.mandate]
            plan = PortfolioPlan(portfolio.pk, creditor, portfolio.currency, spec.jurisdiction, spec.mandate,
                                 spec.prefix, portfolio.placed_on.toordinal(), [p for p, _ in products],
                                 _cumulative(w for _, w in products), [(lo, hi) for _, lo, hi in profile],
                                 _cumulative(w for w, _, _ in profile))
            self.by_country.setdefault(spec.jurisdiction, ([], []))
            plans_list, weights = self.by_country[spec.jurisdiction]
            plans_list.append(plan)
            weights.append((weights[-1] if weights else 0) + spec.weight)
        self.countries = list(COUNTRY_WEIGHTS)
        self.country_weights = _cumulative(COUNTRY_WEIGHTS.values())
        self.serial_base = seed * 7_919_000

    @staticmethod
    def _pick(rng, choices, cumulative):
        return choices[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]

    def chunk(self, start_index: int, count: int, bases: dict) -> tuple[dict, dict]:
        """Rows of accounts start_index .. start_index + count - 1, with ids from `bases`; and the next ids."""
        rng = QuickRandom(f"{self.seed}:{start_index}")
        rows = new_rows()
        ids = Ids(bases)
        ledger = LedgerMaker(self.business_date, self.dates, rows, ids)
        people = DebtorMaker(self.pools, self.dates, rows)
        today = ledger.today
        today_text = self.dates.day(today)
        next_debtor = bases["debtor"]
        account_id = bases["account"]
        recent = {country: [] for country in self.countries}
        accounts, links, spells = rows["accounts"], rows["account_debtors"], rows["spells"]
        for index in range(start_index, start_index + count):
            country = self._pick(rng, self.countries, self.country_weights)
            plans, weights = self.by_country[country]
            plan = self._pick(rng, plans, weights)
            creditor = plan.creditor
            product = self._pick(rng, plan.products, plan.product_weights)
            low, high = self._pick(rng, plan.profile, plan.profile_weights)
            target = low if low == high else rng.randint(low, high)
            reference = f"{plan.prefix}-S{self.seed}-{index:08d}"
            fx = FX[plan.currency]

            charge_off = None
            if plan.mandate == "owned" or target > ACCELERATED_AFTER:
                earliest = plan.placed_on if plan.mandate == "owned" else today - rng.randint(20, 400)
                placed, terminated, items, payments = ledger.charged_off(rng, product, target, fx, earliest,
                                                                         paid_off=target == 0)
                if creditor.kind in ("bank", "fund"):
                    charge_off = terminated
                contract = terminated - rng.randint(240, 3000)
            else:
                placed, items, payments = ledger.instalments(rng, product, target, fx)
                contract = min(items[0][1] - rng.randint(35, 1500), placed)
            balances, oldest, last_paid = ledger.post(rng, account_id, creditor, plan.currency, reference, placed,
                                                      items, payments)
            dpd = today - oldest if oldest is not None and oldest <= today else 0
            bucket = creditor.bucket(dpd)
            stamp = self.dates.stamp(placed)

            company = product == "sme_loan" or (creditor.kind in ("telco", "utility") and rng.random() < 0.07)
            serial = self.serial_base + index * 4
            pool = recent[country]
            if not company and pool and rng.random() < 0.06:
                primary = pool[rng.randrange(len(pool))]
                flags = None
            else:
                primary = next_debtor
                next_debtor += 1
                if company:
                    people.company(rng, country, serial, primary, stamp)
                else:
                    people.person(rng, country, serial, primary, stamp)
                    pool.append(primary)
                    if len(pool) > 500:
                        del pool[:250]
                flags = rows["debtors"][-1]
            links.append((account_id, primary, "primary"))
            r = rng.random()
            if (product in SECURED and r < 0.14) or (product == "sme_loan" and r < 0.35):
                people.person(rng, country, serial + 1, next_debtor, stamp)
                links.append((account_id, next_debtor, "co_borrower" if r < 0.08 and product != "sme_loan"
                               else "guarantor"))
                next_debtor += 1

            balance = sum(balances.values())
            closed_on = NULL
            if balance == 0 and last_paid is not None:
                status, closed_on = "paid", self.dates.day(last_paid)
            elif flags is not None and (flags[13] or flags[9]):  # disputed or deceased: on hold
                status = "hold"
            elif balances["costs"]:
                status = "legal"
            else:
                status = "active" if dpd else "placed"
            original = f"{rng.randrange(10**11, 10**12)}" if plan.mandate == "owned" else ""
            accounts.append((
                account_id, plan.id, creditor.id, reference, original, product, self.dates.day(contract),
                plan.currency, self.dates.day(charge_off) if charge_off else NULL, status, rf_reference(account_id),
                0, balances["principal"], balances["interest"], balances["fees"], balances["costs"],
                balances["penalties"], balances["credit"], self.dates.day(oldest) if oldest is not None else NULL,
                dpd, bucket, today_text, stamp, closed_on,
            ))
            if dpd:
                entered = min(max(placed, oldest + creditor.bucket_min[bucket]), today)
            else:
                entered = last_paid if last_paid is not None else placed
            spells.append((account_id, bucket, self.dates.day(entered)))
            account_id += 1
        ends = {"debtor": next_debtor, "account": account_id, "payment": ids.payment, "entry": ids.entry,
                "due_item": ids.due_item}
        return rows, ends
