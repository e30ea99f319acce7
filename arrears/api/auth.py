"""Who is calling: the API key in `Authorization: Bearer ark_...`, checked, rate-limited, remembered."""

import datetime as dt
import time

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from arrears.api.keys import ApiActor, matches, split_key
from arrears.api.models import ApiKey
from arrears.core import shared_cache

LAST_USED_EVERY = dt.timedelta(minutes=1)  # a write per call would make the key row a hot spot


class ApiRefusal(Exception):  # noqa: N818 - an answer, not a bug
    """A request refused before it reaches an endpoint: bad or dead key, too many requests."""

    def __init__(self, status: int, message: str, retry_after: int | None = None, prefix: str = ""):
        super().__init__(message)
        self.status, self.message, self.retry_after, self.prefix = status, message, retry_after, prefix


def _rate_limit(key: ApiKey) -> None:
    """A fixed one-minute window per key, counted in the shared cache (Redis in production)."""
    now = time.time()
    window = int(now // 60)
    used = shared_cache.count(f"api-rate:{key.pk}:{window}", expires=120)
    if used > key.rate_limit_per_minute:
        raise ApiRefusal(429, _("Rate limit of %(limit)s requests a minute reached for key %(prefix)s.")
                         % {"limit": key.rate_limit_per_minute, "prefix": key.prefix},
                         retry_after=60 - int(now % 60), prefix=key.prefix)


class ApiKeyAuth(HttpBearer):
    openapi_description = "A creditor's API key: `Authorization: Bearer ark_<prefix>_<secret>`."

    def authenticate(self, request, token):
        prefix = split_key(token)
        key = next(iter(ApiKey.objects.filter(prefix=prefix)[:1]), None) if prefix else None  # prefix is unique
        if key is None or not matches(key, token):
            raise ApiRefusal(401, _("This API key is not valid."), prefix=prefix or "")
        now = timezone.now()
        if key.revoked_at is not None:
            raise ApiRefusal(401, _("API key %(prefix)s was revoked on %(when)s.")
                             % {"prefix": key.prefix, "when": key.revoked_at.date().isoformat()}, prefix=key.prefix)
        if key.expires_at is not None and key.expires_at <= now:
            raise ApiRefusal(401, _("API key %(prefix)s expired on %(when)s.")
                             % {"prefix": key.prefix, "when": key.expires_at.date().isoformat()}, prefix=key.prefix)
        _rate_limit(key)
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return ApiActor.of(key)


def require(request, scope: str) -> ApiActor:
    """The calling actor, if its key has `scope`."""
    actor = request.auth
    if scope not in actor.scopes:
        raise ApiRefusal(403, _("API key %(prefix)s lacks the scope %(scope)s.")
                         % {"prefix": actor.prefix, "scope": scope}, prefix=actor.prefix)
    return actor
