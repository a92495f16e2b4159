"""Does a PDF page carry its own text, or is it a scan? One judgment, shared by the ocr stage
(services/ocr/extract.py) and ingest's lane choice (services/ingest/lanes.py).

Imports PDFium and the text-layer judge only, so ingest can use it without the OCR stack.
Framework-free.
"""

from __future__ import annotations

import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from services.ocr.textlayer import LayerVerdict, judge

# Fewer non-space characters than this, and a PDF page is a scan to OCR.
MIN_TEXT_LAYER_CHARS = 20
# A page mostly covered by an image, with a short text layer (e.g. a digital-signature stamp on
# a scan), is OCR'd too: its text layer is not the document's text.
SCAN_IMAGE_COVERAGE = 0.5
SCAN_MAX_TEXT_LAYER_CHARS = 200

# PDFium is not thread-safe, not even across documents.
PDFIUM_LOCK = threading.Lock()


def image_coverage(page: pdfium.PdfPage) -> float:
    """Share of the page area covered by its largest image."""
    left, bottom, right, top = page.get_bbox()
    page_area = max((right - left) * (top - bottom), 1.0)
    largest = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        x0, y0, x1, y1 = obj.get_bounds()
        largest = max(largest, (x1 - x0) * (y1 - y0))
    return min(largest / page_area, 1.0)


def is_text_page(page: pdfium.PdfPage, text: str) -> bool:
    """True when the page's text layer is long enough to be its text (its quality is judged
    apart, by services.ocr.textlayer.judge)."""
    chars = sum(not c.isspace() for c in text)
    if chars < MIN_TEXT_LAYER_CHARS:
        return False
    return chars >= SCAN_MAX_TEXT_LAYER_CHARS or image_coverage(page) < SCAN_IMAGE_COVERAGE


def layer_text(page: pdfium.PdfPage) -> str:
    """The page's text layer as PDFium extracts it (empty for a scan)."""
    textpage = page.get_textpage()
    try:
        return textpage.get_text_bounded()
    finally:
        textpage.close()


def judged_layer(page: pdfium.PdfPage, text: str) -> tuple[LayerVerdict | None, str]:
    """The page's usable text layer, or None and why the page must be OCR'd."""
    if not is_text_page(page, text):
        return None, "no text layer"
    verdict = judge(text)
    if not verdict.usable:
        return None, f"unusable text layer: {verdict.reason}"
    return verdict, ""
