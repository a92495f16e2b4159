"""The text of every page of a PDF or image: the PDF text layer where there is one, OCR where not.

Framework-free: the ocr service and the tests call `extract_pages` directly. The heavy work runs
in tesseract child processes, so a thread pool is enough for parallelism, with real threads in
tests and green threads under nameko/eventlet alike.
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps

from services.common.errors import ErrorCode, PermanentError, TransientError

TESSERACT_CMD = "tesseract"
# OpenMP threads inside one tesseract are several times slower than one process per core.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}
# Every page's size is checked against Limits.max_pixels before decoding. Pillow's own global
# check would fire first for big images (at twice its default) with an unreadable error.
Image.MAX_IMAGE_PIXELS = None

# `vie` alone: with `vie+eng`, the English model wins on short upper-case lines and strips their
# diacritics ("ĐẢNG CỘNG SẢN" -> "DANG CONG SAN"); `vie` reads Latin/English text equally well.
OCR_LANG = "vie"
# `--psm 1`: automatic page segmentation with orientation detection, so 90°/180° scans read.
_PSM = "1"

# Fewer non-space characters than this, and a PDF page is a scan to OCR.
MIN_TEXT_LAYER_CHARS = 20
# A page mostly covered by an image, with a short text layer (e.g. a digital-signature stamp on
# a scan), is OCR'd too: its text layer is not the document's text.
SCAN_IMAGE_COVERAGE = 0.5
SCAN_MAX_TEXT_LAYER_CHARS = 200

# Orientation detection needs text: on short pages psm 1 may read a turned page upside down.
# A low-confidence short page is therefore read again turned by 180°, 90° and 270° (cheap,
# since short pages are fast); the most confident reading wins.
RETRY_BELOW_CONFIDENCE = 75.0
RETRY_MAX_WORDS = 100
_RETRY_TURNS = (180, 90, 270)  # clockwise; upside-down scans are the most common
_CW_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,  # Pillow turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}

# PDFium is not thread-safe, not even across documents.
_PDFIUM_LOCK = threading.Lock()

_PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}
_PIL_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


@dataclass
class PageText:
    n: int  # 1-based page number
    text: str  # NFC text
    confidence: float | None  # mean word confidence 0-100 for OCR pages, None for text-layer pages
    source: str  # "text_layer" or "ocr"
    rotation: int = 0  # clockwise degrees the page was turned to read it, when known


@dataclass(frozen=True)
class Limits:
    max_pages: int = 500
    max_pixels: int = 100_000_000  # per page, checked BEFORE decoding pixels
    page_timeout_s: float = 120
    dpi: int = 300


DEFAULT_LIMITS = Limits()


def extract_pages(
    data: bytes, media_type: str, *, workers: int, limits: Limits = DEFAULT_LIMITS
) -> list[PageText]:
    """Text of each page, in order. Raises PermanentError for input that cannot be read, and
    TransientError when the OCR engine itself fails."""
    if not data:
        raise PermanentError(
            "Tệp rỗng, không có nội dung / The file is empty", ErrorCode.EMPTY_FILE
        )
    if media_type == "application/pdf":
        return _extract_pdf(data, workers, limits)
    if media_type in _PIL_FORMATS:
        return _extract_image(data, _PIL_FORMATS[media_type], workers, limits)
    raise PermanentError(
        f"Không hỗ trợ định dạng {media_type} / Unsupported file type {media_type}",
        ErrorCode.UNSUPPORTED_TYPE,
    )


# --- limits and messages -----------------------------------------------------------------------


def _millions(n: int, decimal_mark: str) -> str:
    return f"{n / 1_000_000:g}".replace(".", decimal_mark)


def _check_page_count(count: int, limits: Limits) -> None:
    if count > limits.max_pages:
        raise PermanentError(
            f"Tài liệu có {count} trang, vượt giới hạn {limits.max_pages} trang"
            f" / The document has {count} pages, more than the limit of {limits.max_pages}",
            ErrorCode.TOO_MANY_PAGES,
        )


def _check_pixels(size: tuple[int, int], limits: Limits, what_vi: str, what_en: str) -> None:
    width, height = size
    if width * height > limits.max_pixels:
        vi_limit = _millions(limits.max_pixels, ",") + " triệu"
        en_limit = _millions(limits.max_pixels, ".") + " million"
        raise PermanentError(
            f"{what_vi} quá lớn: {width}×{height} điểm ảnh, vượt giới hạn {vi_limit}"
            f" / {what_en} too large: {width}×{height} pixels, over the limit of {en_limit}",
            ErrorCode.IMAGE_TOO_LARGE,
        )


def _clean(text: str) -> str:
    """NFC, Unix line ends, no control characters, no trailing spaces or blank end lines."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL_CHARS.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


