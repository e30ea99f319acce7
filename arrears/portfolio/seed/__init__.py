"""`arrears seed`: a deterministic, realistic multi-country demo book, written in bulk.

Greece, Poland, Spain, Mexico, Russia and the US; banks, funds, telcos and utilities under
servicing, contingency and owned mandates; people and companies with valid identifiers, phones
and addresses; contractual schedules and payment histories whose ledger is exactly what the
placement and payment services would have written (`ledger_discrepancies` finds nothing).

Accounts are generated and written in chunks of CHUNK_ACCOUNTS, so memory stays flat at any size:
normally one transaction per chunk; a large load into a small PostgreSQL book runs as one
transaction that sets keys and indexes aside and builds them again at the end (see writer.py), with
parallel processes generating chunks while this one writes.

The same seed gives the same book; seeding again adds accounts to the same creditors and
portfolios, numbered on from the last account of that seed (references read
"<portfolio prefix>-S<seed>-<account number>").
"""

import multiprocessing
import os
import sys
import time
import traceback
from dataclasses import dataclass

from django.db import transaction

from arrears.core.actors import SEED
from arrears.core.audit import record
from arrears.core.clock import business_date as today
from arrears.portfolio.models import Account
from arrears.portfolio.seed.book import Book
from arrears.portfolio.seed.catalogue import PORTFOLIOS, ensure_catalogue
from arrears.portfolio.seed.people import build_pools
from arrears.portfolio.seed.writer import copy_text, writer_for_connection

CHUNK_ACCOUNTS = 10_000
TALLIED = ("accounts", "debtors", "identifiers", "contact_points", "payments", "charges", "payment_entries",
           "due_items", "allocations")

__all__ = ["SeedResult", "seed_book"]


@dataclass
class SeedResult:
    accounts: int
    debtors: int
    payments: int
    seconds: float


def _first_index(seed: int, portfolios: dict) -> int:
    """The number after the highest account number this seed has placed in any seeded portfolio."""
    highest = -1
    for spec in PORTFOLIOS:
        portfolio = portfolios[(spec.creditor, spec.code)]
        prefix = f"{spec.prefix}-S{seed}-"
        last = (Account.objects.filter(creditor_id=portfolio.creditor_id, creditor_reference__startswith=prefix)
                .order_by("-creditor_reference").values_list("creditor_reference", flat=True).first())
        if last is not None and last[len(prefix):].isdigit():
            highest = max(highest, int(last[len(prefix):]))
    return highest + 1


# Ids each chunk of the bulk path may use per account, plus SLACK per chunk: chunks are generated in
# parallel, so each gets fixed id ranges instead of continuing from the chunk before. The ranges leave
# gaps (ids are surrogate keys; a sequence has gaps anyway). A debtor is at most two per account; the
# others are about four times a chunk's mean, and a chunk that would overrun its range stops the load.
IDS_PER_ACCOUNT = {"debtor": 2, "account": 1, "payment": 8, "entry": 24, "due_item": 16}
SLACK = 256


def _ranges(bases: dict, first: int, accounts: int) -> list[tuple[int, int, dict, dict]]:
    """(first account number, count, id bases, id limits) of every chunk of the bulk path."""
    chunks = []
    offset = dict.fromkeys(IDS_PER_ACCOUNT, 0)
    for start in range(0, accounts, CHUNK_ACCOUNTS):
        count = min(CHUNK_ACCOUNTS, accounts - start)
        lows = {key: bases[key] + offset[key] for key in IDS_PER_ACCOUNT}
        for key, per_account in IDS_PER_ACCOUNT.items():
            offset[key] += per_account * count + (SLACK if key != "account" else 0)
        chunks.append((first + start, count, lows, {key: bases[key] + offset[key] for key in IDS_PER_ACCOUNT}))
    return chunks


