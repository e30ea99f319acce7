import datetime as dt

import pytest

from arrears.core.models import AuditEvent
from arrears.ledger.models import BucketSpell
from arrears.ledger.queries import ledger_discrepancies
from arrears.ledger.tasks import age_book_task

pytestmark = pytest.mark.django_db


def run(task, *args, capture):
    """Enqueue as production does (on commit) and run it inline through the worker code."""
    with capture(execute=True):
        result = task.enqueue(*args)
    return task.get_result(result.id).return_value


def test_nightly_ageing_rolls_accounts_into_the_next_bucket_and_keeps_the_history(
        make_creditor, make_portfolio, make_account, business_date, django_capture_on_commit_callbacks):
    portfolio = make_portfolio(make_creditor())
    rolling = make_account(portfolio, due=business_date - dt.timedelta(days=30))
    steady = make_account(portfolio, due=business_date - dt.timedelta(days=100))
    assert (rolling.dpd, rolling.bucket) == (30, "1-30")

    tomorrow = business_date + dt.timedelta(days=1)
    summary = run(age_book_task, tomorrow.isoformat(), capture=django_capture_on_commit_callbacks)

    rolling.refresh_from_db()
    steady.refresh_from_db()
    assert (rolling.dpd, rolling.bucket) == (31, "31-60")
    assert (steady.dpd, steady.bucket) == (101, "91-180")
    assert summary["bucket_moves"] == 1
    spells = list(BucketSpell.objects.filter(account=rolling).order_by("entered_on"))
    assert [(s.bucket, s.exited_on) for s in spells] == [("1-30", tomorrow), ("31-60", None)]
    assert ledger_discrepancies(business_date=tomorrow) == []
    assert AuditEvent.objects.filter(action="book.aged").count() == 1


def test_ageing_twice_on_the_same_day_changes_nothing_more(make_creditor, make_portfolio, make_account,
                                                           business_date, django_capture_on_commit_callbacks):
    account = make_account(make_portfolio(make_creditor()), due=business_date - dt.timedelta(days=30))
    later = business_date + dt.timedelta(days=5)
    run(age_book_task, later.isoformat(), capture=django_capture_on_commit_callbacks)
    second = run(age_book_task, later.isoformat(), capture=django_capture_on_commit_callbacks)
    account.refresh_from_db()
    assert second["bucket_moves"] == 0
    assert BucketSpell.objects.filter(account=account).count() == 2
