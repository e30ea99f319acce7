"""The nightly ageing of the book: DPD and buckets as of a business date, set-based.

Three statements per creditor (buckets are per creditor): close the spells of accounts whose bucket
changes, open their new spells, move the accounts. No per-account Python loop.
"""

import datetime as dt
import time

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import record
from arrears.ledger.models import BucketSpell
from arrears.portfolio.models import Account, Creditor


def _dpd_sql() -> str:
    """SQL for days past due from oldest_unpaid_due_date and pause_days, given the date as %s."""
    if connection.vendor == "postgresql":
        return ("GREATEST((%s::date - oldest_unpaid_due_date) - pause_days, 0)")
    return "MAX(CAST(julianday(%s) - julianday(oldest_unpaid_due_date) AS INTEGER) - pause_days, 0)"


def _bucket_case(buckets: list[dict]) -> tuple[str, list]:
    parts, params = [], []
    for bucket in buckets:
        if bucket["max"] is None:
            parts.append("WHEN dpd >= %s THEN %s")
            params += [bucket["min"], bucket["code"]]
        else:
            parts.append("WHEN dpd BETWEEN %s AND %s THEN %s")
            params += [bucket["min"], bucket["max"], bucket["code"]]
    return "CASE " + " ".join(parts) + " END", params


def age_book(*, actor, business_date: dt.date) -> dict:
    """Bring every open account's DPD and bucket to `business_date`, recording bucket moves."""
    authorize(actor, roles.POST_ADJUSTMENTS)
    if not actor.sees_all_creditors:  # it writes every creditor's book
        raise PermissionDenied(_("Only an actor who sees every creditor may age the whole book."))
    started = time.monotonic()
    account_table = Account._meta.db_table
    spell_table = BucketSpell._meta.db_table
    open_statuses = [str(s) for s in Account.OPEN_STATUSES]
    status_in = ", ".join(["%s"] * len(open_statuses))
    moved = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {account_table} SET dpd = CASE WHEN oldest_unpaid_due_date IS NULL "
            f"OR oldest_unpaid_due_date > %s THEN 0 ELSE {_dpd_sql()} END, dpd_as_of = %s "
            f"WHERE status IN ({status_in})",
            [business_date, business_date, business_date, *open_statuses],
        )
        aged = cursor.rowcount
        for creditor_id, buckets in Creditor.objects.values_list("pk", "buckets"):
            case, case_params = _bucket_case(buckets)
            where = f"creditor_id = %s AND status IN ({status_in}) AND bucket <> {case}"
            where_params = [creditor_id, *open_statuses, *case_params]
            cursor.execute(
                f"UPDATE {spell_table} SET exited_on = %s WHERE exited_on IS NULL AND account_id IN "
                f"(SELECT id FROM {account_table} WHERE {where})",
                [business_date, *where_params],
            )
            cursor.execute(
                f"INSERT INTO {spell_table} (account_id, bucket, entered_on, exited_on) "
                f"SELECT id, {case}, %s, NULL FROM {account_table} WHERE {where}",
                [*case_params, business_date, *where_params],
            )
            cursor.execute(f"UPDATE {account_table} SET bucket = {case} WHERE {where}", [*case_params, *where_params])
            moved += cursor.rowcount
        summary = {"business_date": business_date.isoformat(), "accounts_aged": aged, "bucket_moves": moved,
                   "seconds": round(time.monotonic() - started, 3)}
        record(actor=actor, action="book.aged", object_type="ledger.book", object_id=business_date.isoformat(),
               after=summary)
    return summary