def _generate(book: Book, chunks, queue) -> None:
    """In a generating process: its share of the chunks as COPY text."""
    try:
        for start_index, count, lows, limits in chunks:
            rows, ends = book.chunk(start_index, count, lows)
            over = [key for key in IDS_PER_ACCOUNT if ends[key] > limits[key]]
            if over:
                raise RuntimeError(f"chunk at account {start_index} needs more ids than reserved for {over}")
            queue.put((copy_text(rows), {name: len(table) for name, table in rows.items()}, ends))
        queue.put(None)
    except BaseException:  # noqa: BLE001 - reported to the writing process, which raises it
        queue.put(traceback.format_exc())


def _producers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _bulk_load(writer, book: Book, first: int, accounts: int, tally) -> list:
    """One transaction: keys and indexes down, chunks generated in parallel processes while this one
    COPYs, keys and indexes up. Returns the foreign keys still to be validated (after commit).

    The generating processes only compute (they never touch the database connection they inherit)."""
    with transaction.atomic(), writer.indexes_rebuilt_after() as rebuild:
        bases = writer.next_ids(lock=False)  # the dropped indexes left the tables locked
        chunks = _ranges(bases, first, accounts)
        context = multiprocessing.get_context("fork")
        queue = context.Queue(maxsize=2)
        count = min(_producers(), len(chunks))
        producers = [context.Process(target=_generate, args=(book, chunks[i::count], queue), daemon=True)
                     for i in range(count)]
        for producer in producers:
            producer.start()
        try:
            ends, running = dict(bases), count
            while running:
                item = queue.get()
                if item is None:
                    running -= 1
                    continue
                if isinstance(item, str):
                    raise RuntimeError(f"generating the book failed:\n{item}")
                tables, counts, chunk_ends = item
                writer.write_text(tables)
                tally(counts)
                ends = {key: max(ends[key], chunk_ends[key]) for key in ends}
            writer.claim(bases, ends)
        finally:
            for producer in producers:
                if producer.is_alive():
                    producer.terminate()
                producer.join()
    return rebuild.foreign_keys


def _chunked_load(writer, book: Book, first: int, accounts: int, tally) -> None:
    """One transaction per chunk, each reserving its ids under a table lock."""
    for start in range(0, accounts, CHUNK_ACCOUNTS):
        with transaction.atomic():
            bases = writer.next_ids()
            rows, ends = book.chunk(first + start, min(CHUNK_ACCOUNTS, accounts - start), bases)
            writer.claim(bases, ends)
            writer.write(rows)
        tally({name: len(table) for name, table in rows.items()})


def seed_book(accounts: int, seed: int = 1, progress: bool = False, business_date=None) -> SeedResult:
    """Seed `accounts` accounts with their debtors and ledgers; returns what was written."""
    started = time.perf_counter()
    business_date = business_date or today()
    creditors, portfolios = ensure_catalogue(business_date)
    writer = writer_for_connection()
    book = Book(seed=seed, business_date=business_date, pools=build_pools(seed), creditors=creditors,
                portfolios=portfolios, stamp_suffix=writer.stamp_suffix)
    first = _first_index(seed, portfolios)
    totals = dict.fromkeys(TALLIED, 0)

    def tally(counts: dict) -> None:
        for name in TALLIED:
            totals[name] += counts[name]
        if progress:
            elapsed = time.perf_counter() - started
            print(f"  {totals['accounts']:>9,} accounts  {elapsed:7.1f} s  {totals['accounts'] / elapsed:9,.0f} "
                  f"accounts/s", file=sys.stderr, flush=True)

    if writer.bulk_worthwhile(accounts):
        writer.validate(_bulk_load(writer, book, first, accounts, tally))
    else:
        _chunked_load(writer, book, first, accounts, tally)
        writer.analyze()
    seconds = time.perf_counter() - started
    record(actor=SEED, action="book.seeded", object_type="portfolio.book", object_id=f"seed-{seed}",
           after={"seed": seed, "business_date": business_date.isoformat(), "first_account_number": first,
                  **totals, "seconds": round(seconds, 3)})
    return SeedResult(accounts=totals["accounts"], debtors=totals["debtors"], payments=totals["payments"],
                      seconds=seconds)
