"""Background work of the core: the minute's sweep of domain events that no dispatcher took."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from arrears.core.events import dispatch_events


@db_periodic_task(crontab(minute="*"))
def sweep_undispatched_events():
    """A dispatcher task lost with a killed worker leaves its events waiting; take them now."""
    dispatch_events.call()
