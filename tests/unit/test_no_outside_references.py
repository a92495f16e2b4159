"""The product cites regulations and upstream projects, never files outside this repository.

Docs and code are read by people who have this repository and nothing else: a pointer to a
working note, a shared folder or a tracker entry leads them nowhere. The progress notes
(docs/status.md) alone may name the tracker's issues.
"""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("README.md", "Makefile", "pyproject.toml", "Dockerfile", "docker-compose.yml")
SCANNED_DIRS = ("docs", "services", "tests", "bench", "deploy", "schemas")
BINARY = {".png", ".jpg", ".jpeg", ".ico", ".pdf", ".ttf", ".woff", ".woff2", ".gz", ".whl"}
OUTSIDE = re.compile(
    r"/work/|(?<![\w-])\.{0,2}/?shared/|\.library\b|DEVELOPERS\.md|issues show"
    r"|\bdomain notes\b|\bref §|\[(?:S|P|NF)\]"
)
ISSUE = re.compile(r"\bissues? #?\d+", re.IGNORECASE)
MARKDOWN = re.compile(r"(?<![\w-])([\w-]+\.md)\b")
MADE_UP_NAMES = {"a.md"}  # a file name tests/unit/test_no_secrets.py invents
THIS = Path(__file__).resolve()


def product_files() -> list[Path]:
    found = [ROOT / name for name in SCANNED]
    for folder in SCANNED_DIRS:
        found += (p for p in (ROOT / folder).rglob("*") if p.is_file())
    return [
        p
        for p in found
        if p.suffix not in BINARY and "__pycache__" not in p.parts and p.resolve() != THIS
    ]


def outside_references(path: Path, text: str, known_names: set[str]) -> list[str]:
    where = path.relative_to(ROOT).as_posix()
    found = [m.group(0) for m in OUTSIDE.finditer(text)]
    if where != "docs/status.md":
        found += [m.group(0) for m in ISSUE.finditer(text)]
    found += [
        m.group(0) for m in MARKDOWN.finditer(text) if m.group(1) not in known_names | MADE_UP_NAMES
    ]
    return [f"{where}: {ref}" for ref in found]


def test_docs_and_code_point_only_at_files_in_this_repository():
    files = product_files()
    known_names = {p.name for p in files} | {p.name for p in ROOT.glob("*")}
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += outside_references(path, text, known_names)
    assert found == []


@pytest.mark.parametrize(
    "text",
    [
        "see /work/shared/domain/vietnam-records.md §4",
        "(sources in ../shared/design.md)",
        "the notes in design.md",
        "as issue 19 asks",
        "ref §4.2 row 30",
    ],
)
def test_a_reference_outside_is_caught(text):
    assert outside_references(ROOT / "docs" / "x.md", text, {"README.md"})
