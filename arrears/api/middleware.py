"""Every call to the creditor API leaves an audit event: who, what, the answer; refused calls too."""

from arrears.core.actors import SystemActor
from arrears.core.audit import record

API_PREFIX = "/api/v1/"
UNAUDITED = ("/api/v1/openapi.json", "/api/v1/docs")
ANONYMOUS = SystemActor("api-anonymous", actions=frozenset())


def _auditable(text: str) -> str:
    """A caller's path or header as the audit trail can hold it (PostgreSQL refuses the NUL character)."""
    return text.replace("\x00", "\N{REPLACEMENT CHARACTER}")


class ApiCallAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = _auditable(request.path)
        if path.startswith(API_PREFIX) and not path.startswith(UNAUDITED):
            actor = getattr(request, "auth", None) or ANONYMOUS
            record(actor=actor, action="api.call", object_type="api.endpoint", object_id=path[:64],
                   creditor_id=getattr(actor, "creditor_id", None),
                   after={"method": request.method, "path": path[:500], "status": response.status_code,
                          "idempotency_key": _auditable(request.headers.get("Idempotency-Key", ""))[:255]})
        return response
