"""A placement file imported end to end: `arrears bench imports --rows 1000000`.

In a scratch database: write a valid placements CSV of N rows (Greek borrowers with tax numbers,
phones, e-mails and addresses, principal and interest; every 20th borrower owes on an account placed
earlier in the file too, every 10th account has a co-borrower), then import it as `arrears import
placements` does: stream it, validate every row in chunks of 1,000, apply all or nothing, set-based.
Baseline in the same run: a sample file imported the same way, but applied as before the apply went
set-based (every row validated, then placed through `place_account` in its own savepoint). The peak
memory of the process is reported, to show that the file is streamed rather than held.
"""

import argparse
import csv
import random
import resource
import sys
import tempfile
from pathlib import Path

from bench._common import emit, scratch_database, stopwatch

COLUMNS = {
    "Loan": "creditor_reference", "Product": "product", "Contract": "contract_date", "Charged off": "charge_off_date",
    "Principal": "principal", "Interest": "interest", "Given name": "debtor.given_name",
    "Family name": "debtor.family_name", "Born": "debtor.date_of_birth", "ID type": "debtor.id_scheme",
    "ID": "debtor.id_value", "Phone": "debtor.phone", "Email": "debtor.email", "Street": "debtor.address_line1",
    "Postcode": "debtor.postal_code", "City": "debtor.city", "Co given name": "co_debtor.given_name",
    "Co family name": "co_debtor.family_name", "Co ID type": "co_debtor.id_scheme", "Co ID": "co_debtor.id_value",
}
GIVEN = ["Γιώργος", "Μαρία", "Νίκος", "Ελένη", "Κώστας", "Σοφία", "Δημήτρης", "Αικατερίνη", "Γιάννης", "Άννα"]
FAMILY = ["Παπαδόπουλος", "Νικολάου", "Γεωργίου", "Δημητρίου", "Ιωάννου", "Οικονόμου", "Αλεξίου", "Μακρής"]
CITIES = [("Αθήνα", "10551"), ("Θεσσαλονίκη", "54624"), ("Πάτρα", "26221"), ("Ηράκλειο", "71202")]
PRODUCTS = ["personal_loan", "credit_card", "auto_loan", "overdraft"]


