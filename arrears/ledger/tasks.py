"""Background work of the ledger: the nightly ageing, scheduled with Huey's crontab."""

import datetime as dt

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from arrears.core.actors import NIGHTLY
from arrears.core.clock import business_date
from arrears.ledger.aging import age_book


@task()
def age_book_task(on: str | None = None) -> dict:
    """Age the book to a business date (ISO text; default today). Safe to run twice."""
    return age_book(actor=NIGHTLY, business_date=dt.date.fromisoformat(on) if on else business_date())


@db_periodic_task(crontab(minute="5", hour="0"))
def nightly_ageing():
    age_book_task.enqueue()
