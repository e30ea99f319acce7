"""API keys: hashed, scoped, expiring, revocable, rotated with overlap, rate-limited; one creditor each."""

import datetime as dt

import pytest
from django.utils import timezone

from arrears.api.models import ApiKey
from arrears.api.services import revoke_api_key, rotate_api_key
from arrears.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_key_is_stored(api, book):
    key = ApiKey.objects.get()
    assert api.key not in (key.secret_hash, key.prefix) and api.key.startswith(f"ark_{key.prefix}_")
    assert AuditEvent.objects.filter(action="api_key.created", object_id=str(key.pk)).exists()


def test_a_wrong_revoked_or_expired_key_is_refused_with_the_reason_and_recorded(api, book, system, make_key):
    assert api.call("get", "/accounts/GR-0001", key="ark_nothere_xxxx").status_code == 401
    key = ApiKey.objects.get()
    revoke_api_key(actor=system, key=key, reason="leaked in a log")
    answer = api.call("get", "/accounts/GR-0001")
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]
    old, full = make_key(book[0])
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    answer = api.call("get", "/accounts/GR-0001", key=full)
    assert answer.status_code == 401 and "expired" in answer.json()["detail"]
    statuses = list(AuditEvent.objects.filter(action="api.call").values_list("after__status", flat=True))
    assert statuses == [401, 401, 401]


def test_a_key_does_only_what_its_scopes_allow(api, book, make_key):
    _key, reader = make_key(book[0], scopes=["accounts:read"])
    assert api.call("get", "/accounts/GR-0001", key=reader).status_code == 200
    answer = api.call("post", "/payments", {"account_reference": "GR-0001", "payment_id": "p", "amount": "1.00",
                                            "currency": "EUR", "value_date": "2026-11-20"}, key=reader)
    assert answer.status_code == 403 and "payments:write" in answer.json()["detail"]


def test_a_creditor_sees_nothing_of_another_creditors_book(api, book, make_creditor, make_key):
    _key, other = make_key(make_creditor(code="beta-telecom"))
    assert api.call("get", "/accounts/GR-0001", key=other).status_code == 404
    assert api.call("get", "/accounts", key=other).json()["accounts"] == []
    assert api.call("get", "/accounts").json()["accounts"][0]["creditor_reference"] == "GR-0001"


def test_rotation_keeps_the_old_key_working_for_the_overlap_then_not(api, book, system):
    old = ApiKey.objects.get()
    new, full = rotate_api_key(actor=system, key=old, overlap=dt.timedelta(hours=1))
    assert api.call("get", "/accounts/GR-0001").status_code == 200
    assert api.call("get", "/accounts/GR-0001", key=full).status_code == 200
    ApiKey.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api.call("get", "/accounts/GR-0001").status_code == 401
    assert api.call("get", "/accounts/GR-0001", key=full).status_code == 200


def test_the_rate_limit_answers_429_with_when_to_retry(book, make_key, client):
    _key, full = make_key(book[0], rate_limit_per_minute=3)
    answers = [client.get("/api/v1/accounts/GR-0001", HTTP_AUTHORIZATION=f"Bearer {full}") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60


def test_the_rate_limit_counts_in_redis_as_in_production(book, make_key, client, settings):
    """Production counts in Redis (one round trip per call); the limit holds there too."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                   "KEY_PREFIX": "arrears-test"}}
    from django.core.cache import cache as redis_cache

    redis_cache.clear()
    _key, full = make_key(book[0], rate_limit_per_minute=2)
    answers = [client.get("/api/v1/accounts/GR-0001", HTTP_AUTHORIZATION=f"Bearer {full}") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    counters = redis.Redis.from_url(url).keys("arrears-test:*api-rate*")
    assert len(counters) == 1 and 0 < redis.Redis.from_url(url).ttl(counters[0]) <= 120
    redis_cache.clear()


def test_the_openapi_document_is_served_without_a_key(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert "/api/v1/payments" in answer.json()["paths"]


def test_staff_create_a_key_in_the_back_office_and_see_it_once(client, book, make_user):
    from arrears.core.roles import Role

    admin_user = make_user("ops-admin", role=Role.ADMIN)
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    answer = client.post("/admin/api/apikey/add/", {"creditor": book[0].pk, "name": "ERP", "scopes": ["payments:write"],
                                                    "rate_limit_per_minute": 600}, follow=True)
    assert answer.status_code == 200
    key = ApiKey.objects.get(name="ERP")
    shown = [str(m) for m in answer.context["messages"]]
    assert any(f"ark_{key.prefix}_" in m for m in shown)
    assert AuditEvent.objects.filter(action="api_key.created", object_id=str(key.pk), actor=admin_user).exists()
