"""One polling pass of the agent: journal the finished files, send what is due, record answers.

The archive's answer decides: 2xx means registered (the record id and register number are
journaled), 400 means refused for good (the reason is journaled, the file is not sent again),
anything else — no network, archive stopped, 5xx, 401 — means "try again later", with a delay
that doubles up to `max_delay_s`. A file is never sent while an earlier answer for the same
content is on record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from services.agent.journal import Entry, Journal
from services.agent.watcher import Watcher


@dataclass
class Outcome:
    """What happened to one file in this pass: `sent`, `rejected` or `retry`."""

    kind: str
    entry: Entry
    detail: str | None = None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Rejected(Exception):
    """The archive refused the file (400): sending it again cannot help."""


class NotNow(Exception):
    """The archive could not take the file now (down, unreachable, busy): retry later."""


def post_file(server: str, token: str, register: str, path: Path, timeout: float = 120) -> dict:
    """POST the file to `/api/records`; the archive's JSON answer, or Rejected / NotNow."""
    try:
        with path.open("rb") as f:
            response = requests.post(
                f"{server.rstrip('/')}/api/records",
                files={"file": (path.name, f)},
                data={"register": register},
                headers={"Authorization": f"Bearer {token}"},
                timeout=timeout,
            )
    except (requests.RequestException, OSError) as exc:
        raise NotNow(f"Không kết nối được kho lưu trữ / archive unreachable: {exc}") from exc
    body = _json(response)
    if response.status_code in (200, 201, 202) and "id" in body:
        return body
    if response.status_code == 400:
        raise Rejected(body.get("error") or response.text[:300])
    raise NotNow(f"HTTP {response.status_code}: {body.get('error') or response.text[:200]}")


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


Sender = Callable[[Path], dict]


class Agent:
    def __init__(
        self,
        folder: Path,
        journal: Journal,
        send: Sender,
        register: str,
        settle_s: float = 2.0,
        max_delay_s: float = 60.0,
    ):
        self.folder = folder
        self.journal = journal
        self.send = send
        self.register = register
        self.watcher = Watcher(folder, settle_s)
        self.max_delay_s = max_delay_s

    def discover(self) -> None:
        """Journal every finished file whose content is new (hashing a file once per change)."""
        for path, size, mtime_ns in self.watcher.stable_files():
            sha = self.journal.known_sha(path.name, size, mtime_ns)
            if sha is None:
                sha = sha256_of(path)
                self.journal.remember_path(path.name, size, mtime_ns, sha)
            self.journal.add(sha, path.name, size, self.register)

    def send_due(self) -> list[Outcome]:
        outcomes = []
        for entry in self.journal.due():
            path = self.folder / entry.path
            try:
                answer = self.send(path)
            except Rejected as exc:
                self.journal.mark_rejected(entry.sha256, str(exc))
                outcomes.append(Outcome("rejected", self.journal.get(entry.sha256), str(exc)))
            except (NotNow, FileNotFoundError) as exc:
                delay = min(2.0**entry.attempts, self.max_delay_s)
                self.journal.mark_retry(entry.sha256, str(exc), delay)
                outcomes.append(Outcome("retry", self.journal.get(entry.sha256), str(exc)))
                break  # the archive is down: the others would fail the same way
            else:
                self.journal.mark_sent(entry.sha256, answer)
                outcomes.append(Outcome("sent", self.journal.get(entry.sha256)))
        return outcomes

    def poll(self) -> list[Outcome]:
        self.discover()
        return self.send_due()

    def pending(self) -> int:
        return sum(e.state == "pending" for e in self.journal.entries())
