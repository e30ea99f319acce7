"""Demo logins, one per role, for `arrears demo`."""

import os

from arrears.core.actors import SystemActor
from arrears.core.models import User
from arrears.core.roles import Role
from arrears.core.services import create_user

DEMO_PASSWORD = os.getenv("DEMO_PASSWORD", "arrears-demo-2026")


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """Create the demo users that are missing; return (username, password, role) for each."""
    from arrears.portfolio.models import Creditor

    actor = SystemActor("demo")
    all_creditors = list(Creditor.objects.values_list("pk", flat=True))
    first_creditor = Creditor.objects.order_by("pk").first()
    logins = []
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        # The agent and the creditor user see one creditor, to show the scoping at work.
        one = role in (Role.AGENT, Role.CREDITOR) and first_creditor is not None
        creditors = [first_creditor.pk] if one else all_creditors
        if not User.objects.filter(username=username).exists():
            create_user(actor=actor, username=username, password=DEMO_PASSWORD, role=role,
                        first_name=str(role.label), creditor_ids=creditors, check_password=False)
        logins.append((username, DEMO_PASSWORD, str(role.label)))
    return logins
