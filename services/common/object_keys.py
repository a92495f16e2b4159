"""The object store's encryption keys (`LUUTRU_OBJECT_KEY_FILE`; docs/architecture.md,
"Encryption at rest").

The file holds one key a line, `<id> <64 hex digits>`; `#` starts a comment. The first key
encrypts what is written from now on; every key decrypts, so after a rotation (a new key
put first by `luutru objects new-key`) the objects under the older ones still read, and
`luutru objects encrypt` re-encrypts them. Like the audit key (services/common/audit_key.py)
it is a file outside the data, mode 0600 (its directory made 0700 when missing; an existing
one, such as /etc/luutru, is left as it is), never overwritten in place.
Losing it loses every object encrypted under it: keep a copy offline, apart from the data's
backups.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from services.common.audit_key import owner_only, sync_directory, write_private
from services.common.errors import TransientError

KEY_BYTES = 32  # AES-256
KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
HEADER = (
    "# luutru: object store keys, one a line: <id> <key, 64 hex>. The first encrypts, all\n"
    "# decrypt. Keep a copy offline, apart from the data's backups: without it the objects\n"
    "# encrypted under these keys cannot be read.\n"
)


class ObjectKeyMissing(TransientError):
    """No usable key file: a service refuses to start rather than write or serve objects
    without it."""


@dataclass(frozen=True)
class Keyring:
    """Keys by id, in the file's order: the first one encrypts."""

    keys: dict[str, bytes]

    @property
    def current(self) -> str:
        return next(iter(self.keys))


def _missing(path: Path, why: str) -> ObjectKeyMissing:
    return ObjectKeyMissing(
        f"Khóa mã hóa kho đối tượng {path}: {why}. Hãy khôi phục tệp khóa từ bản sao lưu, hoặc"
        f" tạo khóa mới bằng `luutru objects new-key` / Object key file {path}: {why}"
    )


def strict_without_key() -> ObjectKeyMissing:
    return ObjectKeyMissing(
        "Đã bật LUUTRU_OBJECT_KEY_STRICT nhưng chưa đặt LUUTRU_OBJECT_KEY_FILE: không có khóa để"
        " giải mã / LUUTRU_OBJECT_KEY_STRICT is on but LUUTRU_OBJECT_KEY_FILE is not set"
    )


def parse(text: str) -> dict[str, bytes]:
    """`<id> <hex>` lines in order; ValueError naming the bad line."""
    keys: dict[str, bytes] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key_id, _, value = line.partition(" ")
        try:
            key = bytes.fromhex(value.strip())
        except ValueError:
            key = b""
        if not KEY_ID.fullmatch(key_id) or len(key) != KEY_BYTES or key_id in keys:
            raise ValueError(f"dòng {number} không hợp lệ / line {number} is malformed")
        keys[key_id] = key
    if not keys:
        raise ValueError("không có khóa nào / no key in it")
    return keys


def load_keyring(path: Path) -> Keyring:
    """The keys in `path`; ObjectKeyMissing if it is absent, unreadable, malformed or
    readable by others than its owner."""
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except OSError as exc:
        raise _missing(path, f"không đọc được / unreadable ({exc.strerror})") from None
    if not owner_only(mode):
        raise _missing(path, "người khác đọc được, hãy chmod 600 / readable by others")
    try:
        return Keyring(parse(text))
    except ValueError as exc:
        raise _missing(path, str(exc)) from None


def new_key(path: Path) -> str:
    """Put a new random key first in `path` (made, 0600, if missing); returns its id. The
    keys already there stay, after it: they still decrypt."""
    old = load_keyring(path).keys if path.exists() else {}
    key_id = secrets.token_hex(4)
    while key_id in old:
        key_id = secrets.token_hex(4)
    lines = [f"{i} {k.hex()}" for i, k in {key_id: secrets.token_bytes(KEY_BYTES), **old}.items()]
    pending = path.with_name(path.name + ".new")
    try:
        pending.unlink(missing_ok=True)  # one an interrupted rotation left: not yet in use
        # The directory is the office's choice (e.g. /etc/luutru, beside files the services
        # read): made 0700 if missing, never chmodded.
        write_private(pending, HEADER + "\n".join(lines) + "\n", close_dir=False)
        os.replace(pending, path)  # the old file or the new one, never half of one
        sync_directory(path.parent)
    except OSError as exc:
        raise ObjectKeyMissing(
            f"Không ghi được tệp khóa {path} ({exc.strerror}) / Cannot write the key file {path}"
        ) from None
    return key_id


def main() -> None:
    """Set-up step (deploy/run.sh): with LUUTRU_OBJECT_KEY_FILE set, stop before any service
    starts if the file is not usable (a service would refuse to start anyway)."""
    from services.common.config import process_settings

    settings = process_settings()
    path = settings.object_key_file
    try:
        if path is None:
            if settings.object_key_strict:
                raise strict_without_key()
            return
        keyring = load_keyring(path)
    except ObjectKeyMissing as exc:
        print(f"luutru: {exc.message}", file=sys.stderr)
        raise SystemExit(1) from None
    strict = ", strict" if settings.object_key_strict else ""
    print(f"luutru: objects encrypted with key {keyring.current} of {path}{strict}")


if __name__ == "__main__":
    main()
