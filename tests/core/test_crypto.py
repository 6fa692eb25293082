"""Envelope encryption and blind indexes (khedmat.core.crypto) and the checks of their keys."""

import base64

import pytest
from django.core import checks
from django.test import override_settings

from khedmat.core import crypto
from khedmat.core.checks import check_data_keys, check_data_keys_set


def key_text(seed: int) -> str:
    return base64.urlsafe_b64encode(bytes([seed]) * 32).decode().rstrip("=")


def ring(*ids: str) -> crypto.Keyring:
    return crypto.Keyring(
        keys=crypto.parse_keys([f"{key_id}:{key_text(ord(key_id[-1]))}" for key_id in ids]),
        blind_key=b"b" * 32,
    )


def test_a_sealed_value_opens_only_in_its_context_and_differs_each_time():
    keys = ring("k1")
    first = crypto.encrypt_text("0012345679", "accounts.user.national_code", ring=keys)
    second = crypto.encrypt_text("0012345679", "accounts.user.national_code", ring=keys)
    assert first != second
    assert first.startswith("enc1:k1:")
    assert "0012345679" not in first
    assert crypto.decrypt_text(first, "accounts.user.national_code", ring=keys) == "0012345679"
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_text(first, "accounts.user.mobile", ring=keys)


def test_an_altered_envelope_does_not_open():
    keys = ring("k1")
    envelope = bytearray(crypto.seal(b"secret answer", "tickets.answer", ring=keys))
    envelope[-1] ^= 1
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(bytes(envelope), "tickets.answer", ring=keys)
    with pytest.raises(crypto.CryptoError):
        crypto.open_sealed(b"K1\x02k1" + b"\x00" * 10, "tickets.answer", ring=keys)


def test_rotation_rewraps_the_data_key_and_keeps_the_ciphertext():
    old = ring("k1")
    token = crypto.encrypt_text("09121234567", "mobile", ring=old)
    rotated = ring("k2", "k1")  # the new key first: it seals, both open
    assert crypto.decrypt_text(token, "mobile", ring=rotated) == "09121234567"
    moved = crypto.rewrap_text(token, ring=rotated)
    assert crypto.text_key_id(moved) == "k2"
    assert crypto.rewrap_text(moved, ring=rotated) == moved
    # The sealed data itself is unchanged: only the wrapped key in front of it differs.
    assert crypto._text_envelope(moved)[-30:] == crypto._text_envelope(token)[-30:]
    only_new = crypto.Keyring(keys=rotated.keys[:1], blind_key=rotated.blind_key)
    assert crypto.decrypt_text(moved, "mobile", ring=only_new) == "09121234567"
    with pytest.raises(crypto.CryptoError, match="unknown data key"):
        crypto.decrypt_text(token, "mobile", ring=only_new)


def test_a_key_that_does_not_wrap_the_envelope_is_refused():
    token = crypto.encrypt_text("x", "c", ring=ring("k1"))
    impostor = crypto.Keyring(keys=crypto.parse_keys([f"k1:{key_text(9)}"]), blind_key=b"b" * 32)
    with pytest.raises(crypto.CryptoError, match="does not unwrap"):
        crypto.decrypt_text(token, "c", ring=impostor)


def test_blind_indexes_are_equal_for_equal_values_and_keyed():
    keys = ring("k1")
    assert crypto.blind_index("0012345679", "nc", ring=keys) == crypto.blind_index(
        "0012345679", "nc", ring=keys
    )
    assert crypto.blind_index("0012345679", "nc", ring=keys) != crypto.blind_index(
        "0012345679", "mobile", ring=keys
    )
    other = crypto.Keyring(keys=keys.keys, blind_key=b"c" * 32)
    assert crypto.blind_index("0012345679", "nc", ring=other) != crypto.blind_index(
        "0012345679", "nc", ring=keys
    )
    assert len(crypto.blind_index("0012345679", "nc", ring=keys)) == 32
    assert crypto.blind_index("", "nc", ring=keys) == ""


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (["k1"], "id:base64key"),
        ([f"k1:{key_text(1)[:20]}"], "not 32 bytes"),
        ([f"k1:{key_text(1)}", f"k1:{key_text(2)}"], "share an id"),
        ([f"bad id:{key_text(1)}"], "id:base64key"),
    ],
)
def test_malformed_keys_are_refused(spec, message):
    with pytest.raises(crypto.CryptoError, match=message):
        crypto.parse_keys(spec)


def test_the_settings_keyring_seals_with_the_first_key_and_falls_back_to_the_secret():
    crypto.keyring.cache_clear()
    try:
        with override_settings(KHEDMAT_DATA_KEYS=[f"a1:{key_text(3)}", f"a0:{key_text(4)}"]):
            crypto.keyring.cache_clear()
            assert crypto.text_key_id(crypto.encrypt_text("v", "c")) == "a1"
        with override_settings(KHEDMAT_DATA_KEYS=[], KHEDMAT_BLIND_INDEX_KEY=""):
            crypto.keyring.cache_clear()
            token = crypto.encrypt_text("v", "c")
            assert crypto.text_key_id(token) == "s0"
            assert crypto.decrypt_text(token, "c") == "v"
    finally:
        crypto.keyring.cache_clear()


def test_checks_refuse_malformed_keys_and_warn_when_keys_are_derived():
    with override_settings(KHEDMAT_DATA_KEYS=["k1:short"], KHEDMAT_BLIND_INDEX_KEY=""):
        errors = check_data_keys()
        assert [error.id for error in errors] == ["core.E001"]
        assert isinstance(errors[0], checks.Error)
    with override_settings(KHEDMAT_DATA_KEYS=[f"k1:{key_text(1)}"], KHEDMAT_BLIND_INDEX_KEY="abc"):
        assert [error.id for error in check_data_keys()] == ["core.E001"]
    with override_settings(KHEDMAT_DATA_KEYS=[], KHEDMAT_BLIND_INDEX_KEY="", KHEDMAT_BACKUP_KEY=""):
        assert check_data_keys() == []
        assert [warning.id for warning in check_data_keys_set()] == ["core.W001", "core.W002"]
    with override_settings(
        KHEDMAT_DATA_KEYS=[f"k1:{key_text(1)}"],
        KHEDMAT_BLIND_INDEX_KEY=key_text(5),
        KHEDMAT_BACKUP_KEY=key_text(6),
    ):
        assert check_data_keys() == []
        assert check_data_keys_set() == []
