"""ocr stage: from a stored original to the text of every page in the object store, with each
scanned page's corrected image and hOCR, and a PDF/A access copy."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, replace
from typing import Any

from services.common import events
from services.common.errors import NotFound, PermanentError
from services.common.ports import Catalog, ObjectStore
from services.ocr import artifacts as keys
from services.ocr.access import AccessPage, build_access_pdf
from services.ocr.extract import Limits, PageText, extract_pages
from services.ocr.pageocr import PageArtifacts
from services.ocr.review import needs_review
from services.ocr.scanimage import EncodedImage

DEFAULT_REVIEW_CONFIDENCE = 70.0


class _StoringSink:
    """Stores each OCR'd page's hOCR as soon as it is read; keeps its one-page PDF and
    its scan for the access copy in a local directory until the copy is assembled (no 500 pages
    held in memory)."""

    def __init__(self, store: ObjectStore, record_id: str, workdir: str):
        self.store, self.record_id, self.workdir = store, record_id, workdir
        self.rotations: dict[int, int] = {}
        self.scans: dict[int, EncodedImage] = {}  # without their bytes, which are on disk
        self._lock = threading.Lock()

    def __call__(self, page: PageArtifacts) -> None:
        self.store.put(keys.hocr_key(self.record_id, page.n), page.hocr.encode())
        _write(self._path(page.n, "pdf"), page.pdf)
        _write(self._path(page.n, "scan"), page.scan.data)
        with self._lock:
            self.rotations[page.n] = page.pdf_rotation
            self.scans[page.n] = replace(page.scan, data=b"")

    def _path(self, n: int, kind: str) -> str:
        return os.path.join(self.workdir, f"page-{n:04d}.{kind}")

    def access_pages(self, pages: list[PageText]) -> list[AccessPage]:
        out = []
        for page in pages:
            if page.source == "ocr":
                scan = replace(self.scans[page.n], data=_read(self._path(page.n, "scan")))
                pdf = _read(self._path(page.n, "pdf"))
                out.append(AccessPage(pdf, self.rotations[page.n], image=scan))
            else:
                out.append(AccessPage(None, original_index=page.n - 1))
        return out


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as file:
        file.write(data)


def _read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def _page_entry(record_id: str, p: PageText, review_below: float) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "n": p.n,
        "key": keys.page_text_key(record_id, p.n),
        "confidence": p.confidence,
        "review": needs_review(p.confidence, review_below),
        "source": p.source,
        "rotation": p.rotation,
        "chars": len(p.text),
    }
    if p.source == "ocr":
        entry["skew"] = p.skew
        entry["image_key"] = keys.page_image_key(record_id, p.n)
        entry["hocr_key"] = keys.hocr_key(record_id, p.n)
    if p.raw_text is not None:
        entry["raw_key"] = keys.raw_text_key(record_id, p.n)
        entry["repairs"] = [asdict(r) for r in p.repairs]
    if p.encoding != "unicode":
        entry["encoding"] = p.encoding
    if p.ocr_reason:
        entry["ocr_reason"] = p.ocr_reason
    return entry


def _manifest(
    record_id: str, sha256: str, pages: list[PageText], access: str | None, review_below: float
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "sha256": sha256,
        "access_key": access,
        "review_below": review_below,
        "pages": [_page_entry(record_id, p, review_below) for p in pages],
    }


def _existing_manifest(store: ObjectStore, record_id: str, sha256: str) -> dict | None:
    try:
        manifest = json.loads(store.get(keys.pages_manifest_key(record_id)))
    except NotFound:
        return None
    return manifest if manifest.get("sha256") == sha256 else None


def _text_event(record_id: str, sha256: str, manifest: dict) -> dict[str, Any]:
    return events.new_event(
        events.RECORD_TEXT_EXTRACTED,
        record_id,
        sha256=sha256,
        pages=len(manifest["pages"]),
        text_keys=[p["key"] for p in manifest["pages"]],
        manifest_key=keys.pages_manifest_key(record_id),
    )


def _store_texts(store: ObjectStore, record_id: str, pages: list[PageText]) -> None:
    for page in pages:
        store.put(keys.page_text_key(record_id, page.n), page.text.encode())
        if page.raw_text is not None:
            store.put(keys.raw_text_key(record_id, page.n), page.raw_text.encode())


def _store_access_copy(
    store: ObjectStore, event: dict, pages: list[PageText], sink: _StoringSink, original: bytes,
    title: str,
) -> str | None:  # fmt: skip
    """The PDF/A access copy when any page was scanned (a born-digital PDF is its own copy)."""
    if not any(p.source == "ocr" for p in pages):
        return None
    source_pdf = original if event["media_type"] == "application/pdf" else None
    pdf = build_access_pdf(sink.access_pages(pages), title, source_pdf)
    store.put(keys.access_pdf_key(event["record_id"]), pdf)
    return keys.access_pdf_key(event["record_id"])


def _fail(catalog: Catalog, record_id: str, exc: PermanentError) -> tuple[str, dict]:
    catalog.fail(record_id, "ocr", exc.message, str(exc.code))
    return events.RECORD_FAILED, events.new_event(
        events.RECORD_FAILED, record_id, stage="ocr", code=str(exc.code), reason=exc.message
    )


def extract_text(
    event: dict,
    catalog: Catalog,
    store: ObjectStore,
    *,
    workers: int,
    limits: Limits,
    review_below: float = DEFAULT_REVIEW_CONFIDENCE,
) -> tuple[str, dict[str, Any]]:
    """Return the event to send next: (`record.text_extracted` | `record.failed`, payload).

    Idempotent: when the pages of this exact content are already stored (a redelivery), the
    work is not repeated and the same `record.text_extracted` is sent again. The manifest is
    written last, so a crash part-way redoes the whole record.
    """
    record_id, sha256 = event["record_id"], event["sha256"]
    manifest = _existing_manifest(store, record_id, sha256)
    if manifest is None:
        catalog.advance(record_id, "ocr", "processing", "ocr_started")
        original = store.get(event["object_key"])
        title = catalog.row(record_id)["file_name"]
        with tempfile.TemporaryDirectory(prefix="luutru-pages-") as workdir:
            sink = _StoringSink(store, record_id, workdir)
            try:
                pages = extract_pages(
                    original, event["media_type"], workers=workers, limits=limits, sink=sink
                )
            except PermanentError as exc:
                return _fail(catalog, record_id, exc)
            _store_texts(store, record_id, pages)
            access = _store_access_copy(store, event, pages, sink, original, title)
        manifest = _manifest(record_id, sha256, pages, access, review_below)
        store.put(keys.pages_manifest_key(record_id), json.dumps(manifest).encode())
        catalog.advance(
            record_id,
            "ocr",
            "processing",
            "text_extracted",
            {
                "pages": len(pages),
                "ocr_pages": sum(p.source == "ocr" for p in pages),
                "review_pages": [p["n"] for p in manifest["pages"] if p["review"]],
            },
            pages=len(pages),
            page_info=manifest["pages"],
        )
    return events.RECORD_TEXT_EXTRACTED, _text_event(record_id, sha256, manifest)