# --- PDF -----------------------------------------------------------------------------------------


def _broken_pdf(page: int | None = None) -> PermanentError:
    if page is None:
        # PDFium cannot tell a damaged file from an empty page tree (it sets no error for it).
        message = "Tệp PDF bị hỏng hoặc không có trang nào / The PDF is damaged or has no pages"
    else:
        message = (
            f"Tệp PDF bị hỏng, không đọc được trang {page}"
            f" / The PDF is damaged: page {page} cannot be read"
        )
    return PermanentError(message, ErrorCode.BROKEN_FILE)


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open under _PDFIUM_LOCK. PDFium's last error is global and is not reset by a load that
    fails without setting one, so a stale "password" code could be read after another document:
    prime it with a known "format" error first."""
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
        raise _broken_pdf() from exc


def _load_page(pdf: pdfium.PdfDocument, index: int) -> pdfium.PdfPage:
    try:
        return pdf[index]
    except pdfium.PdfiumError as exc:
        raise _broken_pdf(index + 1) from exc


def _image_coverage(page: pdfium.PdfPage) -> float:
    """Share of the page area covered by its largest image."""
    left, bottom, right, top = page.get_bbox()
    page_area = max((right - left) * (top - bottom), 1.0)
    largest = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        x0, y0, x1, y1 = obj.get_bounds()
        largest = max(largest, (x1 - x0) * (y1 - y0))
    return min(largest / page_area, 1.0)


def _is_text_page(page: pdfium.PdfPage, text: str) -> bool:
    chars = sum(not c.isspace() for c in text)
    if chars < MIN_TEXT_LAYER_CHARS:
        return False
    return chars >= SCAN_MAX_TEXT_LAYER_CHARS or _image_coverage(page) < SCAN_IMAGE_COVERAGE


def _render_size(page: pdfium.PdfPage, dpi: int) -> tuple[int, int]:
    # The same arithmetic as PdfPage.render, so the check matches what would be allocated.
    width, height = page.get_size()
    return math.ceil(width * dpi / 72), math.ceil(height * dpi / 72)


def _survey_page(pdf: pdfium.PdfDocument, index: int, limits: Limits) -> PageText | None:
    """The page's text-layer text, or None when it must be OCR'd (after its size is checked)."""
    page = _load_page(pdf, index)
    try:
        textpage = page.get_textpage()
        text = textpage.get_text_bounded()
        textpage.close()
        if _is_text_page(page, text):
            return PageText(index + 1, _clean(text), None, "text_layer")
        size = _render_size(page, limits.dpi)
        _check_pixels(
            size,
            limits,
            f"Trang {index + 1} (ở {limits.dpi} dpi)",
            f"Page {index + 1} (at {limits.dpi} dpi)",
        )
        return None
    except pdfium.PdfiumError as exc:
        raise _broken_pdf(index + 1) from exc
    finally:
        page.close()


def _render(pdf: pdfium.PdfDocument, index: int, dpi: int) -> Image.Image:
    with _PDFIUM_LOCK:
        page = _load_page(pdf, index)
        try:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            # The PIL image shares PDFium's buffer, which dies with the bitmap: copy it.
            image = bitmap.to_pil().copy()
            bitmap.close()
            return image
        except pdfium.PdfiumError as exc:
            raise _broken_pdf(index + 1) from exc
        finally:
            page.close()


def _extract_pdf(data: bytes, workers: int, limits: Limits) -> list[PageText]:
    with _PDFIUM_LOCK:
        pdf = _open_pdf(data)
    try:
        with _PDFIUM_LOCK:
            count = len(pdf)
            if count == 0:
                raise PermanentError(
                    "PDF không có trang nào / The PDF has no pages", ErrorCode.BROKEN_FILE
                )
            _check_page_count(count, limits)
            pages = [_survey_page(pdf, i, limits) for i in range(count)]
        scans = [i for i, page in enumerate(pages) if page is None]
        tasks = [_pdf_ocr_task(pdf, i, limits) for i in scans]
        for i, page in zip(scans, _run_parallel(tasks, workers), strict=True):
            pages[i] = page
    finally:
        with _PDFIUM_LOCK:
            pdf.close()
    return [page for page in pages if page is not None]


def _pdf_ocr_task(pdf: pdfium.PdfDocument, index: int, limits: Limits) -> Callable[[], PageText]:
    return lambda: _ocr_page(index + 1, _render(pdf, index, limits.dpi), limits.dpi, limits)


# --- images --------------------------------------------------------------------------------------


@contextmanager
def _reading_image() -> Iterator[None]:
    """Pillow reports corrupt input with many exception types: one clear error for them all."""
    try:
        yield
    except Image.DecompressionBombError as exc:
        raise PermanentError(
            f"Ảnh quá lớn / Image too large: {exc}", ErrorCode.IMAGE_TOO_LARGE
        ) from exc
    except _PIL_ERRORS as exc:
        raise PermanentError(
            "Tệp ảnh bị hỏng hoặc không đọc được / The image is damaged or unreadable",
            ErrorCode.BROKEN_FILE,
        ) from exc


def _image_dpi(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        return None
    # Scanners write 0, 1 or 72 when they do not know; tesseract then estimates it better.
    return value if 100 <= value <= 1200 else None


def _extract_image(data: bytes, fmt: str, workers: int, limits: Limits) -> list[PageText]:
    with _reading_image():
        image = Image.open(io.BytesIO(data), formats=[fmt])
    try:
        with _reading_image():
            count = getattr(image, "n_frames", 1)
            _check_page_count(count, limits)
            for i in range(count):
                image.seek(i)  # reads the frame header only
                what = ("Ảnh", "Image") if count == 1 else (f"Ảnh trang {i + 1}", f"Page {i + 1}")
                _check_pixels(image.size, limits, *what)
        lock = threading.Lock()  # one decoder, shared by the frames

        def load(i: int) -> Image.Image:
            with lock, _reading_image():
                image.seek(i)
                return ImageOps.exif_transpose(image)  # decodes this frame only

        tasks = [_image_ocr_task(load, i, limits) for i in range(count)]
        return _run_parallel(tasks, workers)
    finally:
        image.close()


def _image_ocr_task(
    load: Callable[[int], Image.Image], index: int, limits: Limits
) -> Callable[[], PageText]:
    def task() -> PageText:
        frame = load(index)
        return _ocr_page(index + 1, frame, _image_dpi(frame), limits)

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


def _grayscale(image: Image.Image) -> Image.Image:
    """8-bit gray (or bilevel) on white: what tesseract reads, and a small file to hand it."""
    if image.mode in ("1", "L"):
        return image
    if image.mode == "I" or image.mode.startswith("I;16"):
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if "A" in image.getbands() or "transparency" in image.info:
        white = Image.new("RGBA", image.size, "white")
        return Image.alpha_composite(white, image.convert("RGBA")).convert("L")
    return image.convert("L")


class _Timeout(Exception):
    pass


@dataclass
class _Reading:
    text: str
    confidence: float
    words: int
    rotation: int


def _tesseract_tsv(image: Image.Image, dpi: int | None, timeout: float, page: int) -> str:
    """One tesseract run: the page's words as TSV (text, boxes and confidences in one go).

    Not pytesseract: under eventlet its timeout raises a TimeoutExpired class it does not catch
    (from eventlet's pristine copy of subprocess), so the child is never killed. Files, not
    pipes, let `wait(timeout)` work the same with real and green subprocesses.
    """
    with tempfile.TemporaryDirectory(prefix="luutru-ocr-") as tmp:
        source, base = os.path.join(tmp, "page.bmp"), os.path.join(tmp, "out")
        image.save(source, "BMP")  # ten times faster to write than PNG, and this runs in-process
        cmd = [TESSERACT_CMD, source, base, "-l", OCR_LANG, "--psm", _PSM]
        cmd += ["--dpi", str(dpi)] if dpi else []
        with open(base + ".log", "wb") as log:
            try:
                proc = subprocess.Popen(
                    [*cmd, "tsv"], stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=_ENV
                )
            except OSError as exc:
                raise TransientError(
                    f"Không chạy được tesseract / cannot run tesseract: {exc}"
                ) from exc
            try:
                status = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise _Timeout from None
        if status != 0:
            with open(base + ".log", encoding="utf-8", errors="replace") as log:
                detail = " ".join(log.read().split())[-300:]
            raise TransientError(
                f"Lỗi bộ nhận dạng chữ ở trang {page} / OCR engine failed on page {page}:"
                f" exit {status} {detail}"
            )
        with open(base + ".tsv", encoding="utf-8", errors="replace") as tsv:
            return tsv.read()


def _parse_tsv(tsv: str) -> tuple[list[tuple[tuple[int, int], list[list[str]]]], list[float]]:
    """Word rows grouped into lines, each with its (block, paragraph) key; and word confidences."""
    lines: dict[tuple[int, int, int], list[list[str]]] = {}
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t", 11)
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        block, par, line = int(cols[2]), int(cols[3]), int(cols[4])
        lines.setdefault((block, par, line), []).append(cols)
        conf = float(cols[10])
        if conf >= 0:
            confidences.append(conf)
    return [((b, p), words) for (b, p, _), words in lines.items()], confidences


def _reading_direction(words: list[list[str]]) -> int | None:
    """Clockwise turn that makes this line read left to right, from its first and last word."""
    if len(words) < 2:
        return None

    def centre(cols: list[str]) -> tuple[float, float]:
        left, top, width, height = (int(v) for v in cols[6:10])
        return left + width / 2, top + height / 2

    (x0, y0), (x1, y1) = centre(words[0]), centre(words[-1])
    dx, dy = x1 - x0, y1 - y0
    if abs(dx) >= abs(dy):
        return 0 if dx > 0 else 180
    return 90 if dy < 0 else 270


def _read(image: Image.Image, dpi: int | None, timeout: float, page: int) -> _Reading:
    lines, confidences = _parse_tsv(_tesseract_tsv(image, dpi, timeout, page))
    out: list[str] = []
    votes: Counter[int] = Counter()
    previous = None
    for paragraph, words in lines:
        if previous is not None and paragraph != previous:
            out.append("")  # a blank line between paragraphs, as tesseract's text output has
        out.append(" ".join(cols[11].strip() for cols in words))
        previous = paragraph
        direction = _reading_direction(words)
        if direction is not None:
            votes[direction] += len(words)
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    rotation = votes.most_common(1)[0][0] if votes else 0
    return _Reading(_clean("\n".join(out)), round(confidence, 2), len(confidences), rotation)


def _ocr_page(n: int, image: Image.Image, dpi: int | None, limits: Limits) -> PageText:
    deadline = time.monotonic() + limits.page_timeout_s
    image = _grayscale(image)
    try:
        best = _read(image, dpi, limits.page_timeout_s, n)
    except _Timeout:
        seconds = f"{limits.page_timeout_s:g}"
        raise PermanentError(
            f"Nhận dạng chữ (OCR) trang {n} quá {seconds.replace('.', ',')} giây, đã dừng"
            f" / OCR of page {n} took longer than {seconds} s and was stopped",
            ErrorCode.OCR_TIMEOUT,
        ) from None
    if 0 < best.words < RETRY_MAX_WORDS:
        for turn in _RETRY_TURNS:
            remaining = deadline - time.monotonic()
            if best.confidence >= RETRY_BELOW_CONFIDENCE or remaining <= 0:
                break
            try:
                reading = _read(image.transpose(_CW_TRANSPOSE[turn]), dpi, remaining, n)
            except _Timeout:
                break  # the first reading stands
            reading.rotation = (reading.rotation + turn) % 360
            if reading.confidence > best.confidence:
                best = reading
    return PageText(n, best.text, best.confidence, "ocr", best.rotation)
