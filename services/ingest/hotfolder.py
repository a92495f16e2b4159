"""The scanner hot folder: `$LUUTRU_DATA/inbox/<register>/`.

A file is taken once its size and mtime have not changed for `settle_s` seconds (a scanner
may still be writing it), then moved to `done/` or to `rejected/` beside a `.reason.txt`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from services.ingest.intake import REGISTERS, IngestResult

log = logging.getLogger(__name__)


def settled_files(inbox: Path, settle_s: float) -> list[tuple[str, Path]]:
    """(register, path) of every file old enough to be complete, oldest first."""
    found = []
    now = time.time()
    for register in REGISTERS:
        folder = inbox / register
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if (
                path.is_file()
                and not path.name.startswith(".")
                and (now - path.stat().st_mtime) >= settle_s
            ):
                found.append((register, path))
    return sorted(found, key=lambda item: item[1].stat().st_mtime)


def _free_name(folder: Path, name: str) -> Path:
    folder.mkdir(exist_ok=True)
    candidate, n = folder / name, 1
    while candidate.exists():
        candidate = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return candidate


def process_inbox(
    inbox: Path, ingest: Callable[[bytes, str, str], IngestResult], settle_s: float = 2.0
) -> list[IngestResult]:
    """Ingest every settled file; `ingest(data, file_name, register)` must not raise. A file
    that cannot be read is set aside in `rejected/` with its reason, so it does not stop the
    files behind it (one unreadable scan, the oldest, would hold up the whole inbox)."""
    results = []
    for register, path in settled_files(inbox, settle_s):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue  # taken away meanwhile
        except OSError as exc:
            log.warning("an inbox file of %r cannot be read (errno %s)", register, exc.errno)
            _set_aside(path, _unreadable(exc))
            continue
        result = ingest(data, path.name, register)
        if result.record["status"] == "rejected":
            _set_aside(path, result.record["error"])
        else:
            path.rename(_free_name(path.parent / "done", path.name))
        results.append(result)
    return results


def _unreadable(exc: OSError) -> str:
    cause = exc.strerror or type(exc).__name__
    return (
        f"Không đọc được tệp ({cause}); hãy kiểm tra quyền đọc rồi đặt lại vào thư mục / "
        f"The file could not be read ({cause}); check its permissions and drop it again"
    )


def _set_aside(path: Path, reason: str) -> None:
    """Move `path` to `rejected/` beside a `.reason.txt` (a move needs no read permission)."""
    target = _free_name(path.parent / "rejected", path.name)
    target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    path.rename(target)
