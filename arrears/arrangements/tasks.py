"""Background work of arrangements: the nightly look at promises and plans whose dates have passed."""

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from arrears.arrangements.tracking import accounts_to_watch, evaluate_accounts

CHUNK = 500  # accounts locked per transaction


@task()
def evaluate_arrangements_task() -> dict:
    """Evaluate every pending promise and running arrangement as of today. Safe to run twice."""
    totals: dict[str, int] = {}
    watched = accounts_to_watch()
    for start in range(0, len(watched), CHUNK):
        for key, n in evaluate_accounts(watched[start:start + CHUNK]).items():
            totals[key] = totals.get(key, 0) + n
    return totals


@db_periodic_task(crontab(minute="20", hour="0"))
def nightly_arrangements():
    evaluate_arrangements_task.enqueue()
