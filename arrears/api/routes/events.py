"""The event feed, for creditors that pull rather than receive webhooks."""

import datetime as dt

from django.utils import timezone
from ninja import Router

from arrears.api.auth import require
from arrears.api.models import Scope
from arrears.api.routes.common import after_cursor, page_size
from arrears.api.schemas import REFUSALS, EventPage, Text
from arrears.core.models import DomainEvent

router = Router(tags=["events"])
# Ids are drawn when a row is written, not when its transaction commits: an event may appear a
# moment after a later id. Holding back the newest seconds keeps a cursor from stepping over it.
SETTLE = dt.timedelta(seconds=2)


@router.get("/events", response={200: EventPage, **REFUSALS}, summary="Events after a cursor, oldest first")
def feed(request, cursor: Text | None = None, limit: int = 100, type: Text | None = None):  # noqa: A002 - API name
    actor = require(request, Scope.EVENTS_READ)
    size = page_size(limit)
    rows = (DomainEvent.objects.visible_to(actor).filter(pk__gt=after_cursor(cursor),
                                                          occurred_at__lte=timezone.now() - SETTLE).order_by("pk"))
    if type:
        rows = rows.filter(type=type)
    rows = list(rows[:size])
    last = rows[-1].pk if rows else after_cursor(cursor)
    return {"events": [{"id": e.pk, "type": e.type, "account_id": e.account_id, "created": e.occurred_at,
                        "data": e.payload} for e in rows],
            "next_cursor": str(last) if last else None}
