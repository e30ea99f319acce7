"""Writes of the core app: users and their creditors."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core import roles
from arrears.core.actors import authorize
from arrears.core.audit import record, snapshot
from arrears.core.models import User

USER_FIELDS = ["username", "email", "first_name", "last_name", "role", "is_active", "is_staff",
               "is_superuser", "preferred_language"]
# is_staff and is_superuser follow from the role; they are recorded, not set directly.
EDITABLE_USER_FIELDS = [name for name in USER_FIELDS if name not in ("is_staff", "is_superuser")]


def create_user(*, actor, username: str, password: str, role: str, email: str = "", first_name: str = "",
                last_name: str = "", creditor_ids=(), preferred_language: str = "en",
                check_password: bool = True) -> User:
    """A staff or creditor user. Staff roles get the back office; creditor users only their creditors."""
    authorize(actor, roles.MANAGE_USERS)
    if role not in roles.Role.values:
        raise ValidationError({"role": _("“%(value)s” is not a role.") % {"value": role}})
    if role == roles.Role.CREDITOR and not creditor_ids:
        raise ValidationError({"creditors": _("A creditor user must belong to at least one creditor.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("The username “%(value)s” is taken.") % {"value": username}})
    user = User(username=username, email=email, first_name=first_name, last_name=last_name, role=role,
                preferred_language=preferred_language)
    _grant_role(user)
    if check_password:
        validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        user.creditors.set(creditor_ids)
        record(actor=actor, action="user.created", obj=user,
               after={**snapshot(user, USER_FIELDS), "creditors": sorted(creditor_ids)})
    return user


def _grant_role(user: User) -> None:
    """The back office is for staff; only administrators hold Django's all-permissions flag."""
    user.is_staff = user.role != roles.Role.CREDITOR
    user.is_superuser = user.role == roles.Role.ADMIN


def update_user(*, actor, user: User, changes: dict, creditor_ids=None, password: str | None = None) -> User:
    authorize(actor, roles.MANAGE_USERS)
    before = {**snapshot(user, USER_FIELDS), "creditors": sorted(user.creditors.values_list("pk", flat=True))}
    with transaction.atomic():
        for name, value in changes.items():
            if name not in EDITABLE_USER_FIELDS:
                raise ValidationError({name: _("This field cannot be changed here.")})
            setattr(user, name, value)
        if "role" in changes:
            if user.role not in roles.Role.values:
                raise ValidationError({"role": _("“%(value)s” is not a role.") % {"value": user.role}})
            _grant_role(user)
        if password:
            validate_password(password, user)
            user.set_password(password)
        user.save()
        if creditor_ids is not None:
            user.creditors.set(creditor_ids)
        after = {**snapshot(user, USER_FIELDS), "creditors": sorted(user.creditors.values_list("pk", flat=True))}
        if password:
            after["password"] = "changed"  # noqa: S105 - records that it changed, never the value
        record(actor=actor, action="user.updated", obj=user, before=before, after=after)
    return user
