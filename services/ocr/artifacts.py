"""Object-store keys of what the ocr stage derives from an original (never the original itself).

`text/<id>/page-0001.txt` (repaired text), `text/<id>/page-0001.raw.txt` (as read, when a repair
changed it), `pages/<id>/page-0001.png` (the corrected page image, drawn on first view),
`hocr/<id>/page-0001.hocr` (word boxes on that image), `access/<id>.pdf` (the PDF/A-2b access copy).
"""

from __future__ import annotations

from services.common.objects import page_text_key, pages_manifest_key

__all__ = [
    "access_pdf_key",
    "hocr_key",
    "page_image_key",
    "page_text_key",
    "pages_manifest_key",
    "raw_text_key",
]


def raw_text_key(record_id: str, page: int) -> str:
    return f"text/{record_id}/page-{page:04d}.raw.txt"


def page_image_key(record_id: str, page: int) -> str:
    return f"pages/{record_id}/page-{page:04d}.png"


def hocr_key(record_id: str, page: int) -> str:
    return f"hocr/{record_id}/page-{page:04d}.hocr"


def access_pdf_key(record_id: str) -> str:
    return f"access/{record_id}.pdf"
