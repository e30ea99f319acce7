"""National identifiers at rest: encrypted (AES-GCM, bound to the scheme), found by a keyed hash."""

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from arrears.conftest import greek_debtor
from arrears.core.crypto import KEY_ID, decrypt, encrypt, lookup_hash, reset_keys
from arrears.core.models import AuditEvent
from arrears.portfolio.models import DebtorIdentifier

AFM = "094259216"


@pytest.fixture
def other_key(settings):
    """Switch to another installation's data key; the usual one is back after the test."""

    def switch():
        settings.DATA_ENCRYPTION_KEY = "another-installation-key"
        reset_keys()

    yield switch
    settings.DATA_ENCRYPTION_KEY = ""
    reset_keys()


@pytest.mark.parametrize("plaintext", [AFM, "44051401359", "Παπαδόπουλος", "Иванов Иван", "", "x" * 2000])
def test_encrypted_text_decrypts_to_the_original(plaintext):
    token = encrypt(plaintext, "GR-AFM")
    assert token.startswith(f"{KEY_ID}:")
    assert decrypt(token, "GR-AFM") == plaintext
    if plaintext:
        assert plaintext not in token


def test_the_same_value_encrypts_differently_each_time():
    assert encrypt(AFM, "GR-AFM") != encrypt(AFM, "GR-AFM")


def test_a_ciphertext_is_bound_to_its_scheme():
    token = encrypt(AFM, "GR-AFM")
    with pytest.raises(InvalidTag):
        decrypt(token, "PL-PESEL")


def test_a_tampered_ciphertext_is_refused():
    token = encrypt(AFM, "GR-AFM")
    key_id, _, body = token.partition(":")
    flipped = body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    with pytest.raises(InvalidTag):
        decrypt(f"{key_id}:{flipped}", "GR-AFM")


def test_an_unknown_key_id_is_refused():
    token = encrypt(AFM, "GR-AFM")
    with pytest.raises(ValueError, match="k9"):
        decrypt("k9:" + token.partition(":")[2], "GR-AFM")


def test_lookup_hash_is_deterministic_and_depends_on_value_and_scheme():
    digest = lookup_hash(AFM, "GR-AFM")
    assert digest == lookup_hash(AFM, "GR-AFM")
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert AFM not in digest
    assert digest != lookup_hash("094259217", "GR-AFM")
    assert digest != lookup_hash(AFM, "GR-AMKA")


def test_keys_are_per_installation(other_key):
    """Another key: another hash for the same value, and ciphertexts of the usual key do not open."""
    usual_hash, usual_token = lookup_hash(AFM, "GR-AFM"), encrypt(AFM, "GR-AFM")
    other_key()
    assert lookup_hash(AFM, "GR-AFM") != usual_hash
    with pytest.raises(InvalidTag):
        decrypt(usual_token, "GR-AFM")
    assert decrypt(encrypt(AFM, "GR-AFM"), "GR-AFM") == AFM


@pytest.mark.django_db
def test_a_placed_debtors_identifier_is_stored_encrypted_and_found_by_hash(make_creditor, make_portfolio,
                                                                           make_account):
    make_account(make_portfolio(make_creditor()), debtor=greek_debtor())
    stored = DebtorIdentifier.objects.get()
    assert stored.scheme == "GR-AFM"
    assert decrypt(stored.value_encrypted, "GR-AFM") == AFM
    assert stored.value_hash == lookup_hash(AFM, "GR-AFM")
    assert stored.last_chars == "216"
    assert AFM not in str(stored)
    assert DebtorIdentifier.objects.filter(value_hash=lookup_hash(AFM, "GR-AFM")).count() == 1
    # Nowhere in the raw row, nor in the audit trail, does the number appear in clear.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {DebtorIdentifier._meta.db_table}")  # noqa: S608 - table name from metadata
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert AFM not in raw
    for event in AuditEvent.objects.all():
        assert AFM not in f"{event.before} {event.after}"
