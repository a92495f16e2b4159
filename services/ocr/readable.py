"""Can a file be read at all, within the limits that protect the machine? The structural rules
and their clerk-readable messages, in one place for the two that apply them:

- intake (services/ingest/intake.py) refuses such a file at once, with the reason, before it
  is stored (`check_readable`: the PDF opens, has pages, no user password, not too many
  pages, no page too large; an image's header is readable and within the limits);
- the ocr stage (services/ocr/extract.py) applies the same rules again before any work, for
  records stored before intake checked them or re-driven since.

Cheap on purpose: a PDF's pages are sized from the page tree (a page's content is parsed only
when the page is too large, to see whether its own text layer makes rendering unnecessary), an
image's size comes from its header; nothing is rendered or decoded. Imports PDFium and Pillow,
not the OCR stack. Framework-free.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from services.common.errors import ErrorCode, PermanentError
from services.ocr.pagekind import PDFIUM_LOCK, judged_layer, layer_text

# Every page's size is checked against Limits.max_pixels before decoding. Pillow's own global
# check would fire first for big images (at twice its default) with an unreadable error.
Image.MAX_IMAGE_PIXELS = None

PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError)


@dataclass(frozen=True)
class Limits:
    max_pages: int = 500
    max_pixels: int = 100_000_000  # per page, checked BEFORE decoding pixels
    page_timeout_s: float = 120
    dpi: int = 300
    memory_mb: int | None = 2048  # address space of each tesseract child


DEFAULT_LIMITS = Limits()


def check_readable(data: bytes, media_type: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """PermanentError (the ocr stage's own message) when the file cannot be read or breaks a
    limit; types other than PDF and images have no structure to check here."""
    try:
        if media_type == "application/pdf":
            _check_pdf(data, limits)
        elif media_type in PIL_FORMATS:
            with reading_image(), open_image(data, PIL_FORMATS[media_type]) as image:
                check_frames(image, limits)
    except PermanentError:
        raise
    except Exception as exc:
        # A structure the readers did not expect (Pillow's header parsers raise many types):
        # refused as damaged, not raised, or the hot folder would retry the file for ever.
        raise (broken_pdf() if media_type == "application/pdf" else unreadable_image()) from exc


# --- limits and messages -----------------------------------------------------------------------


def _millions(n: int, decimal_mark: str) -> str:
    return f"{n / 1_000_000:g}".replace(".", decimal_mark)


def check_page_count(count: int, limits: Limits) -> None:
    if count > limits.max_pages:
        raise PermanentError(
            f"Tài liệu có {count} trang, vượt giới hạn {limits.max_pages} trang"
            f" / The document has {count} pages, more than the limit of {limits.max_pages}",
            ErrorCode.TOO_MANY_PAGES,
        )


def check_pixels(size: tuple[int, int], limits: Limits, what_vi: str, what_en: str) -> None:
    width, height = size
    if width * height > limits.max_pixels:
        vi_limit = _millions(limits.max_pixels, ",") + " triệu"
        en_limit = _millions(limits.max_pixels, ".") + " million"
        raise PermanentError(
            f"{what_vi} quá lớn: {width}×{height} điểm ảnh, vượt giới hạn {vi_limit}"
            f" / {what_en} too large: {width}×{height} pixels, over the limit of {en_limit}",
            ErrorCode.IMAGE_TOO_LARGE,
        )


# --- PDF -----------------------------------------------------------------------------------------


def broken_pdf(page: int | None = None) -> PermanentError:
    if page is None:
        # PDFium cannot tell a damaged file from an empty page tree (it sets no error for it).
        message = "Tệp PDF bị hỏng hoặc không có trang nào / The PDF is damaged or has no pages"
    else:
        message = (
            f"Tệp PDF bị hỏng, không đọc được trang {page}"
            f" / The PDF is damaged: page {page} cannot be read"
        )
    return PermanentError(message, ErrorCode.BROKEN_FILE)


def no_pages() -> PermanentError:
    return PermanentError("PDF không có trang nào / The PDF has no pages", ErrorCode.BROKEN_FILE)


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open under PDFIUM_LOCK (the caller holds it). PDFium's last error is global and is not
    reset by a load that fails without setting one, so a stale "password" code could be read
    after another document: prime it with a known "format" error first. A PDF with only an
    owner password (printing or copying restricted) opens: it is readable."""
    with suppress(pdfium.PdfiumError):
        pdfium.PdfDocument(b"%")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise PermanentError(
                "PDF được bảo vệ bằng mật khẩu, hãy nộp bản không đặt mật khẩu"
                " / The PDF is password-protected; submit an unprotected copy",
                ErrorCode.ENCRYPTED,
            ) from exc
        raise broken_pdf() from exc


def check_page_total(pdf: pdfium.PdfDocument, limits: Limits) -> int:
    """The number of pages, at least one and within the limit (under PDFIUM_LOCK)."""
    count = len(pdf)
    if count == 0:
        raise no_pages()
    check_page_count(count, limits)
    return count


def load_page(pdf: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    try:
        return pdf[index]
    except pdfium.PdfiumError as exc:
        raise broken_pdf(index + 1) from exc


def render_size(size: tuple[float, float], dpi: int) -> tuple[int, int]:
    # The same arithmetic as PdfPage.render, so the check matches what would be allocated.
    width, height = size
    return math.ceil(width * dpi / 72), math.ceil(height * dpi / 72)


def check_page_pixels(size: tuple[float, float], index: int, limits: Limits) -> None:
    """A page to render (one without a usable text layer) must fit `max_pixels` at the dpi."""
    check_pixels(
        render_size(size, limits.dpi),
        limits,
        f"Trang {index + 1} (ở {limits.dpi} dpi)",
        f"Page {index + 1} (at {limits.dpi} dpi)",
    )


def _check_pdf(data: bytes, limits: Limits) -> None:
    # PDFium is not thread-safe. In ingest (eventlet: green threads on one OS thread) the lock
    # orders concurrent uploads as it orders the lane choice (services/ingest/lanes.py); the
    # gateway never calls this (uploads reach ingest by RPC), its own PDF reading (the format
    # check, in OS threads) has its own OS-level lock (services/formcheck/readers.py).
    with PDFIUM_LOCK:
        pdf = open_pdf(data)
        try:
            for index in range(check_page_total(pdf, limits)):
                _check_pdf_page(pdf, index, limits)
        finally:
            pdf.close()


def _check_pdf_page(pdf: pdfium.PdfDocument, index: int, limits: Limits) -> None:
    """The page can be found and sized; a page too large to render is refused unless its own
    text layer is usable, as the ocr stage reads such a page without rendering it."""
    try:
        size = pdf.get_page_size(index)  # from the page tree: the content is not parsed
    except pdfium.PdfiumError as exc:
        raise broken_pdf(index + 1) from exc
    try:
        check_page_pixels(size, index, limits)
    except PermanentError:
        if not _has_usable_layer(pdf, index):
            raise


def _has_usable_layer(pdf: pdfium.PdfDocument, index: int) -> bool:
    page = load_page(pdf, index)
    try:
        return judged_layer(page, layer_text(page))[0] is not None
    except pdfium.PdfiumError as exc:
        raise broken_pdf(index + 1) from exc
    finally:
        page.close()


# --- images --------------------------------------------------------------------------------------


@contextmanager
def reading_image() -> Iterator[None]:
    """Pillow reports corrupt input with many exception types: one clear error for them all."""
    try:
        yield
    except Image.DecompressionBombError as exc:
        raise PermanentError(
            f"Ảnh quá lớn / Image too large: {exc}", ErrorCode.IMAGE_TOO_LARGE
        ) from exc
    except _PIL_ERRORS as exc:
        raise unreadable_image() from exc


def unreadable_image() -> PermanentError:
    return PermanentError(
        "Tệp ảnh bị hỏng hoặc không đọc được / The image is damaged or unreadable",
        ErrorCode.BROKEN_FILE,
    )


def open_image(data: bytes, fmt: str) -> Image.Image:
    """The image, lazily: Pillow reads its header now and its pixels only when asked."""
    return Image.open(io.BytesIO(data), formats=[fmt])


def check_frames(image: Image.Image, limits: Limits) -> int:
    """The number of frames (pages), each within the limits, from their headers only (under
    `reading_image`)."""
    count = getattr(image, "n_frames", 1)
    check_page_count(count, limits)
    for i in range(count):
        image.seek(i)  # reads the frame header only
        what = ("Ảnh", "Image") if count == 1 else (f"Ảnh trang {i + 1}", f"Page {i + 1}")
        check_pixels(image.size, limits, *what)
    return count
