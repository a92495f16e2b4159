"""The scanner hot folder: `$LUUTRU_DATA/inbox/<register>/`.

A file is taken once its size and mtime have not changed for `settle_s` seconds (a scanner
may still be writing it), then moved to `done/` or to `rejected/` beside a `.reason.txt`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from services.ingest.intake import REGISTERS, IngestResult


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
    """Ingest every settled file; `ingest(data, file_name, register)` must not raise."""
    results = []
    for register, path in settled_files(inbox, settle_s):
        result = ingest(path.read_bytes(), path.name, register)
        if result.record["status"] == "rejected":
            target = _free_name(path.parent / "rejected", path.name)
            target.with_name(target.name + ".reason.txt").write_text(
                result.record["error"] + "\n", encoding="utf-8"
            )
        else:
            target = _free_name(path.parent / "done", path.name)
        path.rename(target)
        results.append(result)
    return results
