"""Envelope encryption of personal data at rest, and blind indexes to find it again.

Every value gets a fresh 256-bit data key (DEK); the value is sealed with AES-GCM under the DEK,
and the DEK is wrapped (RFC 3394 AES key wrap) under a key-encryption key (KEK) from the
environment. The envelope names its KEK, so several KEKs can be live at once: the first of
``settings.KHEDMAT_DATA_KEYS`` seals, all of them open. Rotating a KEK re-wraps the 40-byte
wrapped DEK of each value (``rewrap``) without touching its ciphertext.

A *context* (say ``"accounts.user.national_code"``) is bound to each envelope as AES-GCM
associated data: a value copied into another column does not open there.

Blind indexes are keyed HMAC-SHA256 digests of a normalised value, under their own key
(``settings.KHEDMAT_BLIND_INDEX_KEY``): equal values give equal digests, so a column of them can
be indexed and searched by equality while the value itself stays sealed.

Formats:
- binary envelope: ``b"K1" | len(kid) | kid | wrapped DEK (40) | nonce (12) | ciphertext+tag``
- text envelope (for text columns): ``"enc1:<kid>:" + urlsafe base64 of the binary envelope``;
  its key id is readable, so ``filter(column__startswith="enc1:<old kid>:")`` finds what a
  rotation has left to do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from django.conf import settings

BINARY_MAGIC = b"K1"
TEXT_PREFIX = "enc1:"
_WRAPPED_LENGTH = 40
_NONCE_LENGTH = 12


class CryptoError(Exception):
    """An envelope that does not open: unknown key, wrong context, or altered bytes."""


@dataclass(frozen=True)
class Keyring:
    """The KEKs by id (the first one seals) and the blind-index key."""

    keys: tuple[tuple[str, bytes], ...]
    blind_key: bytes

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def kek(self, key_id: str) -> bytes:
        for candidate, key in self.keys:
            if candidate == key_id:
                return key
        raise CryptoError(f"unknown data key {key_id!r}")


def parse_keys(spec: list[str]) -> tuple[tuple[str, bytes], ...]:
    """``["id:base64key", ...]`` (settings.KHEDMAT_DATA_KEYS) as (id, 32 bytes) pairs."""
    keys = []
    for item in spec:
        key_id, sep, encoded = item.strip().partition(":")
        if not sep or not key_id or not key_id.isalnum() or len(key_id) > 16:
            raise CryptoError("a data key is written id:base64key, the id 1-16 letters or digits")
        key = decode_key(encoded)
        if len(key) != 32:
            raise CryptoError(f"data key {key_id!r} is not 32 bytes")
        keys.append((key_id, key))
    if len({key_id for key_id, _ in keys}) != len(keys):
        raise CryptoError("two data keys share an id")
    return tuple(keys)


def decode_key(encoded: str) -> bytes:
    """The bytes of a key written in URL-safe base64, padding optional."""
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def derived_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key derived from the secret key, for development and when no key is set."""
    return hashlib.sha256(f"khedmat:{purpose}:{secret}".encode()).digest()


@cache
def keyring() -> Keyring:
    """The keyring of the settings (read once per process; ``keyring.cache_clear()`` in tests)."""
    spec = list(getattr(settings, "KHEDMAT_DATA_KEYS", []) or [])
    keys = parse_keys(spec) if spec else (("s0", derived_key(settings.SECRET_KEY, "data-key")),)
    blind = getattr(settings, "KHEDMAT_BLIND_INDEX_KEY", "") or ""
    blind_key = decode_key(blind) if blind else derived_key(settings.SECRET_KEY, "blind-index")
    return Keyring(keys=keys, blind_key=blind_key)


def seal(plaintext: bytes, context: str, *, ring: Keyring | None = None) -> bytes:
    """The binary envelope of ``plaintext`` under a fresh DEK wrapped by the current KEK."""
    ring = ring or keyring()
    key_id = ring.current_id
    dek = AESGCM.generate_key(bit_length=256)
    wrapped = aes_key_wrap(ring.kek(key_id), dek)
    nonce = os.urandom(_NONCE_LENGTH)
    sealed = AESGCM(dek).encrypt(nonce, plaintext, context.encode())
    kid = key_id.encode()
    return BINARY_MAGIC + bytes([len(kid)]) + kid + wrapped + nonce + sealed


