"""Idempotency-Key: the same key with the same request gets the first answer again; with another, 409.

Only successful answers are kept, so a request refused for bad input can be corrected and sent
again under the same key. The answer is stored in the transaction that did the work, so it exists
exactly when the work does.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja.errors import ValidationError as SchemaError

from arrears.api.errors import Conflict
from arrears.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _fingerprint(endpoint: str, body) -> str:
    return hashlib.sha256(json.dumps([endpoint, body], sort_keys=True, default=str).encode()).hexdigest()


def _replay(record: IdempotencyRecord, endpoint: str, digest: str) -> tuple[int, dict]:
    if record.endpoint != endpoint or record.request_hash != digest:
        raise Conflict(_("Idempotency-Key “%(key)s” was first used on %(when)s for a different request "
                         "(%(endpoint)s); send a new key for a new request.")
                       % {"key": record.key, "when": record.created_at.isoformat(timespec="seconds"),
                          "endpoint": record.endpoint})
    return record.status_code, record.response


def once(request, endpoint: str, body, work: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run `work` (which returns status and JSON answer) at most once per idempotency key."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return work()
    if len(key) > 255:
        raise Conflict(_("An Idempotency-Key is at most 255 characters."))
    if "\x00" in key:
        raise SchemaError([{"loc": ["header", HEADER], "msg": _("Text may not contain the NUL character."),
                            "type": "nul_character"}])
    actor = request.auth
    digest = _fingerprint(endpoint, body)
    earlier = IdempotencyRecord.objects.filter(creditor_id=actor.creditor_id, key=key).first()
    if earlier is not None:
        return _replay(earlier, endpoint, digest)
    try:
        with transaction.atomic():
            status, answer = work()
            if 200 <= status < 300:
                IdempotencyRecord.objects.create(creditor_id=actor.creditor_id, key=key, endpoint=endpoint,
                                                 request_hash=digest, status_code=status, response=answer,
                                                 api_key_id=actor.key_id)
    except IntegrityError:
        # The same key arrived twice at once: the other request won; answer as it did.
        earlier = IdempotencyRecord.objects.filter(creditor_id=actor.creditor_id, key=key).first()
        if earlier is None:
            raise
        return _replay(earlier, endpoint, digest)
    return status, answer
