"""The text of every page of a PDF, image or text file: the PDF text layer where there is a
usable one, OCR where not.

Framework-free: the ocr service and the tests call `extract_pages` directly. The heavy work runs
in tesseract child processes, so a thread pool is enough for parallelism, with real threads in
tests and green threads under nameko/eventlet alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps

from services.common.errors import ErrorCode, PermanentError
from services.common.legacy_text import decode_bytes
from services.ocr.pagekind import PDFIUM_LOCK, image_coverage, judged_layer, layer_text
from services.ocr.pageocr import PageSink, PageText, clean, ocr_page
from services.ocr.readable import (
    DEFAULT_LIMITS,
    PIL_FORMATS,
    Limits,
    broken_pdf,
    check_frames,
    check_page_pixels,
    check_page_total,
    load_page,
    open_image,
    open_pdf,
    reading_image,
)

__all__ = ["DEFAULT_LIMITS", "Limits", "PageText", "extract_pages"]

# What makes a page a text page (MIN_TEXT_LAYER_CHARS, …) and the PDFium lock live in
# services/ocr/pagekind.py, shared with ingest's lane choice. What makes a file unreadable or
# too large (the limits, their messages, the header checks) lives in services/ocr/readable.py,
# shared with intake, which refuses such files before they are stored; the same checks run
# here again for records stored before intake checked them, or re-driven since.

# A scanned PDF page whose one image covers this much of it is read from that image as stored
# (see _scan_image), when its resolution is at least NATIVE_MIN_DPI.
NATIVE_MIN_COVERAGE = 0.95
NATIVE_MIN_DPI = 150
_PLAIN_IMAGES = {
    (8, pdfium_c.FPDF_COLORSPACE_DEVICEGRAY),
    (24, pdfium_c.FPDF_COLORSPACE_DEVICERGB),
}


def extract_pages(
    data: bytes,
    media_type: str,
    *,
    workers: int,
    limits: Limits = DEFAULT_LIMITS,
    sink: PageSink | None = None,
) -> list[PageText]:
    """Text of each page, in order; `sink` receives each OCR'd page's corrected image, hOCR and
    PDF as soon as it is read. Raises PermanentError for input that cannot be read, and
    TransientError when the OCR engine itself fails."""
    if not data:
        raise PermanentError(
            "Tệp rỗng, không có nội dung / The file is empty", ErrorCode.EMPTY_FILE
        )
    if media_type == "application/pdf":
        return _extract_pdf(data, workers, limits, sink)
    if media_type in PIL_FORMATS:
        return _extract_image(data, PIL_FORMATS[media_type], workers, limits, sink)
    if media_type == "text/plain":
        decoded = decode_bytes(data)
        return [PageText(1, clean(decoded.text), None, "text_layer", encoding=decoded.encoding)]
    raise PermanentError(
        f"Không hỗ trợ định dạng {media_type} / Unsupported file type {media_type}",
        ErrorCode.UNSUPPORTED_TYPE,
    )


# --- PDF -----------------------------------------------------------------------------------------


def _text_layer_page(index: int, page: pdfium.PdfPage, text: str) -> tuple[PageText | None, str]:
    """The page from its text layer, or None and why it must be OCR'd."""
    verdict, reason = judged_layer(page, text)
    if verdict is None:
        return None, reason
    return PageText(index + 1, clean(verdict.text), None, "text_layer",
                    encoding=verdict.encoding), ""  # fmt: skip


def _survey_page(pdf: pdfium.PdfDocument, index: int, limits: Limits) -> PageText | str:
    """The page's text-layer text, or why it must be OCR'd (after its size is checked)."""
    page = load_page(pdf, index)
    try:
        found, reason = _text_layer_page(index, page, layer_text(page))
        if found is not None:
            return found
        check_page_pixels(page.get_size(), index, limits)
        return reason
    except pdfium.PdfiumError as exc:
        raise broken_pdf(index + 1) from exc
    finally:
        page.close()


def _render(pdf: pdfium.PdfDocument, index: int, dpi: int) -> tuple[Image.Image, int]:
    """The page as an image and its resolution: the scan itself when the page is one plain
    scanned image, else PDFium's drawing of the page at `dpi`."""
    with PDFIUM_LOCK:
        page = load_page(pdf, index)
        try:
            native = _scan_image(page, dpi)
            if native is not None:
                return native
            # In colour only when the page has a colour image: the access copy keeps it.
            bitmap = page.render(scale=dpi / 72, grayscale=not _has_colour_image(page))
            # The PIL image shares PDFium's buffer, which dies with the bitmap: copy it.
            image = bitmap.to_pil().copy()
            bitmap.close()
            return image, dpi
        except pdfium.PdfiumError as exc:
            raise broken_pdf(index + 1) from exc
        finally:
            page.close()


