"""Which OCR lane a record takes: the text lane (`record.ingested_digital`) for documents that
need no OCR, the scan lane (`record.ingested`) for everything else.

One FIFO queue made a born-digital PDF (0.1 s of work) wait behind every scan sent before it
(docs/reliability.md, "Load"). The guess is cheap and errs towards the scan lane: plain text,
and PDFs of at most `MAX_PAGES_LOOKED_AT` pages whose every page has a usable-looking text layer
(the ocr stage's own rule, services/ocr/pagekind.py and textlayer.py). A wrong guess costs only
latency: the ocr stage judges every page itself, whatever the lane.

Re-drives (`luutru reprocess`, the watchdog) recompute the lane from the stored original, so
a record always takes the same lane; a DLQ replay goes back to the queue it came from.

Framework-free; imports PDFium, not the OCR stack.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import pypdfium2 as pdfium

from services.common import events
from services.common.ports import ObjectStore
from services.ocr.pagekind import PDFIUM_LOCK, judged_layer, layer_text

TEXT_LANE = events.RECORD_INGESTED_DIGITAL
SCAN_LANE = events.RECORD_INGESTED
# Longer PDFs take the scan lane unread: the text lane is for quick documents, and ingest
# must not spend seconds per upload judging pages.
MAX_PAGES_LOOKED_AT = 30


def lane(data: bytes, media_type: str) -> str:
    """The event type to send for a record with these bytes."""
    if media_type == "text/plain":
        return TEXT_LANE
    if media_type == "application/pdf" and _all_pages_have_text(data):
        return TEXT_LANE
    return SCAN_LANE


def lane_of(store: ObjectStore, event: dict[str, Any]) -> str:
    """The lane of a re-driven record, from its stored original (images are not read)."""
    if event["media_type"] != "application/pdf":
        return lane(b"", event["media_type"])
    try:
        data = store.get(event["object_key"])
    except Exception:  # the lane is only a guess; the ocr stage reports a missing original
        return SCAN_LANE
    return lane(data, event["media_type"])


def _all_pages_have_text(data: bytes) -> bool:
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:  # damaged or encrypted: the ocr stage says why
            return False
        try:
            count = len(pdf)
            if not 0 < count <= MAX_PAGES_LOOKED_AT:
                return False
            return all(_has_text(pdf, i) for i in range(count))
        except pdfium.PdfiumError:
            return False
        finally:
            with suppress(pdfium.PdfiumError):
                pdf.close()


def _has_text(pdf: pdfium.PdfDocument, index: int) -> bool:
    page = pdf[index]
    try:
        verdict, _ = judged_layer(page, layer_text(page))
        return verdict is not None
    finally:
        page.close()
