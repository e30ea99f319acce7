"""Roles and what each may do: the one permission mechanism, used by services and by querysets."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COMPLIANCE = "compliance", _("Compliance officer")
    STRATEGY = "strategy", _("Strategy manager")
    TEAM_LEAD = "team_lead", _("Team lead")
    AGENT = "agent", _("Agent")
    CREDITOR = "creditor", _("Creditor user")


# Actions, named for what the person does. Services check them; `visible_to` checks "view".
VIEW = "view"
VIEW_PERSONAL_DATA = "view_personal_data"
PLACE_ACCOUNTS = "place_accounts"
EDIT_DEBTOR = "edit_debtor"
EDIT_CONTACT_POINTS = "edit_contact_points"
SET_DEBTOR_FLAGS = "set_debtor_flags"
POST_PAYMENTS = "post_payments"
POST_ADJUSTMENTS = "post_adjustments"
REVERSE_ENTRIES = "reverse_entries"
MANAGE_CREDITORS = "manage_creditors"
MANAGE_USERS = "manage_users"
VIEW_AUDIT = "view_audit"
ARRANGE = "arrange"  # promises, plans, settlements, answering restructuring proposals
MANAGE_POLICIES = "manage_policies"  # what offers a creditor allows
ANSWER_PROPOSALS = "answer_proposals"  # accept, counter or reject a debtor's restructuring proposal
DISPUTE = "dispute"  # open a dispute for the debtor
ANSWER_DISPUTES = "answer_disputes"  # uphold or reject a dispute
RECORD_CIRCUMSTANCES = "record_circumstances"  # hardship, vulnerability, a request to pause
MANAGE_PORTAL = "manage_portal"  # the portal's brands: name, logo, colours

ALL_ACTIONS = frozenset(
    {
        VIEW, VIEW_PERSONAL_DATA, PLACE_ACCOUNTS, EDIT_DEBTOR, EDIT_CONTACT_POINTS, SET_DEBTOR_FLAGS,
        POST_PAYMENTS, POST_ADJUSTMENTS, REVERSE_ENTRIES, MANAGE_CREDITORS, MANAGE_USERS, VIEW_AUDIT,
        ARRANGE, MANAGE_POLICIES, ANSWER_PROPOSALS, DISPUTE, ANSWER_DISPUTES, RECORD_CIRCUMSTANCES, MANAGE_PORTAL,
    }
)

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: ALL_ACTIONS,
    Role.COMPLIANCE: frozenset({VIEW, VIEW_PERSONAL_DATA, SET_DEBTOR_FLAGS, EDIT_CONTACT_POINTS, VIEW_AUDIT,
                                DISPUTE, ANSWER_DISPUTES, RECORD_CIRCUMSTANCES}),
    Role.STRATEGY: frozenset({VIEW, MANAGE_POLICIES}),
    Role.TEAM_LEAD: frozenset(
        {VIEW, VIEW_PERSONAL_DATA, EDIT_DEBTOR, EDIT_CONTACT_POINTS, SET_DEBTOR_FLAGS, POST_PAYMENTS,
         POST_ADJUSTMENTS, REVERSE_ENTRIES, ARRANGE, ANSWER_PROPOSALS, DISPUTE, ANSWER_DISPUTES,
         RECORD_CIRCUMSTANCES}
    ),
    Role.AGENT: frozenset({VIEW, VIEW_PERSONAL_DATA, EDIT_CONTACT_POINTS, SET_DEBTOR_FLAGS, POST_PAYMENTS, ARRANGE,
                           DISPUTE, RECORD_CIRCUMSTANCES}),
    Role.CREDITOR: frozenset({VIEW, VIEW_PERSONAL_DATA, PLACE_ACCOUNTS, POST_PAYMENTS, POST_ADJUSTMENTS}),
}

# Roles that see every creditor's book; the others see only the creditors they are assigned.
ALL_CREDITOR_ROLES = frozenset({Role.ADMIN, Role.COMPLIANCE})
