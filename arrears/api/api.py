"""The creditor REST API, /api/v1: OpenAPI at /api/v1/openapi.json, browsable docs at /api/v1/docs."""

from ninja import NinjaAPI

from arrears.api import errors
from arrears.api.auth import ApiKeyAuth
from arrears.api.routes import accounts, events, payments, placements

api = NinjaAPI(
    title="arrears creditor API",
    version="1",
    description=(
        "Placements in, payments and adjustments, account state and events out. Authenticate with a "
        "creditor API key (`Authorization: Bearer ark_...`). Write calls accept an `Idempotency-Key` "
        "header: the same key with the same request returns the first answer; with a different request, 409."
    ),
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("", placements.router)
api.add_router("", payments.router)
api.add_router("", accounts.router)
api.add_router("", events.router)
