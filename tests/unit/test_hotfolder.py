"""The hot folder: a file intake refuses goes to `rejected/` beside a `.reason.txt` giving the
reason; a file it takes goes to `done/`."""

from __future__ import annotations

import os
import time

from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore
from services.ingest.hotfolder import process_inbox
from services.ingest.intake import ingest_file
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
