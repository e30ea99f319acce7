"""Payment posting with allocation, in bulk: `arrears bench ledger --payments 200000`.

In a scratch database: seed a book, then post N payments through `post_payments` in batches
(as the creditor API and bank-statement imports do), a share of them replays of payments already
posted and a share overpaying. Baseline in the same run: payments posted one at a time through
`post_payment`, as a cashier would. The ledger is checked for consistency afterwards.
"""

import argparse
import datetime as dt
import random
import sys

from bench._common import emit, scratch_database, stopwatch


def build_payments(accounts, count: int, rng: random.Random, value_date: dt.date, prefix: str):
    """Payments over the given (id, currency, balance_minor) rows: mostly part-payments, some overpaying,
    some replays of an earlier payment (same id, same content), as bank files and retried API calls bring."""
    from arrears.core.money import Money
    from arrears.ledger.services import PaymentIn

    payments = []
    for n in range(count):
        if payments and rng.random() < 0.02:
            payments.append(payments[rng.randrange(len(payments))])
            continue
        account_id, currency, balance = accounts[rng.randrange(len(accounts))]
        share = 1.2 if rng.random() < 0.03 else rng.uniform(0.01, 0.15)
        amount = max(1, int(max(balance, 1000) * share))
        payments.append(PaymentIn(account_id=account_id, amount=Money(amount, currency), source="bench",
                                  external_id=f"{prefix}-{n}", value_date=value_date))
    return payments


def main(argv):
    parser = argparse.ArgumentParser(prog="arrears bench ledger")
    parser.add_argument("--payments", type=int, default=200_000)
    parser.add_argument("--accounts", type=int, default=None, help="book size (default: payments / 4)")
    parser.add_argument("--batch", type=int, default=1000, help="payments per post_payments call")
    parser.add_argument("--baseline", type=int, default=None, help="payments posted one by one (default: 1%%)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    accounts_n = args.accounts or max(1000, args.payments // 4)
    baseline_n = args.baseline or max(200, args.payments // 100)

    from django.db import connection

    from arrears.core.actors import SystemActor
    from arrears.core.clock import business_date
    from arrears.ledger.queries import ledger_discrepancies
    from arrears.ledger.services import post_payment, post_payments
    from arrears.portfolio.models import Account
    from arrears.portfolio.seed import seed_book

    actor = SystemActor("bench")
    rng = random.Random(args.seed)
    with scratch_database():
        print(f"seeding {accounts_n} accounts ...", file=sys.stderr, flush=True)
        seed_book(accounts=accounts_n, seed=args.seed)
        today = business_date()
        book = list(Account.objects.filter(status__in=Account.OPEN_STATUSES)
                    .values_list("pk", "currency", "principal_minor"))
        value_date = today - dt.timedelta(days=1)

        baseline = build_payments(book, baseline_n, rng, value_date, "one")
        with stopwatch() as one_by_one:
            for payment in baseline:
                post_payment(actor=actor, payment=payment, business_date=today)

        bulk = build_payments(book, args.payments, rng, value_date, "bulk")
        print(f"posting {len(bulk)} payments in batches of {args.batch} ...", file=sys.stderr, flush=True)
        with stopwatch() as timing:
            for start in range(0, len(bulk), args.batch):
                post_payments(actor=actor, payments=bulk[start:start + args.batch], business_date=today)

        touched = sorted({p.account_id for p in rng.sample(bulk, min(2000, len(bulk)))})
        problems = ledger_discrepancies(account_ids=touched, business_date=today)
        replays = len(bulk) - len({p.external_id for p in bulk})
        vendor = connection.vendor

    per_s = args.payments / timing["seconds"]
    baseline_per_s = baseline_n / one_by_one["seconds"]
    emit({
        "bench": "ledger", "payments": args.payments, "seconds": round(timing["seconds"], 2),
        "payments_per_s": round(per_s), "baseline_payments_per_s": round(baseline_per_s),
        "speedup": round(per_s / baseline_per_s, 2), "batch": args.batch, "replays": replays,
        "accounts": accounts_n, "discrepancies_in_sample": len(problems), "database": vendor,
    })
