"""No secrets in the repository: every file git would commit is scanned.

Invariants: no private key, cloud or forge token anywhere; no key or environment file; outside
tests/, a credential inside a URL is either RabbitMQ's local default (guest:guest) or an
obvious placeholder (CHANGE-ME, PASSWORD, ACCESS:SECRET), and no password, secret or key is
assigned a literal value. Tests may hold throwaway passwords for their throwaway stacks.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from services.common.config import REPO_ROOT

pytestmark = pytest.mark.unit

ANYWHERE = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
}
URL_CREDENTIALS = re.compile(r"[a-z][a-z0-9+]*://([^/\s:@\"'$]+):([^@\s/\"'$]+)@")
PLACEHOLDER = re.compile(r"guest|[A-Z][A-Z_-]*|\{[A-Z_]+\}")
ASSIGNED = re.compile(
    r"(?i)\b(?:password|passwd|secret|secret_key|api_key|access_key|private_key)\s*=\s*"
    r"[\"'][^\"'\s]{6,}[\"']"
)
FORBIDDEN_NAMES = re.compile(r"(^|/)(\.env|id_rsa|id_ed25519|.*\.pem|.*\.key|.*\.p12)$")


def committed_files() -> list[str]:
    """Tracked files and new files git would add (not the ignored ones)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [line for line in out.splitlines() if (REPO_ROOT / line).is_file()]


def text_of(path: str) -> str | None:
    data = (REPO_ROOT / path).read_bytes()
    return None if b"\0" in data[:8192] else data.decode("utf-8", errors="replace")


def findings(path: str, text: str) -> list[str]:
    found = [f"{path}: {name}" for name, pattern in ANYWHERE.items() if pattern.search(text)]
    if path.startswith("tests/"):
        return found
    for match in URL_CREDENTIALS.finditer(text):
        if not PLACEHOLDER.fullmatch(match.group(2)):
            found.append(f"{path}: credentials in a URL ({match.group(1)}:…)")
    found += [f"{path}: literal secret {m.group(0)[:20]}…" for m in ASSIGNED.finditer(text)]
    return found


def test_the_scan_recognises_what_it_looks_for():
    key = "-----BEGIN OPENSSH " + "PRIVATE KEY-----"
    assert findings("a.txt", key) == ["a.txt: private key"]
    assert findings("a.py", 'url = "postgresql://luutru:s3cr3t-pw@db/x"')
    assert findings("a.py", 'password = "hunter2-long"')
    assert not findings("a.md", "amqp://guest:guest@127.0.0.1:5672/ s3://ACCESS:SECRET@m:9000/b")


def test_no_secret_is_committed():
    files = committed_files()
    assert len(files) > 50  # the scan really ran over the repository
    problems = [p for path in files if FORBIDDEN_NAMES.search(path) for p in [f"{path}: file"]]
    for path in files:
        text = text_of(path)
        if text is not None:
            problems += findings(path, text)
    assert problems == []
