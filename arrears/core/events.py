"""Domain events: services announce what happened; subscribers react after the commit, as tasks.

A service calls `emit` (or `emit_many`) inside its transaction. The event row is written in that
transaction (an outbox: it exists exactly when the change does, and its id is the cursor of the
creditors' event feed); once the transaction commits, one task hands the new events to every
subscriber of their type, each subscriber in its own task so that one failing does not hold up
the others. Subscribers must be idempotent: a task may run twice.

    @subscriber("payment.posted", "payment.reversed")
    def cancel_reminders(events: list[DomainEvent]) -> None: ...
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.tasks import task

from arrears.core.bulk import insert_objects
from arrears.core.models import DomainEvent

# The event types arrears emits; subscribing to another name is a mistake caught at import time.
EVENT_TYPES = frozenset({
    "account.placed", "account.updated", "account.recalled", "account.status_changed", "account.charged",
    "payment.posted", "payment.reversed",
    "promise.made", "promise.kept", "promise.broken", "promise.cancelled",
    "arrangement.created", "arrangement.updated", "arrangement.completed", "arrangement.broken",
    "contact.outcome", "dispute.opened", "dispute.closed",
})
WILDCARD = "*"

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
    ids = [row.pk for row in rows]
    # Django's task backend is set to enqueue on commit; outside a transaction this runs at once.
    transaction.on_commit(lambda: dispatch_events.enqueue(ids))
    return rows


def subscribers_of(type: str) -> list[str]:
    return list(dict.fromkeys(_subscribers.get(type, []) + _subscribers.get(WILDCARD, [])))


@task()
def dispatch_events(event_ids: list[int]) -> dict:
    """Hand committed events to their subscribers, one task per subscriber."""
    wanted = defaultdict(list)
    for event_id, event_type in DomainEvent.objects.filter(pk__in=event_ids).values_list("pk", "type"):
        for key in subscribers_of(event_type):
            wanted[key].append(event_id)
    for key, ids in wanted.items():
        run_subscriber.enqueue(key, sorted(ids))
    return {key: len(ids) for key, ids in wanted.items()}


@task()
def run_subscriber(key: str, event_ids: list[int]) -> int:
    func = _registry.get(key)
    if func is None:
        raise LookupError(f"no subscriber {key!r}: is its module imported by its app's ready()?")
    events = list(DomainEvent.objects.filter(pk__in=event_ids).order_by("pk"))
    func(events)
    return len(events)
