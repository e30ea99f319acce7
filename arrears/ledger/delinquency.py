"""Days past due and delinquency buckets. Pure functions over dates and due items."""

import datetime as dt


def oldest_unpaid_due_date(items, business_date: dt.date):
    """Earliest due date among items already due and not fully settled (items: due_date, open_minor)."""
    due = [i.due_date for i in items if i.open_minor > 0 and i.due_date <= business_date]
    return min(due) if due else None


def days_past_due(oldest_unpaid: dt.date | None, business_date: dt.date, pause_days: int = 0) -> int:
    """Business date minus the oldest unpaid due date, less any agreed pause days; never negative."""
    if oldest_unpaid is None or oldest_unpaid > business_date:
        return 0
    return max((business_date - oldest_unpaid).days - pause_days, 0)


def bucket_for(dpd: int, buckets: list[dict]) -> str:
    """The code of the bucket whose [min, max] holds dpd (max None: no upper bound)."""
    for bucket in buckets:
        if dpd >= bucket["min"] and (bucket["max"] is None or dpd <= bucket["max"]):
            return bucket["code"]
    raise ValueError(f"no bucket holds {dpd} days past due")


def validate_buckets(buckets) -> list[str]:
    """Problems with a creditor's bucket table: they must start at 0 and cover every day once."""
    problems = []
    if not isinstance(buckets, list) or not buckets:
        return ["buckets must be a non-empty list"]
    expected = 0
    for i, bucket in enumerate(buckets):
        if not isinstance(bucket, dict) or not {"code", "min", "max"} <= set(bucket):
            problems.append(f"bucket {i + 1} needs code, min and max")
            return problems
        if bucket["min"] != expected:
            problems.append(f"bucket {bucket['code']!r} starts at {bucket['min']}, expected {expected}")
        if bucket["max"] is None:
            if i != len(buckets) - 1:
                problems.append(f"only the last bucket may be open-ended, not {bucket['code']!r}")
            return problems
        if bucket["max"] < bucket["min"]:
            problems.append(f"bucket {bucket['code']!r} ends before it starts")
        expected = bucket["max"] + 1
    problems.append("the last bucket must be open-ended (max: null)")
    return problems


def is_material_arrears(arrears_minor: int, exposure_minor: int, threshold_minor: int = 10000) -> bool:
    """EU retail materiality: arrears above the absolute threshold (EUR 100) and above 1% of exposure."""
    if exposure_minor <= 0:
        return arrears_minor > threshold_minor
    return arrears_minor > threshold_minor and arrears_minor * 100 > exposure_minor
