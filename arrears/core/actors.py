"""Who is acting: a signed-in user, or the system itself (seeding, nightly jobs, imports).

Services take `actor=` and ask it two things: may it do this action, and for which creditors.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from arrears.core.roles import ALL_ACTIONS


@dataclass(frozen=True)
class SystemActor:
    """arrears acting on its own behalf; `label` says which part (e.g. "seed", "nightly")."""

    label: str
    actions: frozenset[str] = ALL_ACTIONS
    creditors: frozenset[int] | None = None  # None: every creditor

    is_authenticated = True
    is_active = True

    def may(self, action: str) -> bool:
        return action in self.actions

    @property
    def sees_all_creditors(self) -> bool:
        return self.creditors is None

    def creditor_ids(self) -> frozenset[int]:
        return self.creditors or frozenset()


def audit_identity(actor) -> tuple[object, str]:
    """(user or None, label) for the audit trail."""
    if isinstance(actor, SystemActor):
        return None, f"system:{actor.label}"
    label = getattr(actor, "audit_label", None)
    if label:
        return getattr(actor, "audit_user", None), label
    return actor, actor.get_username()


def authorize(actor, action: str, creditor_id: int | None = None) -> None:
    """Raise PermissionDenied unless the actor may do `action` on that creditor's book."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.may(action):
        raise PermissionDenied(_("You may not do this (%(action)s).") % {"action": action})
    if creditor_id is not None and not actor.sees_all_creditors and creditor_id not in actor.creditor_ids():
        raise PermissionDenied(_("This creditor's accounts are not yours to work on."))


SEED = SystemActor("seed")
NIGHTLY = SystemActor("nightly")