def _split(envelope: bytes) -> tuple[str, bytes, bytes, bytes]:
    if not envelope.startswith(BINARY_MAGIC) or len(envelope) < 3:
        raise CryptoError("not an envelope")
    kid_length = envelope[2]
    start = 3 + kid_length
    key_id = envelope[3:start].decode("ascii", "replace")
    wrapped = envelope[start : start + _WRAPPED_LENGTH]
    nonce = envelope[start + _WRAPPED_LENGTH : start + _WRAPPED_LENGTH + _NONCE_LENGTH]
    sealed = envelope[start + _WRAPPED_LENGTH + _NONCE_LENGTH :]
    if len(wrapped) != _WRAPPED_LENGTH or len(nonce) != _NONCE_LENGTH or len(sealed) < 16:
        raise CryptoError("a truncated envelope")
    return key_id, wrapped, nonce, sealed


def _unwrap(ring: Keyring, key_id: str, wrapped: bytes) -> bytes:
    try:
        return aes_key_unwrap(ring.kek(key_id), wrapped)
    except InvalidUnwrap as error:
        raise CryptoError(f"data key {key_id!r} does not unwrap this envelope") from error


def open_sealed(envelope: bytes, context: str, *, ring: Keyring | None = None) -> bytes:
    """The plaintext of a binary envelope; CryptoError when it does not open."""
    ring = ring or keyring()
    key_id, wrapped, nonce, sealed = _split(envelope)
    dek = _unwrap(ring, key_id, wrapped)
    try:
        return AESGCM(dek).decrypt(nonce, sealed, context.encode())
    except InvalidTag as error:
        raise CryptoError("the envelope was altered or belongs to another context") from error


def envelope_key_id(envelope: bytes) -> str:
    return _split(envelope)[0]


def rewrap(envelope: bytes, *, ring: Keyring | None = None) -> bytes:
    """The same envelope with its DEK wrapped by the current KEK (the ciphertext is kept)."""
    ring = ring or keyring()
    key_id, wrapped, nonce, sealed = _split(envelope)
    if key_id == ring.current_id:
        return envelope
    dek = _unwrap(ring, key_id, wrapped)
    kid = ring.current_id.encode()
    new_wrapped = aes_key_wrap(ring.kek(ring.current_id), dek)
    return BINARY_MAGIC + bytes([len(kid)]) + kid + new_wrapped + nonce + sealed


# --- text envelopes ------------------------------------------------------------------------------


def is_encrypted_text(value: str | None) -> bool:
    return bool(value) and str(value).startswith(TEXT_PREFIX)


def encrypt_text(value: str, context: str, *, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    envelope = seal(value.encode(), context, ring=ring)
    encoded = base64.urlsafe_b64encode(envelope).decode().rstrip("=")
    return f"{TEXT_PREFIX}{ring.current_id}:{encoded}"


def _text_envelope(token: str) -> bytes:
    if not is_encrypted_text(token):
        raise CryptoError("not a text envelope")
    _, _, encoded = token[len(TEXT_PREFIX) :].partition(":")
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError as error:
        raise CryptoError("a text envelope that is not base64") from error


def decrypt_text(token: str, context: str, *, ring: Keyring | None = None) -> str:
    return open_sealed(_text_envelope(token), context, ring=ring).decode()


def text_key_id(token: str) -> str:
    return token[len(TEXT_PREFIX) :].partition(":")[0]


def rewrap_text(token: str, *, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    if text_key_id(token) == ring.current_id:
        return token
    encoded = base64.urlsafe_b64encode(rewrap(_text_envelope(token), ring=ring)).decode()
    return f"{TEXT_PREFIX}{ring.current_id}:{encoded.rstrip('=')}"


# --- blind indexes -------------------------------------------------------------------------------


def blind_index(value: str, purpose: str, *, ring: Keyring | None = None) -> str:
    """32 hex characters naming ``value`` (already normalised) for ``purpose``; "" for ""."""
    if not value:
        return ""
    ring = ring or keyring()
    digest = hmac.new(ring.blind_key, f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
