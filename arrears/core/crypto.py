"""Personal identifiers at rest: AES-GCM encryption plus a keyed hash for exact-match lookup.

The ciphertext carries a key id so keys can be rotated; the lookup hash is HMAC-SHA256 over the
normalised value, so equal identifiers can be found without decrypting anything.
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

KEY_ID = "k1"


def _derive(label: bytes) -> bytes:
    material = (settings.DATA_ENCRYPTION_KEY or settings.SECRET_KEY).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"arrears", info=label).derive(material)


@cache
def _cipher() -> AESGCM:
    return AESGCM(_derive(b"identifier-encryption"))


@cache
def _hash_key() -> bytes:
    return _derive(b"identifier-lookup")


def encrypt(plaintext: str, context: str = "") -> str:
    """Encrypt text; `context` (e.g. the identifier scheme) is bound as associated data."""
    nonce = os.urandom(12)
    sealed = _cipher().encrypt(nonce, plaintext.encode(), context.encode())
    return f"{KEY_ID}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, context: str = "") -> str:
    key_id, _, body = token.partition(":")
    if key_id != KEY_ID:
        raise ValueError(f"unknown key id {key_id!r}")
    raw = base64.urlsafe_b64decode(body)
    return _cipher().decrypt(raw[:12], raw[12:], context.encode()).decode()


def lookup_hash(value: str, context: str = "") -> str:
    """Keyed, deterministic hash of a normalised value for equality search."""
    return hmac.new(_hash_key(), f"{context}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def reset_keys() -> None:
    """Forget derived keys (tests that change settings)."""
    _cipher.cache_clear()
    _hash_key.cache_clear()
