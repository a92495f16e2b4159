"""The audit trail's HMAC key: a file outside the database, readable only by the service user.

Someone who can write the catalog (a stolen backup restored, a DBA, SQL injection) can rewrite
entries and recompute plain hashes; without this key he cannot recompute the HMACs. The key is
made once, at set-up (`deploy/run.sh`), and never overwritten: losing it makes the trail
unverifiable, so keep a copy offline with the backups.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from services.common.errors import ErrorCode, TransientError

KEY_BYTES = 32  # HMAC-SHA256's block-friendly size (RFC 2104: at least the hash length)


class AuditKeyMissing(TransientError):
    """No usable audit key: appends are refused rather than chained unkeyed."""

    code = ErrorCode.AUDIT_KEY_MISSING


def load_key(path: Path) -> bytes:
    """The key in `path` (hex); AuditKeyMissing if absent, unreadable, malformed or readable by
    others than its owner (a key others can read proves nothing)."""
    try:
        mode = path.stat().st_mode
        key = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        raise AuditKeyMissing(
            f"Thiếu khóa nhật ký kiểm toán {path}: hãy chạy lại cài đặt (deploy/run.sh) hoặc"
            f" khôi phục khóa từ bản sao lưu / Audit key missing or unreadable: {path}"
        ) from None
    if not owner_only(mode):
        raise AuditKeyMissing(
            f"Khóa nhật ký kiểm toán {path} không được để người khác đọc (chmod 600)"
            f" / The audit key must be readable by its owner only (chmod 600): {path}"
        )
    if len(key) < KEY_BYTES:
        raise AuditKeyMissing(f"Khóa nhật ký kiểm toán quá ngắn / Audit key too short: {path}")
    return key


def _pending(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def pending_key(path: Path) -> bytes | None:
    """None if the key in `path` exists (it is never replaced); otherwise a new random key in
    `<path>.new` (dir 0700, file 0600), or the one an interrupted set-up left there, for
    `install_key` to put in place once the trail has its first entry under it."""
    if path.exists():
        return None
    pending = _pending(path)
    if pending.exists():
        return load_key(pending)
    key = secrets.token_bytes(KEY_BYTES)
    write_private(pending, key.hex() + "\n")
    return key


def owner_only(mode: int) -> bool:
    """Whether a file of this mode is readable by its owner alone (a key others can read
    protects nothing)."""
    return not mode & (stat.S_IRWXG | stat.S_IRWXO)


def write_private(path: Path, text: str, *, close_dir: bool = True) -> None:
    """Write a new key file: file 0600, created here (an existing file is an error, never
    overwritten), on disk before this returns. Its directory is made 0700 when missing; an
    existing one is closed to others (chmod 700) only with `close_dir`, for luutru's own
    (`$LUUTRU_DATA/secrets`) — not for one the office named, which may hold files the
    services' user must read (deploy/systemd: /etc/luutru)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if close_dir:
        path.parent.chmod(0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def install_key(path: Path) -> None:
    """Move the pending key into `path`; a link, so an existing key is never overwritten."""
    os.link(_pending(path), path)
    _pending(path).unlink()
    sync_directory(path.parent)


def sync_directory(folder: Path) -> None:
    """Put a rename or link in `folder` on disk: a power cut right after it could otherwise
    undo it, and with it the only copy of a new key."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
