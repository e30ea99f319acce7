"""The business date: the collections day, in the business time zone (fixed by BUSINESS_DATE)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def business_date() -> dt.date:
    if settings.BUSINESS_DATE:
        return dt.date.fromisoformat(settings.BUSINESS_DATE)
    return timezone.now().astimezone(ZoneInfo(settings.BUSINESS_TIME_ZONE)).date()
