"""Domain events: services announce what happened; subscribers react after the commit, as tasks.

A service calls `emit` (or `emit_many`) inside its transaction. The event row is written in that
transaction (an outbox: it exists exactly when the change does, and its id is the cursor of the
creditors' event feed). Once the transaction commits, a dispatcher task claims every event not yet
dispatched and hands them to the subscribers of their types, each subscriber in its own task so
that one failing does not hold up the others.

Dispatch is coalesced: a commit asks for a dispatcher only when none is pending (a flag in the
shared cache), so under load one dispatcher task carries the events of many transactions instead
of a task per transaction. A sweep each minute dispatches anything a lost task left behind.
Delivery is at least once: subscribers must be idempotent.

    @subscriber("payment.posted", "payment.reversed")
    def cancel_reminders(events: list[DomainEvent]) -> None: ...
"""

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from arrears.core import shared_cache
from arrears.core.bulk import insert_objects
from arrears.core.models import DomainEvent

# The event types arrears emits; subscribing to another name is a mistake caught at import time.
EVENT_TYPES = frozenset({
    "account.placed", "account.updated", "account.recalled", "account.status_changed", "account.charged",
    "payment.posted", "payment.reversed",
    "promise.made", "promise.kept", "promise.broken", "promise.cancelled",
    "arrangement.created", "arrangement.updated", "arrangement.completed", "arrangement.broken",
    "proposal.submitted", "proposal.answered", "proposal.decided",
    "contact.outcome", "dispute.opened", "dispute.closed",
    "debtor.contact_changed", "debtor.circumstances_declared",
})
WILDCARD = "*"
NOW_BACKEND = "now"  # the task backend that enqueues at once, not on commit
DISPATCH_PENDING = "events:dispatch-pending"
# A lost dispatcher (worker killed before it ran) holds the flag at most this long; the sweep
# catches its events meanwhile.
DISPATCH_PENDING_SECONDS = 30
DISPATCH_BATCH = 2000
DISPATCH_LINGER_SECONDS = 1.0

_subscribers: dict[str, list[str]] = defaultdict(list)
_registry: dict[str, Callable] = {}


@dataclass(frozen=True)
class EventIn:
    type: str
    creditor_id: int | None
    payload: dict
    account_id: int | None = None

    def build(self) -> DomainEvent:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")
        return DomainEvent(type=self.type, creditor_id=self.creditor_id, account_id=self.account_id,
                           payload=self.payload)


def subscriber(*types: str):
    """Register a function to receive, after commit, the events of these types ("*": every type)."""
    for name in types:
        if name != WILDCARD and name not in EVENT_TYPES:
            raise ValueError(f"unknown event type {name!r}")

    def register(func):
        key = f"{func.__module__}.{func.__qualname__}"
        _registry[key] = func
        for name in types:
            if key not in _subscribers[name]:
                _subscribers[name].append(key)
        return func

    return register


def emit(type: str, *, creditor_id: int | None, payload: dict, account_id: int | None = None) -> DomainEvent:
    """Record one event in the current transaction; subscribers hear of it after commit."""
    return emit_many([EventIn(type, creditor_id, payload, account_id)])[0]


def emit_many(events: list[EventIn]) -> list[DomainEvent]:
    rows = [event.build() for event in events]
    if not rows:
        return rows
    insert_objects(DomainEvent, rows)
    # Outside a transaction this runs at once. Robust: the change is committed whatever happens here, and if
    # the queue cannot be reached the minute's sweep hands the events out instead of the caller failing.
    transaction.on_commit(request_dispatch, robust=True)
    return rows


def request_dispatch() -> None:
    """Make sure a dispatcher will run after this commit: enqueue one unless one is already pending
    (it will claim this transaction's events too, as it clears the flag before it claims)."""
    if shared_cache.raise_flag(DISPATCH_PENDING, expires=DISPATCH_PENDING_SECONDS):
        dispatch_events.enqueue()


def subscribers_of(type: str) -> list[str]:
    return list(dict.fromkeys(_subscribers.get(type, []) + _subscribers.get(WILDCARD, [])))


@task()
def dispatch_events() -> int:
    """Hand every committed, undispatched event to its subscribers; returns how many were handed.

    Under a stream of commits one dispatcher lingers: it claims what arrived, waits a short window,
    claims again, for up to DISPATCH_LINGER_SECONDS, so the cost of a task is paid per window rather
    than per transaction. Then it clears the pending flag and claims once more: a commit before that
    claim is taken by it, one after finds the flag clear and asks for a new dispatcher."""
    window = settings.EVENT_DISPATCH_WINDOW_SECONDS
    started, total = time.monotonic(), 0
    while True:
        claimed = _dispatch_batch()
        total += claimed
        if claimed == DISPATCH_BATCH:
            continue
        if claimed == 0 or time.monotonic() - started >= DISPATCH_LINGER_SECONDS:
            break
        time.sleep(window)
    shared_cache.lower_flag(DISPATCH_PENDING)
    while claimed := _dispatch_batch():
        total += claimed
    return total


def _dispatch_batch() -> int:
    """Claim up to DISPATCH_BATCH events and enqueue one task per subscriber for them.

    Claimed rows are locked, so two dispatchers never hand out the same event (SKIP LOCKED lets the
    second take the next ones). The subscriber tasks are enqueued before the claim commits, so a
    crash in between sends events twice rather than never."""
    with transaction.atomic():
        rows = list(DomainEvent.objects.filter(dispatched_at__isnull=True).select_for_update(skip_locked=True)
                    .order_by("pk").values_list("pk", "type")[:DISPATCH_BATCH])
        if not rows:
            return 0
        # Events are append-only but for this one column, which only the dispatcher writes.
        QuerySet(DomainEvent).filter(pk__in=[pk for pk, _ in rows]).update(dispatched_at=timezone.now())
        wanted = defaultdict(list)
        for event_id, event_type in rows:
            for key in subscribers_of(event_type):
                wanted[key].append(event_id)
        for key, ids in wanted.items():
            run_subscriber.using(backend=NOW_BACKEND).enqueue(key, ids)
    return len(rows)


@task()
def run_subscriber(key: str, event_ids: list[int]) -> int:
    func = _registry.get(key)
    if func is None:
        raise LookupError(f"no subscriber {key!r}: is its module imported by its app's ready()?")
    events = list(DomainEvent.objects.filter(pk__in=event_ids).order_by("pk"))
    func(events)
    return len(events)
