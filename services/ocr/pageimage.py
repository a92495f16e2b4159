"""The portal's page image, drawn on first view from the access copy instead of encoded on the
OCR's critical path (a PNG of an A4 page took ~35 ms of each page's time, for pages most of
which are never looked at).

Framework-free. The image is drawn at exactly the size of the image the page's hOCR boxes lie
on, so highlights fall where they did; in colour only when the page has colour.
"""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
from PIL import Image

from services.ocr.pagekind import PDFIUM_LOCK
from services.ocr.scanimage import is_coloured

_PAGE_BBOX_RE = re.compile(r"class=['\"]ocr_page['\"][^>]*?bbox (\d+) (\d+) (\d+) (\d+)")
_PNG_LEVEL = 1  # zlib level 1: a third faster than the default for 30 % more bytes


def hocr_image_size(hocr: str) -> tuple[int, int]:
    """(width, height) of the image the hOCR's boxes lie on."""
    match = _PAGE_BBOX_RE.search(hocr)
    if match is None:
        raise ValueError("hOCR without an ocr_page box")
    x0, y0, x1, y1 = map(int, match.groups())
    return x1 - x0, y1 - y0


def _draw(access_pdf: bytes, index: int, width: int) -> Image.Image:
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(access_pdf)
        try:
            page = pdf[index]
            # Shown as displayed: /Rotate applied, so the page is upright.
            bitmap = page.render(scale=width / page.get_width())
            image = bitmap.to_pil().convert("RGB")  # a copy, free of PDFium's buffer
            bitmap.close()
            page.close()
            return image
        finally:
            pdf.close()


def render_page_image(access_pdf: bytes, index: int, size: tuple[int, int]) -> bytes:
    """PNG of page `index` (0-based) of the access copy, `size` pixels, upright."""
    image = _draw(access_pdf, index, size[0])
    if image.size != size:  # PDFium rounds the page's size up
        image = image.resize(size, Image.Resampling.BILINEAR)
    if not is_coloured(image):
        image = image.convert("L")
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=_PNG_LEVEL)
    return out.getvalue()
