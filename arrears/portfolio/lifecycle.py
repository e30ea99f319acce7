"""The status lifecycle of an account: which moves staff and creditors may make by hand.

Paid in full, settled and written off are reached through the ledger (the balance reaching zero, a
settlement or a write-off), never by setting the status, so a status can't claim money that isn't there.
"""

from arrears.portfolio.models import Account

S = Account.Status

MANUAL_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.ACTIVE, S.HOLD, S.LEGAL, S.RECALLED, S.CLOSED, S.ARRANGEMENT}),
    S.ACTIVE: frozenset({S.HOLD, S.LEGAL, S.RECALLED, S.CLOSED, S.ARRANGEMENT}),
    S.ARRANGEMENT: frozenset({S.ACTIVE, S.HOLD, S.LEGAL, S.RECALLED}),
    S.HOLD: frozenset({S.ACTIVE, S.LEGAL, S.RECALLED, S.CLOSED}),
    S.LEGAL: frozenset({S.ACTIVE, S.HOLD, S.RECALLED, S.CLOSED}),
    S.PAID: frozenset({S.CLOSED}),
    S.SETTLED: frozenset({S.CLOSED}),
    S.WRITTEN_OFF: frozenset({S.CLOSED}),
    S.RECALLED: frozenset(),
    S.CLOSED: frozenset(),
}

# Moves that stop or end collection need a reason on record.
REASON_REQUIRED = frozenset({S.HOLD, S.LEGAL, S.RECALLED, S.CLOSED})
# Statuses after which the servicer no longer works the account.
ENDED = frozenset({S.PAID, S.SETTLED, S.WRITTEN_OFF, S.RECALLED, S.CLOSED})


def allowed_moves(status: str) -> frozenset[str]:
    return MANUAL_TRANSITIONS.get(status, frozenset())
