"""Which files in the scanner's folder are finished: size and mtime unchanged for `settle_s`.

Polling, not inotify: it works the same on a network share, and a scanner writing slowly
(or in several passes) is simply seen as "still changing".
"""

from __future__ import annotations

import time
from pathlib import Path

from services.agent.journal import JOURNAL_NAME


class Watcher:
    def __init__(self, folder: Path, settle_s: float = 2.0):
        self.folder = folder
        self.settle_s = settle_s
        self._seen: dict[str, tuple[int, int, float]] = {}  # name -> size, mtime_ns, since
        self.unsettled = 0  # files seen in the last pass that are still changing

    def _candidates(self) -> list[Path]:
        return sorted(
            p
            for p in self.folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.startswith(JOURNAL_NAME)
        )

    def stable_files(self, now: float | None = None) -> list[tuple[Path, int, int]]:
        """(path, size, mtime_ns) of files that stopped changing at least `settle_s` ago."""
        now = time.monotonic() if now is None else now
        stable, current = [], {}
        for path in self._candidates():
            try:
                stat = path.stat()
            except FileNotFoundError:  # moved away between listing and stat
                continue
            key = (stat.st_size, stat.st_mtime_ns)
            size, mtime_ns, since = self._seen.get(path.name, (-1, -1, now))
            since = since if (size, mtime_ns) == key else now
            current[path.name] = (*key, since)
            if now - since >= self.settle_s:
                stable.append((path, *key))
        self._seen = current
        self.unsettled = len(current) - len(stable)
        return stable