def write_file(path: Path, rows: int, prefix: str, first_serial: int, seed: int) -> None:
    """N valid placement rows, written as they are made."""
    from arrears.portfolio.seed.identities import gr_afm

    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(list(COLUMNS))
        for n in range(rows):
            serial = first_serial + (n - 7 if n % 20 == 19 else n)  # every 20th: a borrower met 7 rows before
            city, postcode = CITIES[serial % len(CITIES)]
            day, born = f"{1 + n % 28:02d}/{1 + n % 12:02d}", f"{1 + serial % 28:02d}/{1 + serial % 12:02d}"
            principal = f"{rng.randint(100, 50_000)}.{rng.randint(0, 99):02d}"
            interest = f"{rng.randint(0, 900)}.{rng.randint(0, 99):02d}"
            row = [f"{prefix}-{n:07d}", PRODUCTS[n % len(PRODUCTS)], f"{day}/2021", f"{day}/2025", principal, interest,
                   GIVEN[serial % len(GIVEN)], FAMILY[serial // 7 % len(FAMILY)], f"{born}/{1950 + serial % 50}",
                   "GR-AFM", gr_afm(serial), f"69{3 + serial % 7}{serial % 10_000_000:07d}", f"d{serial}@example.gr",
                   f"Οδός Αθηνάς {1 + serial % 200}", postcode, city]
            if n % 10 == 3:  # a co-borrower, from serials no borrower has
                co = first_serial + 2_000_000 + n
                row += [GIVEN[co % len(GIVEN)], FAMILY[co % len(FAMILY)], "GR-AFM", gr_afm(co)]
            else:
                row += ["", "", "", ""]
            writer.writerow(row)


def _row_by_row(*, actor, creditor, placements, all_or_nothing=True):
    """The apply as it was: every row validated, then placed through place_account in its own savepoint."""
    from django.db import transaction

    from arrears.portfolio.placements import PlacementResult, validate_placements
    from arrears.portfolio.services import place_account

    checked = validate_placements(creditor=creditor, placements=placements)
    results = [PlacementResult(i, p.account.creditor_reference, None, False, [], errors)
               for i, (p, errors) in enumerate(zip(placements, checked, strict=True))]
    portfolios = {p.code: p for p in creditor.portfolios.all()}
    with transaction.atomic():
        for result, p in zip(results, placements, strict=True):
            with transaction.atomic():
                result.account = place_account(actor=actor, portfolio=portfolios[p.portfolio_code], account=p.account,
                                               balances=p.balances)
                result.created = True
    return results


def _import(actor, creditor, profile, path: Path):
    from arrears.imports import services

    def progress(batch):
        if batch.progress % 50_000 == 0:
            print(f"  {batch.get_status_display()}: {batch.progress:,} rows", file=sys.stderr, flush=True)

    with stopwatch() as validating:
        batch = services.start_import(actor=actor, creditor=creditor, profile=profile, file_name=path.name,
                                      path=path, on_progress=progress)
    assert batch.status == batch.Status.VALIDATED and not batch.invalid_rows, (batch.status, batch.message)
    with stopwatch() as applying:
        batch = services.apply_import(actor=actor, batch=batch, on_progress=progress)
    assert batch.status == batch.Status.APPLIED, (batch.status, batch.message)
    return batch, validating["seconds"], applying["seconds"]


def main(argv):
    parser = argparse.ArgumentParser(prog="arrears bench imports", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=int, default=None,
                        help="rows of the sample applied row by row (default: 1%% of --rows, 200 to 2,000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    baseline_rows = args.baseline or min(max(200, args.rows // 100), 2_000)

    import datetime as dt

    from django.db import connection
    from django.test import override_settings

    from arrears.core.actors import SystemActor
    from arrears.imports import services
    from arrears.imports.models import ImportProfile
    from arrears.ledger.queries import ledger_discrepancies
    from arrears.portfolio.models import Account, Debtor
    from arrears.portfolio.services import create_creditor, create_portfolio

    actor = SystemActor("bench")
    with (tempfile.TemporaryDirectory(prefix="arrears-bench-imports-") as tmp, scratch_database(),
          override_settings(DATA_DIR=tmp)):  # the stored copies of the files go with the scratch files
        directory = Path(tmp)
        creditor = create_creditor(actor=actor, code="bench-bank", name="Bench Bank", kind="bank", country="GR")
        create_portfolio(actor=actor, creditor=creditor, code="npl", name="NPL", original_creditor="Bench Bank",
                         mandate="servicing", currency="EUR", jurisdiction="GR", placed_on=dt.date(2026, 1, 15))
        profile = ImportProfile.objects.create(creditor=creditor, name="loans", kind="placements", columns=COLUMNS,
                                               default_portfolio_code="npl", date_format="%d/%m/%Y")

        sample = directory / "sample.csv"
        write_file(sample, baseline_rows, "S", first_serial=5_000_000, seed=args.seed + 1)
        print(f"baseline: {baseline_rows:,} rows applied row by row ...", file=sys.stderr, flush=True)
        set_based = services.upsert_placements
        services.upsert_placements = _row_by_row
        try:
            _batch, base_validating, base_applying = _import(actor, creditor, profile, sample)
        finally:
            services.upsert_placements = set_based

        big = directory / "placements.csv"
        print(f"writing {args.rows:,} rows ...", file=sys.stderr, flush=True)
        with stopwatch() as writing:
            write_file(big, args.rows, "L", first_serial=0, seed=args.seed)
        size = big.stat().st_size
        print(f"importing {size / 2**20:,.0f} MiB ...", file=sys.stderr, flush=True)
        batch, validating, applying = _import(actor, creditor, profile, big)

        placed = Account.objects.filter(creditor_reference__startswith="L-").count()
        debtors = Debtor.objects.count()
        sample_ids = list(Account.objects.order_by("?").values_list("pk", flat=True)[:2000])
        problems = ledger_discrepancies(account_ids=sample_ids)
        vendor = connection.vendor
    total = validating + applying
    apply_rate = args.rows / applying
    baseline_rate = baseline_rows / base_applying
    emit({
        "bench": "imports", "rows": args.rows, "file_mib": round(size / 2**20), "seconds": round(total, 1),
        "rows_per_s": round(args.rows / total), "validate_seconds": round(validating, 1),
        "apply_seconds": round(applying, 1), "apply_rows_per_s": round(apply_rate),
        "baseline_rows": baseline_rows, "baseline_apply_rows_per_s": round(baseline_rate, 1),
        "baseline_rows_per_s": round(baseline_rows / (base_validating + base_applying), 1),
        "speedup": round(apply_rate / baseline_rate, 1), "applied_rows": batch.applied_rows, "accounts": placed,
        "debtors": debtors, "discrepancies_in_sample": len(problems),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "file_write_seconds": round(writing["seconds"], 1), "database": vendor,
    })
