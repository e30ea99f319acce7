"""Counters and flags in the shared cache (Redis in production), for the hot paths: API rate limits
and the domain-event dispatcher.

On Redis each is one round trip through one client kept per process (Django's cache API builds a
client object on every call, which the payment path felt); other caches go through the cache API.
"""

import threading

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

_clients: dict[str, object] = {}
_lock = threading.Lock()


def _redis():
    """(client, backend) when the shared cache is Redis, else (None, None)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None, None
    server = backend._servers[0]
    client = _clients.get(server)
    if client is None:
        with _lock:
            client = _clients.setdefault(server, backend._cache.get_client(write=True))
    return client, backend


def count(name: str, expires: int) -> int:
    """Add one to a counter that lives `expires` seconds from its first count, and return it."""
    client, backend = _redis()
    if client is not None:
        key = backend.make_and_validate_key(name)
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, expires, nx=True)
        return pipe.execute()[0]
    cache.add(name, 0, timeout=expires)
    try:
        return cache.incr(name)
    except ValueError:  # evicted between add and incr
        cache.set(name, 1, timeout=expires)
        return 1


def raise_flag(name: str, expires: int) -> bool:
    """Set a flag unless it is up; True when this call raised it."""
    client, backend = _redis()
    if client is not None:
        return bool(client.set(backend.make_and_validate_key(name), 1, nx=True, ex=expires))
    return cache.add(name, 1, timeout=expires)


def lower_flag(name: str) -> None:
    client, backend = _redis()
    if client is not None:
        client.delete(backend.make_and_validate_key(name))
    else:
        cache.delete(name)
