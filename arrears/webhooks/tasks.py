"""Background work of the webhooks: sending batches of deliveries, and the minute sweep of due retries.

Retries are scheduled in the database (`next_attempt_at`), not in the queue: the sweep picks what is
due set-based every minute, so a retry survives a lost or flushed queue and the admin sees the schedule.
"""

import datetime as dt

from django.tasks import task
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from arrears.webhooks import delivery


@task()
def deliver_webhooks(delivery_ids: list[int], as_of: str | None = None) -> dict:
    """Attempt these deliveries if due. `as_of` (ISO time) stands in for now: the sweep's clock."""
    return delivery.deliver(delivery_ids, now=dt.datetime.fromisoformat(as_of) if as_of else None)


def deliver_due(now: dt.datetime | None = None) -> int:
    """Enqueue every delivery due at `now` (default: now), in batches; return how many."""
    batches = delivery.due_batches(now or timezone.now())
    for ids in batches:
        deliver_webhooks.enqueue(ids, now.isoformat() if now else None)
    return sum(len(ids) for ids in batches)


@db_periodic_task(crontab(minute="*"))
def sweep_due_webhooks():
    deliver_due()
