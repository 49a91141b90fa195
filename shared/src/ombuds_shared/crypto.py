"""Envelope encryption: each record has its own data key, wrapped by a master key.

Destroying a record's wrapped data key makes every ciphertext under it
unreadable for good (crypto-shredding), even from a database backup that
still holds the ciphertext, once the key is gone from every copy. That is why
wrapped data keys live in a key store of their own (`ombuds_shared.keystore`),
where deletion is physical, and never in the data database.
Master keys are a keyring (id -> 32 bytes); the newest wraps, all unwrap,
so the master key can be rotated without downtime.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ombuds_shared.errors import ServiceUnavailable

__all__ = [
    "Envelope",
    "KeyDestroyed",
    "generate_master_key",
    "parse_master_keys",
]

if TYPE_CHECKING:
    from ombuds_shared.keystore import KeyStore

_VERSION = b"\x01"
_NONCE_BYTES = 12
# A wrapped data key names its master key in a fixed-width field after the version byte.
KEY_ID_BYTES = 16


class KeyDestroyed(Exception):
    """The data key is gone: the content it protected cannot be read any more."""


def generate_master_key() -> str:
    """A new master key in the `id:base64` form that settings accept."""
    return f"mk{os.urandom(3).hex()}:{base64.b64encode(os.urandom(32)).decode()}"


def parse_master_keys(spec: str) -> dict[str, bytes]:
    """Parses 'id:base64key,id2:base64key2' (the last one wraps new keys)."""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key_id, sep, encoded = part.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"master key {key_id!r} is not base64") from exc
        if not sep or not key_id or len(key) != 32:
            raise ValueError(f"master key {key_id!r} must be 'id:' + 32 bytes in base64")
        if len(key_id.encode()) > KEY_ID_BYTES:
            raise ValueError(f"master key id {key_id!r} is longer than {KEY_ID_BYTES} bytes")
        keys[key_id] = key
    if not keys:
        raise ValueError("no master key configured")
    return keys


def key_id_field(key_id: str) -> bytes:
    """The master key id as it is stored in the header of a wrapped data key."""
    return key_id.encode().ljust(KEY_ID_BYTES, b"\x00")


@dataclass(frozen=True)
class Envelope:
    """Wraps and unwraps data keys, keeps them in its key store, and seals and opens fields."""

    master_keys: dict[str, bytes]
    # Where the wrapped data keys are kept; None for tools that only (re-)wrap.
    store: KeyStore | None = field(default=None, compare=False)

    def _store(self) -> KeyStore:
        if self.store is None:
            raise ServiceUnavailable("The key store is not configured.")
        return self.store

    async def create_key(self, key_id: str) -> bytes:
        """A new data key stored (wrapped) under `key_id`; the stored one if it exists."""
        stored = await self._store().put(key_id, self.new_wrapped_key(key_id))
        return self.unwrap(stored, key_id)

    async def store_new_key(self, key_id: str) -> None:
        """A new data key stored (wrapped) under `key_id` for content sealed later; unlike
        `create_key`, nothing is unwrapped now."""
        await self._store().put(key_id, self.new_wrapped_key(key_id))

    async def data_key_or_new(self, key_id: str) -> bytes:
        """The data key stored under `key_id`, created on first use."""
        stored = await self._store().get(key_id)
        return self.unwrap(stored, key_id) if stored else await self.create_key(key_id)

    async def data_key(self, key_id: str) -> bytes:
        """The data key stored under `key_id`, unwrapped; KeyDestroyed when it is gone."""
        return self.unwrap(await self._store().get(key_id), key_id)

    async def destroy_keys(self, key_ids: Iterable[str]) -> int:
        """Crypto-shreds: the data keys leave the key store, physically."""
        store = self._store()
        deleted = await store.delete(key_ids)
        if deleted:
            await store.compact()
        return deleted

    async def discard_unused_keys(self, key_ids: Iterable[str]) -> None:
        """Deletes keys that never sealed anything (a refused creation's): there is nothing
        for a forensic reader to recover, so no compaction follows."""
        await self._store().delete(key_ids)

    @property
    def active_key_id(self) -> str:
        return next(reversed(self.master_keys))

    def new_wrapped_key(self, context: str) -> bytes:
        """A fresh data key, already wrapped by the active master key."""
        key_id = self.active_key_id
        nonce = os.urandom(_NONCE_BYTES)
        wrapped = AESGCM(self.master_keys[key_id]).encrypt(
            nonce, AESGCM.generate_key(bit_length=256), context.encode()
        )
        return _VERSION + key_id_field(key_id) + nonce + wrapped

    @staticmethod
    def wrapped_by(wrapped: bytes) -> str:
        """The id of the master key that wrapped this data key."""
        return wrapped[1 : 1 + KEY_ID_BYTES].rstrip(b"\x00").decode()

    def unwrap(self, wrapped: bytes | None, context: str) -> bytes:
        if not wrapped:
            raise KeyDestroyed(context)
        master = self.master_keys.get(self.wrapped_by(wrapped))
        if master is None:
            raise ServiceUnavailable("The master key for this record is not configured.")
        start = 1 + KEY_ID_BYTES
        nonce, body = wrapped[start : start + _NONCE_BYTES], wrapped[start + _NONCE_BYTES :]
        return AESGCM(master).decrypt(nonce, body, context.encode())

    def rewrap(self, wrapped: bytes, context: str) -> bytes:
        """The same data key wrapped by the active master key (for rotation)."""
        data_key = self.unwrap(wrapped, context)
        nonce = os.urandom(_NONCE_BYTES)
        key_id = self.active_key_id
        body = AESGCM(self.master_keys[key_id]).encrypt(nonce, data_key, context.encode())
        return _VERSION + key_id_field(key_id) + nonce + body

    @staticmethod
    def seal(data_key: bytes, plaintext: str, field: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return (
            _VERSION + nonce + AESGCM(data_key).encrypt(nonce, plaintext.encode(), field.encode())
        )

    @staticmethod
    def open(data_key: bytes, sealed: bytes, field: str) -> str:
        nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
        try:
            return AESGCM(data_key).decrypt(nonce, body, field.encode()).decode()
        except InvalidTag as exc:
            raise KeyDestroyed(field) from exc
