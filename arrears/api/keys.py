"""API key material and the actor a key acts as.

A key reads `ark_<prefix>_<secret>`: the prefix finds the row, the whole key is compared by its
SHA-256. The secret is 32 random bytes, so a fast hash is as safe as a slow one here (nothing to
guess), and a slow password hash would add tens of milliseconds to every call.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from arrears.api.models import ApiKey, Scope
from arrears.core import roles

KEY_PREFIX = "ark"

SCOPE_ACTIONS = {
    Scope.PLACEMENTS_WRITE: {roles.PLACE_ACCOUNTS},
    Scope.PAYMENTS_WRITE: {roles.POST_PAYMENTS},
    Scope.ADJUSTMENTS_WRITE: {roles.POST_ADJUSTMENTS, roles.REVERSE_ENTRIES, roles.SET_DEBTOR_FLAGS},
    Scope.ACCOUNTS_READ: {roles.VIEW},
    Scope.EVENTS_READ: {roles.VIEW},
}


def new_key_material() -> tuple[str, str, str]:
    """(prefix, full key shown once, hash to store)."""
    prefix = secrets.token_hex(5)
    full = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return prefix, full, hash_key(full)


def hash_key(full: str) -> str:
    return hashlib.sha256(full.encode()).hexdigest()


def split_key(full: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    parts = full.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2] or "\x00" in full:
        return None
    return parts[1]


def matches(key: ApiKey, full: str) -> bool:
    return hmac.compare_digest(key.secret_hash, hash_key(full))


@dataclass(frozen=True)
class ApiActor:
    """A creditor's system calling the API: its creditor only, the actions its scopes grant."""

    key_id: int
    prefix: str
    creditor_id: int
    scopes: frozenset[str]

    is_authenticated = True
    is_active = True
    sees_all_creditors = False
    audit_user = None

    @property
    def audit_label(self) -> str:
        return f"api:{self.prefix}"

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(action for scope in self.scopes for action in SCOPE_ACTIONS.get(scope, ()))

    def may(self, action: str) -> bool:
        return action in self.actions

    def creditor_ids(self) -> frozenset[int]:
        return frozenset({self.creditor_id})

    @classmethod
    def of(cls, key: ApiKey) -> "ApiActor":
        return cls(key.pk, key.prefix, key.creditor_id, frozenset(key.scopes))
