"""Every write to API keys: create, rotate with overlap, revoke. Each is audited; the key is shown once."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.api.keys import new_key_material
from arrears.api.models import ApiKey, Scope
from arrears.core import roles
from arrears.core.actors import audit_identity, authorize
from arrears.core.audit import record

MAX_OVERLAP = dt.timedelta(days=30)


def _clean_scopes(scopes) -> list[str]:
    scopes = list(dict.fromkeys(scopes or []))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown or not scopes:
        raise ValidationError({"scopes": [_("Choose one or more of %(known)s; unknown: %(unknown)s.")
                                          % {"known": ", ".join(Scope.values), "unknown": ", ".join(unknown) or "-"}]})
    return scopes


def _public(key: ApiKey) -> dict:
    return {"name": key.name, "prefix": key.prefix, "scopes": key.scopes, "rate_limit_per_minute":
            key.rate_limit_per_minute, "expires_at": key.expires_at.isoformat() if key.expires_at else None}


def create_api_key(*, actor, creditor, name: str, scopes, expires_at: dt.datetime | None = None,
                   rate_limit_per_minute: int = 1200) -> tuple[ApiKey, str]:
    """A new key for the creditor; returns the row and the full key, which is never shown again."""
    authorize(actor, roles.MANAGE_CREDITORS, creditor.pk)
    errors = {}
    if not name.strip():
        errors["name"] = [_("Give the key a name (e.g. the system that uses it).")]
    try:
        scopes = _clean_scopes(scopes)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if not 1 <= rate_limit_per_minute <= 100_000:
        errors["rate_limit_per_minute"] = [_("The rate limit must be between 1 and 100,000 requests a minute.")]
    if errors:
        raise ValidationError(errors)
    prefix, full, hashed = new_key_material()
    with transaction.atomic():
        key = ApiKey.objects.create(creditor=creditor, name=name.strip()[:100], prefix=prefix, secret_hash=hashed,
                                    scopes=scopes, expires_at=expires_at, rate_limit_per_minute=rate_limit_per_minute,
                                    created_by=audit_identity(actor)[1][:120])
        record(actor=actor, action="api_key.created", obj=key, creditor_id=creditor.pk, after=_public(key))
    return key, full


def rotate_api_key(*, actor, key: ApiKey, overlap: dt.timedelta = dt.timedelta(hours=24)) -> tuple[ApiKey, str]:
    """A successor with the same scopes and limits; the old key keeps working for `overlap`, then expires."""
    authorize(actor, roles.MANAGE_CREDITORS, key.creditor_id)
    if not dt.timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValidationError({"overlap": [_("The overlap must be between 0 and 30 days.")]})
    with transaction.atomic():
        old = ApiKey.objects.select_for_update().get(pk=key.pk)
        if not old.usable():
            raise ValidationError({"key": [_("Key %(prefix)s is revoked or expired; create a new one instead.")
                                           % {"prefix": old.prefix}]})
        if ApiKey.objects.filter(replaces=old).exists():
            raise ValidationError({"key": [_("Key %(prefix)s has already been rotated.") % {"prefix": old.prefix}]})
        prefix, full, hashed = new_key_material()
        new = ApiKey.objects.create(creditor_id=old.creditor_id, name=old.name, prefix=prefix, secret_hash=hashed,
                                    scopes=old.scopes, rate_limit_per_minute=old.rate_limit_per_minute,
                                    expires_at=old.expires_at, replaces=old,
                                    created_by=audit_identity(actor)[1][:120])
        ends = timezone.now() + overlap
        before = _public(old)
        old.expires_at = min(old.expires_at, ends) if old.expires_at else ends
        old.save(update_fields=["expires_at"])
        record(actor=actor, action="api_key.rotated", obj=old, creditor_id=old.creditor_id, before=before,
               after={**_public(old), "successor": new.prefix})
    return new, full


def revoke_api_key(*, actor, key: ApiKey, reason: str) -> ApiKey:
    """Stop a key at once (leaked, system retired)."""
    authorize(actor, roles.MANAGE_CREDITORS, key.creditor_id)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the key is revoked.")]})
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is not None:
            raise ValidationError({"key": [_("Key %(prefix)s is already revoked.") % {"prefix": locked.prefix}]})
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(actor=actor, action="api_key.revoked", obj=locked, creditor_id=locked.creditor_id,
               before={"revoked_at": None}, after={"revoked_at": locked.revoked_at.isoformat(), "reason": reason})
    key.revoked_at = locked.revoked_at
    return key
