"""Users, roles and what each role may do; user writes are validated and audited."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError

from arrears.core import roles
from arrears.core.actors import SystemActor, authorize
from arrears.core.models import AuditEvent, User
from arrears.core.roles import Role
from arrears.core.services import create_user, update_user

pytestmark = pytest.mark.django_db

PRODUCTION_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher",
                      "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
STRONG = "correct horse battery staple"


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.ADMIN, roles.ALL_ACTIONS, set()),
        (Role.COMPLIANCE, {roles.VIEW, roles.VIEW_PERSONAL_DATA, roles.SET_DEBTOR_FLAGS, roles.VIEW_AUDIT},
         {roles.POST_PAYMENTS, roles.PLACE_ACCOUNTS, roles.MANAGE_USERS, roles.REVERSE_ENTRIES}),
        (Role.STRATEGY, {roles.VIEW}, {roles.VIEW_PERSONAL_DATA, roles.POST_PAYMENTS, roles.EDIT_DEBTOR}),
        (Role.TEAM_LEAD, {roles.POST_PAYMENTS, roles.REVERSE_ENTRIES, roles.EDIT_DEBTOR},
         {roles.MANAGE_USERS, roles.MANAGE_CREDITORS, roles.PLACE_ACCOUNTS, roles.VIEW_AUDIT}),
        (Role.AGENT, {roles.VIEW, roles.VIEW_PERSONAL_DATA, roles.POST_PAYMENTS, roles.EDIT_CONTACT_POINTS},
         {roles.REVERSE_ENTRIES, roles.POST_ADJUSTMENTS, roles.EDIT_DEBTOR, roles.MANAGE_USERS, roles.VIEW_AUDIT}),
        (Role.CREDITOR, {roles.VIEW, roles.PLACE_ACCOUNTS, roles.POST_PAYMENTS},
         {roles.REVERSE_ENTRIES, roles.EDIT_DEBTOR, roles.SET_DEBTOR_FLAGS, roles.MANAGE_USERS, roles.VIEW_AUDIT}),
    ],
)
def test_what_each_role_may_do(make_creditor, make_user, role, allowed, refused):
    user = make_user(f"u-{role}", role=role, creditors=[make_creditor()])
    assert {action for action in roles.ALL_ACTIONS if user.may(action)} >= set(allowed)
    assert not any(user.may(action) for action in refused)
    if role != Role.ADMIN:  # administrators are superusers: they may anything
        assert not user.may("launch_missiles")


def test_every_role_has_an_entry_in_the_permission_table():
    assert set(roles.ROLE_ACTIONS) == set(Role.values)
    for actions in roles.ROLE_ACTIONS.values():
        assert actions <= roles.ALL_ACTIONS


def test_an_inactive_user_may_do_nothing(make_user):
    user = make_user("gone", role=Role.ADMIN)
    user.is_active = False
    assert not any(user.may(action) for action in roles.ALL_ACTIONS)
    with pytest.raises(PermissionDenied):
        authorize(user, roles.VIEW)


def test_only_administrators_and_compliance_see_every_creditor(make_creditor, make_user):
    alpha = make_creditor("alpha-bank")
    assert make_user("admin", role=Role.ADMIN).sees_all_creditors
    assert make_user("compliance", role=Role.COMPLIANCE).sees_all_creditors
    for role in (Role.AGENT, Role.TEAM_LEAD, Role.STRATEGY, Role.CREDITOR):
        user = make_user(f"user-{role}", role=role, creditors=[alpha])
        assert not user.sees_all_creditors
        assert user.creditor_ids() == {alpha.pk}


def test_create_user_sets_staff_flags_from_the_role_and_audits_it(system, make_creditor):
    alpha = make_creditor()
    admin = create_user(actor=system, username="ada", password=STRONG, role=Role.ADMIN, email="ada@example.org")
    client = create_user(actor=system, username="alpha-api", password=STRONG, role=Role.CREDITOR,
                         creditor_ids=[alpha.pk])
    agent = create_user(actor=system, username="nikos", password=STRONG, role=Role.AGENT, first_name="Νίκος",
                        last_name="Παπαδάκης", creditor_ids=[alpha.pk])
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert (client.is_staff, client.is_superuser) == (False, False)
    assert (agent.is_staff, agent.is_superuser) == (True, False)
    assert set(agent.creditors.all()) == {alpha}
    event = AuditEvent.objects.get(action="user.created", object_id=str(agent.pk))
    assert (event.actor, event.actor_label, event.object_type) == (None, "system:test", "core.user")
    assert event.before is None
    assert event.after["username"] == "nikos"
    assert event.after["role"] == "agent"
    assert event.after["creditors"] == [alpha.pk]
    assert STRONG not in str(event.after) and "password" not in event.after


def test_passwords_are_hashed_with_argon2_outside_tests(system, settings):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = create_user(actor=system, username="ada", password=STRONG, role=Role.ADMIN)
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert STRONG not in user.password
    assert user.check_password(STRONG) and not user.check_password(STRONG + "!")
    update_user(actor=system, user=user, changes={}, password="another long passphrase")
    user.refresh_from_db()
    assert user.password.startswith("argon2$") and check_password("another long passphrase", user.password)


def test_the_settings_put_argon2_first_when_not_testing(tmp_path):
    """Tests swap in a fast hasher; a real installation must hash with Argon2."""
    env = {**os.environ, "ARREARS_TESTING": "false", "SECRET_KEY": "s" * 50, "ARREARS_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "arrears.settings"}
    env.pop("DATABASE_URL", None)
    script = "from django.conf import settings; print(settings.TESTING, settings.PASSWORD_HASHERS[0])"
    output = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert output.stdout.split() == ["False", "django.contrib.auth.hashers.Argon2PasswordHasher"]


def test_a_weak_password_is_refused_and_nothing_is_written(system):
    with pytest.raises(ValidationError) as error:
        create_user(actor=system, username="weak", password="short", role=Role.AGENT)
    assert any("short" in message for message in error.value.messages)
    assert not User.objects.filter(username="weak").exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [({"role": "wizard"}, "role"), ({"role": Role.CREDITOR}, "creditors"), ({"username": "taken"}, "username")],
)
def test_bad_users_are_refused_naming_the_field(system, make_user, values, field):
    make_user("taken")
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as error:
        create_user(actor=system, **{"username": "new", "password": STRONG, "role": Role.AGENT, **values})
    assert field in error.value.message_dict
    if "role" in values and values["role"] == "wizard":
        assert "wizard" in error.value.message_dict["role"][0]
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_only_those_who_manage_users_create_or_change_them(make_creditor, make_user):
    alpha = make_creditor()
    lead = make_user("lead", role=Role.TEAM_LEAD, creditors=[alpha])
    with pytest.raises(PermissionDenied):
        create_user(actor=lead, username="friend", password=STRONG, role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        update_user(actor=lead, user=lead, changes={"role": Role.ADMIN})
    lead.refresh_from_db()
    assert lead.role == Role.TEAM_LEAD
    assert not User.objects.filter(username="friend").exists()


def test_update_user_records_what_changed_by_whom(make_creditor, make_user):
    alpha, beta = make_creditor("alpha-bank"), make_creditor("beta-fund")
    admin = make_user("ada", role=Role.ADMIN)
    agent = make_user("nikos", creditors=[alpha])
    update_user(actor=admin, user=agent, changes={"email": "nikos@example.org", "preferred_language": "el"},
                creditor_ids=[alpha.pk, beta.pk], password="a much longer passphrase")
    event = AuditEvent.objects.get(action="user.updated")
    assert (event.actor, event.actor_label, event.object_id) == (admin, "ada", str(agent.pk))
    assert event.before == {"email": "", "preferred_language": "en", "creditors": [alpha.pk], "password": None}
    assert event.after == {"email": "nikos@example.org", "preferred_language": "el",
                           "creditors": sorted([alpha.pk, beta.pk]), "password": "changed"}
    agent.refresh_from_db()
    assert agent.check_password("a much longer passphrase")
    assert agent.creditor_ids() == {alpha.pk, beta.pk}


@pytest.mark.parametrize(("changes", "field"), [({"password": "x"}, "password"), ({"last_login": None}, "last_login"),
                                                ({"is_superuser": True}, "is_superuser"), ({"role": "wizard"}, "role")])
def test_update_user_refuses_what_it_may_not_change_and_writes_nothing(make_user, changes, field):
    admin = make_user("ada", role=Role.ADMIN)
    agent = make_user("nikos")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        update_user(actor=admin, user=agent, changes=changes)
    assert field in error.value.message_dict
    agent.refresh_from_db()
    assert agent.role == Role.AGENT
    assert AuditEvent.objects.count() == events


def test_a_demoted_administrator_loses_every_power(make_creditor, make_user):
    """Changing the role is what takes powers away: no superuser flag may be left behind."""
    alpha = make_creditor()
    admin = make_user("ada", role=Role.ADMIN)
    boss = make_user("boss", role=Role.ADMIN)
    update_user(actor=boss, user=admin, changes={"role": Role.AGENT}, creditor_ids=[alpha.pk])
    admin = User.objects.get(pk=admin.pk)
    assert not admin.is_superuser
    assert not admin.may(roles.MANAGE_USERS)
    assert not admin.sees_all_creditors
    with pytest.raises(PermissionDenied):
        create_user(actor=admin, username="backdoor", password=STRONG, role=Role.ADMIN)


def test_a_staff_user_turned_creditor_user_leaves_the_back_office(make_creditor, make_user):
    alpha = make_creditor()
    boss = make_user("boss", role=Role.ADMIN)
    agent = make_user("nikos", creditors=[alpha])
    update_user(actor=boss, user=agent, changes={"role": Role.CREDITOR})
    agent.refresh_from_db()
    assert not agent.is_staff
    update_user(actor=boss, user=agent, changes={"role": Role.TEAM_LEAD})
    agent.refresh_from_db()
    assert agent.is_staff and not agent.is_superuser


def test_a_system_actor_limited_to_creditors_may_not_manage_users():
    api = SystemActor("api", actions=frozenset({roles.POST_PAYMENTS}), creditors=frozenset({1}))
    with pytest.raises(PermissionDenied):
        create_user(actor=api, username="x", password=STRONG, role=Role.AGENT)
