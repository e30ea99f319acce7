"""Payments racing each other on PostgreSQL: each is posted once, nothing is lost, nothing deadlocks.

Every thread works on its own database connection and closes it; a barrier releases them together so
they really race.
"""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from arrears.conftest import greek_debtor
from arrears.core.actors import SystemActor
from arrears.core.models import AuditEvent
from arrears.core.money import Money
from arrears.ledger.models import EntryKind, LedgerEntry, Payment
from arrears.ledger.queries import ledger_discrepancies
from arrears.ledger.services import PaymentConflict, PaymentIn, post_payment, post_payments
from arrears.portfolio.services import IdentifierIn

THREADS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def race(work_items):
    """Run work(i) for every item on its own thread and connection, all released at once.

    Returns (results, errors) in item order: the return value or the exception of each."""
    barrier = threading.Barrier(len(work_items), timeout=30)
    results = [None] * len(work_items)
    errors = [None] * len(work_items)

    def run(i, work):
        try:
            barrier.wait()
            results[i] = work()
        except Exception as exc:  # noqa: BLE001 - reported to the test, which checks each one
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(work_items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a posting thread hung"
    return results, errors


@pytest.fixture
def account(make_creditor, make_portfolio, make_account, business_date):
    return make_account(make_portfolio(make_creditor()), principal="1000.00", interest="40.00")


def payment(account, amount="100.00", external_id="bank-2026-0001", **extra):
    return PaymentIn(account_id=account.pk, amount=Money.of(amount, "EUR"), source="bank",
                     external_id=external_id, value_date=dt.date(2026, 11, 20), **extra)


def test_the_same_payment_sent_by_twenty_at_once_is_posted_once(account, business_date):
    actor = SystemActor("webhook")
    same = payment(account)
    results, errors = race([lambda: post_payment(actor=actor, payment=same)] * THREADS)

    assert errors == [None] * THREADS
    assert Counter(outcome.created for outcome in results) == {True: 1, False: THREADS - 1}
    assert {outcome.payment.pk for outcome in results} == {Payment.objects.get().pk}
    entries = LedgerEntry.objects.filter(kind=EntryKind.PAYMENT)
    assert sorted((e.component, e.amount_minor) for e in entries) == [("interest", -4000), ("principal", -6000)]
    account.refresh_from_db()
    assert (account.interest_minor, account.principal_minor) == (0, 94000)
    assert AuditEvent.objects.filter(action="payment.posted").count() == 1
    assert ledger_discrepancies(business_date=business_date) == []


def test_a_duplicate_with_different_content_racing_the_original_is_a_conflict(account, business_date):
    actor = SystemActor("webhook")
    variants = [payment(account, "100.00"), payment(account, "250.00")]
    work = [lambda p=variants[i % 2]: post_payment(actor=actor, payment=p) for i in range(THREADS)]
    results, errors = race(work)

    posted = Payment.objects.get()
    winner = 0 if posted.amount_minor == 10000 else 1
    for i in range(THREADS):
        if i % 2 == winner:
            assert errors[i] is None and results[i].payment.pk == posted.pk
        else:
            assert isinstance(errors[i], PaymentConflict), errors[i]
            assert "external_id" in errors[i].message_dict
    assert sum(1 for r in results if r is not None and r.created) == 1
    account.refresh_from_db()
    assert account.balance_minor == 104000 - posted.amount_minor
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT, payment=posted).count() >= 1
    assert ledger_discrepancies(business_date=business_date) == []


def test_one_payment_id_racing_onto_two_accounts_is_posted_once(make_creditor, make_portfolio, make_account,
                                                                business_date):
    """The same sender's id for two accounts of one creditor: one is posted, the other refused by name."""
    portfolio = make_portfolio(make_creditor())
    first = make_account(portfolio)
    second = make_account(portfolio, debtor=greek_debtor(identifiers=[IdentifierIn("GR-AFM", "123456783")]))
    actor = SystemActor("webhook")
    work = [lambda a=(first, second)[i % 2]: post_payment(actor=actor, payment=payment(a)) for i in range(THREADS)]
    results, errors = race(work)

    posted = Payment.objects.get()
    refused = [e for e in errors if e is not None]
    assert all(isinstance(e, ValidationError) and "external_id" in e.message_dict for e in refused), refused
    assert len(refused) == THREADS // 2
    assert {r.payment.pk for r in results if r is not None} == {posted.pk}
    assert ledger_discrepancies(business_date=business_date) == []


def test_twenty_different_payments_to_one_account_at_once_are_all_counted(account, business_date):
    actor = SystemActor("webhook")
    work = [lambda i=i: post_payment(actor=actor, payment=payment(account, "10.00", f"bank-{i}"))
            for i in range(THREADS)]
    results, errors = race(work)

    assert errors == [None] * THREADS
    assert all(outcome.created for outcome in results)
    account.refresh_from_db()
    assert account.balance_minor == 104000 - THREADS * 1000
    assert Payment.objects.count() == THREADS
    assert ledger_discrepancies(business_date=business_date) == []


def test_batches_touching_the_same_accounts_in_opposite_orders_do_not_deadlock(make_creditor, make_portfolio,
                                                                               make_account, business_date):
    portfolio = make_portfolio(make_creditor())
    first = make_account(portfolio)
    second = make_account(portfolio, debtor=greek_debtor(identifiers=[IdentifierIn("GR-AFM", "123456783")]))
    actor = SystemActor("import")

    def batch(i):
        accounts = (first, second) if i % 2 else (second, first)
        return post_payments(actor=actor, payments=[payment(a, "5.00", f"batch-{i}-{a.pk}") for a in accounts])

    results, errors = race([lambda i=i: batch(i) for i in range(10)])

    assert errors == [None] * 10
    for account in (first, second):
        account.refresh_from_db()
        assert account.balance_minor == 100000 - 10 * 500
    assert ledger_discrepancies(business_date=business_date) == []
