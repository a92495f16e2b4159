"""`EncryptedObjectStore`: any `ObjectStore` with every object encrypted before it leaves the
process (docs/architecture.md, "Encryption at rest").

Each object is sealed alone with AES-256-GCM under the key ring's current key:

    MAGIC (7 bytes) | version (1) | key id length (1) | key id | nonce (12) | ciphertext+tag

The header and the object's key are the associated data, so bytes altered, moved to another
key or given another key id fail to decrypt (`ObjectUndecryptable`) instead of being served.
Bytes without MAGIC were written before encryption was turned on: they are returned as they
are, so turning it on needs no conversion first; `convert` (`luutru objects encrypt`) then
encrypts them, and re-encrypts those under an older key after a rotation. Once nothing is left
to convert, strict mode (`LUUTRU_OBJECT_KEY_STRICT`) refuses them: plaintext put in the store
by whoever can write to it is then never served.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.common.errors import ChecksumMismatch, NotFound
from services.common.object_keys import Keyring
from services.common.ports import ObjectStore

MAGIC = b"\x00LTENC\n"  # a NUL first: no text file, PDF or image starts so
VERSION = 1
NONCE_BYTES = 12  # GCM's standard nonce; random, so at most ~2^32 objects per key


class ObjectUndecryptable(ChecksumMismatch):
    """Stored bytes that cannot be decrypted: wrong or missing key, altered or moved. Never
    served; like a checksum mismatch, the work that needed them waits for the operator."""


def _undecryptable(key: str, why: str) -> ObjectUndecryptable:
    return ObjectUndecryptable(
        f"Không giải mã được đối tượng {key}: {why} / Object cannot be decrypted: {key}"
    )


UNSEALED = (
    "không có tiêu đề mã hóa, chế độ nghiêm ngặt không phục vụ dữ liệu chưa mã hóa"
    " / no encryption header, and strict mode serves no unencrypted bytes"
)


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def sealed_with(data: bytes) -> str | None:
    """The id of the key `data` was sealed with; None for bytes without the header."""
    if not is_sealed(data) or len(data) < len(MAGIC) + 2:
        return None
    length = data[len(MAGIC) + 1]
    return data[len(MAGIC) + 2 : len(MAGIC) + 2 + length].decode("ascii", "replace")


def seal(keyring: Keyring, key: str, data: bytes) -> bytes:
    key_id = keyring.current.encode("ascii")
    header = MAGIC + bytes([VERSION, len(key_id)]) + key_id + os.urandom(NONCE_BYTES)
    return header + AESGCM(keyring.keys[keyring.current]).encrypt(
        header[-NONCE_BYTES:], data, header + key.encode()
    )


def unseal(keyring: Keyring, key: str, data: bytes, strict: bool = False) -> bytes:
    """The plaintext of `data` stored under `key` (bytes without the header as they are,
    unless `strict`); ObjectUndecryptable when it cannot be had — never a guess."""
    if not is_sealed(data):
        if strict:
            raise _undecryptable(key, UNSEALED)
        return data
    start = len(MAGIC) + 2
    if len(data) < start or data[len(MAGIC)] != VERSION:
        raise _undecryptable(key, "định dạng không rõ / unknown format")
    key_id = sealed_with(data) or ""
    nonce_at = start + data[start - 1]
    secret = keyring.keys.get(key_id)
    if secret is None:
        raise _undecryptable(key, f"thiếu khóa {key_id!r} / no key {key_id!r} in the key file")
    nonce, body = data[nonce_at : nonce_at + NONCE_BYTES], data[nonce_at + NONCE_BYTES :]
    try:
        return AESGCM(secret).decrypt(nonce, body, data[: nonce_at + NONCE_BYTES] + key.encode())
    except (InvalidTag, ValueError):  # ValueError: a nonce cut short
        raise _undecryptable(
            key, "sai khóa, bị sửa hoặc bị chuyển chỗ / wrong key, altered or moved"
        ) from None


class EncryptedObjectStore:
    """An `ObjectStore` decorator: `put` seals, `get` unseals; the rest passes through, extra
    keyword arguments (`bypass_governance`, `version_id`) and the S3 lock calls included.
    `strict`: bytes without the header are refused, not served as stored before encryption."""

    def __init__(self, inner: ObjectStore, keyring: Keyring, strict: bool = False):
        self.inner = inner
        self.keyring = keyring
        self.strict = strict

    def put(self, key: str, data: bytes) -> None:
        self.inner.put(key, seal(self.keyring, key, data))

    def get(self, key: str, **kwargs: Any) -> bytes:
        return unseal(self.keyring, key, self.inner.get(key, **kwargs), self.strict)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str, **kwargs: Any) -> None:
        self.inner.delete(key, **kwargs)

    def list(self, prefix: str) -> list[str]:
        return self.inner.list(prefix)

    def __getattr__(self, name: str) -> Any:  # set_retention, legal_hold, versions, …
        if name == "presigned_url":  # a link to the stored bytes would hand out ciphertext
            raise AttributeError(name)
        return getattr(self.inner, name)


# --- conversion (`luutru objects encrypt`) --------------------------------------------------


@dataclass
class Conversion:
    """What `convert` did, by outcome."""

    encrypted: int = 0  # were plaintext
    reencrypted: int = 0  # were under an older key
    current: int = 0  # already under the current key
    failed: list[dict[str, str]] = field(default_factory=list)
    # S3 with versioning keeps each replaced plaintext as an older version (docs)
    older_versions: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "encrypted": self.encrypted,
            "reencrypted": self.reencrypted,
            "current": self.current,
            "failed": self.failed,
            "older_versions": self.older_versions,
        }


def convert_one(store: EncryptedObjectStore, key: str, done: Conversion) -> None:
    """Bring one object under the current key: the new bytes replace the old in one step
    (the stores' `put` is atomic), and are read back and checked before the next object."""
    inner = store.inner
    raw = inner.get(key)
    was = sealed_with(raw)
    if was == store.keyring.current:
        done.current += 1
        return
    plain = unseal(store.keyring, key, raw)  # never strict: converting is what it is for
    lock = _lock_of(inner, key)
    try:
        store.put(key, plain)
        if not _reads_back(store, key, plain):
            inner.put(key, raw)  # put back what was there: never lose an object
            raise _undecryptable(key, "đọc lại không khớp / read back differs")
    finally:  # whatever is current now, interrupted or put back, keeps the lock
        _relock(inner, key, lock)
    if was is None:
        done.encrypted += 1
    else:
        done.reencrypted += 1
    if hasattr(inner, "versions"):
        done.older_versions += len(inner.versions(key)) - 1


def _reads_back(store: EncryptedObjectStore, key: str, plain: bytes) -> bool:
    """Whether `key` now reads as `plain`. Bytes damaged on the way in do not read back
    different: they fail to decrypt, and count as a mismatch."""
    try:
        return store.get(key) == plain
    except ChecksumMismatch:  # ObjectUndecryptable, or the S3 adapter's own check
        return False


def _lock_of(inner: Any, key: str) -> tuple[Any, bool] | None:
    """The S3 retention date and legal hold of the version about to be replaced."""
    if not hasattr(inner, "set_retention"):
        return None
    return inner.retention(key), inner.legal_hold(key)


def _relock(inner: Any, key: str, lock: tuple[Any, bool] | None) -> None:
    """The same lock on the new version: S3 locks versions, and the new one has none."""
    if lock is None:
        return
    until, held = lock
    if until:
        inner.set_retention(key, until)
    if held:  # moved, not copied: released later, the record must be destructible
        inner.set_legal_hold(key, True)
        inner.lift_older_holds(key)


def convert(
    store: EncryptedObjectStore, keys: Iterable[str], step: Callable[[], None]
) -> Conversion:
    """`convert_one` for each of `keys`; an object that fails is reported and left as it was.
    Safe to run again: what is done is skipped."""
    done = Conversion()
    for key in keys:
        try:
            convert_one(store, key, done)
        except NotFound:
            pass  # deleted meanwhile (a destruction): nothing left to encrypt
        except ChecksumMismatch as exc:
            done.failed.append({"key": key, "error": exc.message})
        step()
    return done
