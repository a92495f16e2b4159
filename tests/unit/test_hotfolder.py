"""The hot folder: a file intake refuses goes to `rejected/` beside a `.reason.txt` giving the
reason; a file it takes goes to `done/`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore
from services.ingest.hotfolder import process_inbox
from services.ingest.intake import IngestResult, ingest_file
from tests.fixtures import hostile
from tests.fixtures.documents import born_digital_pdf

LINES = ["QUYẾT ĐỊNH", "về việc ban hành quy chế văn thư"]


def test_a_truncated_pdf_lands_in_rejected_with_its_reason(tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    inbox = tmp_path / "inbox"
    (inbox / "den").mkdir(parents=True)
    (inbox / "den" / "cut.pdf").write_bytes(hostile.truncated_pdf(LINES))
    (inbox / "den" / "quyet-dinh.pdf").write_bytes(born_digital_pdf([LINES]))
    old = time.time() - 10  # as if the scanner finished writing a while ago
    for path in (inbox / "den").iterdir():
        os.utime(path, (old, old))

    def ingest(data: bytes, name: str, register: str):
        return ingest_file(catalog, store, data=data, file_name=name, register=register,
                           source="hotfolder", max_bytes=2**26)  # fmt: skip

    results = process_inbox(inbox, ingest)
    catalog.engine.dispose()
    assert sorted(r.record["status"] for r in results) == ["received", "rejected"]
    assert sorted(p.name for p in (inbox / "den").iterdir()) == ["done", "rejected"]
    assert [p.name for p in (inbox / "den" / "done").iterdir()] == ["quyet-dinh.pdf"]
    rejected = inbox / "den" / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == ["cut.pdf", "cut.pdf.reason.txt"]
    reason = (rejected / "cut.pdf.reason.txt").read_text(encoding="utf-8")
    assert reason.startswith("Tệp PDF bị hỏng") and " / The PDF is damaged" in reason
    assert (rejected / "cut.pdf").read_bytes() == hostile.truncated_pdf(LINES)  # kept as dropped


def test_an_unreadable_file_is_set_aside_and_the_files_behind_it_are_taken(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    (inbox / "den").mkdir(parents=True)
    for name, age in (("khoa.pdf", 20), ("sau.pdf", 10)):  # the unreadable one is the oldest
        path = inbox / "den" / name
        path.write_bytes(born_digital_pdf([LINES]))
        os.utime(path, (time.time() - age, time.time() - age))
    read_bytes = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.name == "khoa.pdf":  # tests run as root: chmod would not stop the read
            raise PermissionError(13, "Permission denied")
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    taken: list[str] = []

    def ingest(data: bytes, name: str, register: str) -> IngestResult:
        taken.append(name)
        return IngestResult({"status": "received", "error": None})

    process_inbox(inbox, ingest)
    assert taken == ["sau.pdf"]
    assert [p.name for p in (inbox / "den" / "done").iterdir()] == ["sau.pdf"]
    rejected = inbox / "den" / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == ["khoa.pdf", "khoa.pdf.reason.txt"]
    reason = (rejected / "khoa.pdf.reason.txt").read_text(encoding="utf-8")
    assert reason.startswith("Không đọc được tệp (Permission denied)")
    assert "check its permissions" in reason
