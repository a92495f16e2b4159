"""Object store adapters and the factory that picks one from `LUUTRU_STORAGE_URL`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from services.common.errors import NotFound, PermanentError, TransientError
from services.common.ports import ObjectStore

if TYPE_CHECKING:
    from services.common.config import Settings


class FilesystemObjectStore:
    """Objects as files under `root`; keys are relative paths with `/` separators.

    Writes go to a temporary file in the same directory, are fsynced, then renamed, so a
    crash never leaves a half-written object under its final key.
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not key or any(p in ("", ".", "..") for p in parts) or "\0" in key:
            raise PermanentError(f"Khóa đối tượng không hợp lệ / Invalid object key: {key!r}")
        return self.root.joinpath(*parts)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise TransientError(
                f"Không ghi được kho lưu trữ / Object store write failed: {exc}"
            ) from exc

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"Không có đối tượng / No object: {key}") from None
        except OSError as exc:
            raise TransientError(
                f"Không đọc được kho lưu trữ / Object store read failed: {exc}"
            ) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        # Walk only the folder the prefix names, not the whole store (disposal lists often).
        parts = prefix.split("/")[:-1]
        if any(part in ("", ".", "..") for part in parts) or "\0" in prefix:
            raise PermanentError(f"Tiền tố không hợp lệ / Invalid prefix: {prefix!r}")
        folder = self.root.joinpath(*parts)
        keys = (
            p.relative_to(self.root).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )
        return sorted(k for k in keys if k.startswith(prefix))


def open_object_store(url: str, key_file: Path | None = None, strict: bool = False) -> ObjectStore:
    """The store `url` names; with `key_file` (LUUTRU_OBJECT_KEY_FILE), wrapped so that every
    object is encrypted in this process (services/common/encrypted_objects.py); `strict`
    (LUUTRU_OBJECT_KEY_STRICT) refuses objects without the encryption header."""
    if strict and key_file is None:
        from services.common.object_keys import strict_without_key

        raise strict_without_key()
    store = _plain_store(url)
    if key_file is None:
        return store
    from services.common.encrypted_objects import EncryptedObjectStore
    from services.common.object_keys import load_keyring

    return EncryptedObjectStore(store, load_keyring(key_file), strict)


def settings_store(settings: Settings) -> ObjectStore:
    """The installation's object store, as its settings name it."""
    return open_object_store(
        settings.objects_url, settings.object_key_file, settings.object_key_strict
    )


def _plain_store(url: str) -> ObjectStore:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FilesystemObjectStore(parsed.path)
    if parsed.scheme == "s3":  # MinIO or any S3 (docs/scale-out.md)
        from services.common.s3_objects import MinioObjectStore

        return MinioObjectStore.from_url(url).open()
    raise ValueError(f"unsupported LUUTRU_STORAGE_URL scheme: {parsed.scheme!r}")


def original_key(sha256: str) -> str:
    """Originals are content-addressed: the same bytes are stored once."""
    return f"originals/{sha256[:2]}/{sha256}"


def page_text_key(record_id: str, page: int) -> str:
    return f"text/{record_id}/page-{page:04d}.txt"


def pages_manifest_key(record_id: str) -> str:
    return f"text/{record_id}/pages.json"