def _scan_image(page: pdfium.PdfPage, max_dpi: int) -> tuple[Image.Image, int] | None:
    """The page's one image at its own resolution, when the page is just that: an upright
    8-bit gray or RGB JPEG/Flate image covering the page, as copiers and scanners write. Taking
    it as stored is ten times faster than drawing the page (9 ms against 120 ms at 300 dpi)
    and reads a 200 dpi scan at 200 dpi instead of upsampled. Anything else is drawn by PDFium:
    bilevel CCITT or JBIG2 images (whose decode arrays only drawing applies), other colour
    spaces, turned pages, and scans finer than `max_dpi` (never more pixels than the page's
    checked size)."""
    if page.get_rotation():
        return None
    images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1))
    if len(images) != 1:
        return None
    image = images[0]
    a, b, c, d, _, _ = image.get_matrix().get()
    if b or c or a <= 0 or d <= 0 or image_coverage(page) < NATIVE_MIN_COVERAGE:
        return None
    meta = image.get_metadata()
    if (meta.bits_per_pixel, meta.colorspace) not in _PLAIN_IMAGES:
        return None
    if not set(image.get_filters()) <= {"DCTDecode", "FlateDecode"}:
        return None
    dpi = round(meta.width * 72 / a)
    if not NATIVE_MIN_DPI <= dpi <= max_dpi:
        return None  # too coarse to read as it is: drawn (upsampled) at the configured dpi
    # copy(): the PIL image must not share the bitmap's buffer, freed with it. Colour is kept
    # for the access copy; the OCR reads a grey copy.
    return image.get_bitmap(render=False).to_pil().copy(), dpi


def _has_colour_image(page: pdfium.PdfPage) -> bool:
    """True when an image on the page may hold colour (anything but gray or bilevel)."""
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        meta = image.get_metadata()
        if meta.bits_per_pixel > 1 and meta.colorspace != pdfium_c.FPDF_COLORSPACE_DEVICEGRAY:
            return True
    return False


def _extract_pdf(
    data: bytes, workers: int, limits: Limits, sink: PageSink | None
) -> list[PageText]:
    with PDFIUM_LOCK:
        pdf = open_pdf(data)
    try:
        with PDFIUM_LOCK:
            count = check_page_total(pdf, limits)
            pages = [_survey_page(pdf, i, limits) for i in range(count)]
        scans = [i for i, page in enumerate(pages) if isinstance(page, str)]
        tasks = [_pdf_ocr_task(pdf, i, limits, workers, sink) for i in scans]
        for i, page in zip(scans, _run_parallel(tasks, workers), strict=True):
            page.ocr_reason = pages[i] if pages[i] != "no text layer" else None
            pages[i] = page
    finally:
        with PDFIUM_LOCK:
            pdf.close()
    return [page for page in pages if isinstance(page, PageText)]


def _pdf_ocr_task(
    pdf: pdfium.PdfDocument, index: int, limits: Limits, workers: int, sink: PageSink | None
) -> Callable[[], PageText]:
    def task() -> PageText:
        image, dpi = _render(pdf, index, limits.dpi)
        return ocr_page(index + 1, image, dpi, limits, workers=workers, sink=sink)

    return task


# --- images --------------------------------------------------------------------------------------


def _image_dpi(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        return None
    # Scanners write 0, 1 or 72 when they do not know; tesseract then estimates it better.
    return value if 100 <= value <= 1200 else None


def _extract_image(
    data: bytes, fmt: str, workers: int, limits: Limits, sink: PageSink | None
) -> list[PageText]:
    with reading_image():
        image = open_image(data, fmt)
    try:
        with reading_image():
            count = check_frames(image, limits)
        lock = threading.Lock()  # one decoder, shared by the frames

        def load(i: int) -> Image.Image:
            with lock, reading_image():
                image.seek(i)
                return ImageOps.exif_transpose(image)  # decodes this frame only

        tasks = [_image_ocr_task(load, i, limits, workers, sink) for i in range(count)]
        return _run_parallel(tasks, workers)
    finally:
        image.close()


def _image_ocr_task(
    load: Callable[[int], Image.Image],
    index: int,
    limits: Limits,
    workers: int,
    sink: PageSink | None,
) -> Callable[[], PageText]:
    def task() -> PageText:
        frame = load(index)
        return ocr_page(index + 1, frame, _image_dpi(frame), limits, workers=workers, sink=sink)

    return task


# --- OCR -----------------------------------------------------------------------------------------


def _run_parallel(tasks: list[Callable[[], PageText]], workers: int) -> list[PageText]:
    """Run tasks on up to `workers` threads; the first failure cancels the pages not started."""
    if not tasks:
        return []
    with ThreadPoolExecutor(max(1, min(workers, len(tasks))), thread_name_prefix="ocr") as pool:
        futures = [pool.submit(task) for task in tasks]
        try:
            for future in as_completed(futures):
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [future.result() for future in futures]
