"""Benchmark: seed a demo book in bulk, against the same accounts placed one by one through the services.

    arrears bench seed --accounts 100000 [--seed 1] [--baseline 2000]

The baseline takes accounts from the same generator and writes each through `place_account` and
`post_payments`, the path an integration would take; the ratio of the two rates is the speedup.
"""

import argparse
import sys

from bench._common import emit, scratch_database, stopwatch


def _baseline_inputs(count: int, seed: int, first_index: int):
    """`count` accounts from the seeding generator, as the inputs of the placement and payment services."""
    from arrears.core.clock import business_date
    from arrears.core.crypto import decrypt
    from arrears.core.money import Money
    from arrears.ledger.services import ChargeIn
    from arrears.portfolio.models import Portfolio
    from arrears.portfolio.seed.book import Book
    from arrears.portfolio.seed.catalogue import ensure_catalogue
    from arrears.portfolio.seed.people import build_pools
    from arrears.portfolio.seed.tables import NULL
    from arrears.portfolio.services import AccountIn, ContactPointIn, DebtorIn, IdentifierIn

    today = business_date()
    creditors, portfolios = ensure_catalogue(today)
    book = Book(seed=seed, business_date=today, pools=build_pools(seed), creditors=creditors, portfolios=portfolios,
                stamp_suffix="")
    rows, _ends = book.chunk(first_index, count, {"debtor": 1, "account": 1, "payment": 1, "entry": 1,
                                                  "due_item": 1})

    def value(v):
        return None if v is NULL else v

    debtors = {}
    for row in rows["debtors"]:
        debtors[row[0]] = DebtorIn(country=row[7], kind=row[1], given_name=row[2], family_name=row[3],
                                   company_name=row[4], responsible_person=row[5],
                                   date_of_birth=_date(value(row[6])), preferred_language=row[8])
    for debtor_id, scheme, encrypted, _hash, _last in rows["identifiers"]:
        debtors[debtor_id].identifiers.append(IdentifierIn(scheme, decrypt(encrypted, scheme)))
    for row in rows["contact_points"]:
        debtors[row[0]].contact_points.append(ContactPointIn(
            kind=row[1], value=row[2] or row[5], address_line1=row[6], postal_code=row[8], city=row[9],
            region=row[10], country=row[11], source=row[12], confidence=row[13], is_workplace=row[4],
            is_primary=row[15]))
    links = {}
    for account_id, debtor_id, role in rows["account_debtors"]:
        links.setdefault(account_id, []).append((debtors[debtor_id], role))
    charges = {}
    for row in rows["due_items"]:
        charges.setdefault(row[1], []).append((row[2], row[3], row[4]))
    payments = {}
    for row in rows["payments"]:
        payments.setdefault(row[1], []).append(row)
    portfolio_by_id = {p.pk: p for p in Portfolio.objects.all()}
    inputs = []
    for row in rows["accounts"]:
        account_id, portfolio_id, currency = row[0], row[1], row[7]
        account = AccountIn(creditor_reference=row[3], product=row[5], contract_date=_date(row[6]),
                            original_reference=row[4], charge_off_date=_date(value(row[8])),
                            debtors=links[account_id])
        balance = [ChargeIn(component, Money(amount, currency), _date(due))
                   for component, due, amount in charges.get(account_id, [])]
        paid = [(p[4], Money(p[6], currency), _date(p[8]), p[9]) for p in payments.get(account_id, [])]
        inputs.append((portfolio_by_id[portfolio_id], account, balance, paid))
    return inputs


def _date(text):
    import datetime as dt

    return dt.date.fromisoformat(text) if text else None


def _run_baseline(inputs) -> None:
    from arrears.core.actors import SEED
    from arrears.ledger.services import PaymentIn, post_payments
    from arrears.portfolio.services import place_account

    for portfolio, account, balance, paid in inputs:
        placed = place_account(actor=SEED, portfolio=portfolio, account=account, balances=balance)
        if paid:
            post_payments(actor=SEED, payments=[
                PaymentIn(account_id=placed.pk, amount=amount, source="seed", external_id=external_id,
                           value_date=value_date, method=method)
                for external_id, amount, value_date, method in paid
            ])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="arrears bench seed", description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline", type=int, default=None,
                        help="accounts placed through the services (default: 2%% of --accounts, 200 to 5,000)")
    args = parser.parse_args(argv)
    baseline_count = args.baseline or min(max(200, args.accounts // 50), 5_000)

    from django.db import connection

    from arrears.portfolio.seed import seed_book

    with scratch_database():
        print(f"seeding {args.accounts:,} accounts in bulk ...", file=sys.stderr, flush=True)
        with stopwatch() as bulk:
            result = seed_book(args.accounts, seed=args.seed, progress=True)
        print(f"placing {baseline_count:,} accounts through place_account + post_payments ...", file=sys.stderr,
              flush=True)
        inputs = _baseline_inputs(baseline_count, args.seed, first_index=10**8)
        with stopwatch() as baseline:
            _run_baseline(inputs)
        vendor = connection.vendor
    rate = result.accounts / bulk["seconds"]
    baseline_rate = baseline_count / baseline["seconds"]
    emit({
        "bench": "seed", "accounts": result.accounts, "seconds": round(bulk["seconds"], 2),
        "accounts_per_s": round(rate), "debtors": result.debtors, "payments": result.payments,
        "baseline_accounts": baseline_count, "baseline_seconds": round(baseline["seconds"], 2),
        "baseline_accounts_per_s": round(baseline_rate, 1), "speedup": round(rate / baseline_rate, 1),
        "database": vendor,
    })


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")
    import django

    django.setup()
    main(sys.argv[1:])
