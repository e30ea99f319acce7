"""The audit trail: every service write and every staff view of personal data leaves one event."""

from django.db import models

from arrears.core.actors import audit_identity
from arrears.core.bulk import insert_objects
from arrears.core.context import current_request_id
from arrears.core.models import AuditEvent


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """A JSON-safe picture of a model's concrete fields (encrypted values stay encrypted)."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    out = {}
    for name in names:
        value = getattr(instance, name)
        out[name] = value if isinstance(value, (int, float, str, bool, type(None), list, dict)) else str(value)
    return out


def changes(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the fields that differ, so each event says what changed."""
    if not before or not after:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit_event(*, actor, action: str, obj=None, object_type: str = "", object_id="", creditor_id=None,
                before=None, after=None) -> AuditEvent:
    """Build (unsaved) one event; `record` saves one, `record_many` saves a batch in one insert."""
    user, label = audit_identity(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    before, after = changes(before, after)
    return AuditEvent(
        actor=user, actor_label=label[:120], action=action, object_type=object_type, object_id=str(object_id),
        creditor_id=creditor_id, before=before, after=after, request_id=current_request_id(),
    )


def record(**kwargs) -> AuditEvent:
    event = audit_event(**kwargs)
    insert_objects(AuditEvent, [event])
    return event


def record_many(events: list[AuditEvent]) -> None:
    insert_objects(AuditEvent, events)
