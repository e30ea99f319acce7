"""Shared pieces of the benchmark scenarios: a scratch database and the final JSON line."""

import json
import sys
import time
from contextlib import contextmanager


@contextmanager
def scratch_database():
    """Run inside a freshly created and migrated database next to the configured one, dropped afterwards.

    The scenario measures on the configured engine (SQLite by default, PostgreSQL with DATABASE_URL)
    without touching the data already there.
    """
    from django.test.utils import setup_databases, teardown_databases

    print("creating a scratch database ...", file=sys.stderr, flush=True)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(old_config, verbosity=0)


@contextmanager
def stopwatch():
    """Yields a dict whose "seconds" is filled in when the block ends."""
    timing = {"seconds": None}
    started = time.perf_counter()
    try:
        yield timing
    finally:
        timing["seconds"] = time.perf_counter() - started


def emit(figures: dict) -> None:
    """Print the scenario's figures as its final line of output, one JSON object."""
    print(json.dumps(figures, sort_keys=False), flush=True)
