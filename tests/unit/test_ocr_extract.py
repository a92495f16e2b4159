"""extract_pages against the real tesseract and PDFium: reading quality, orientation, text-layer
routing, parallelism, and every refusal with its error code and clerk-readable message."""

import contextlib
import io
import os
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from services.common.errors import ErrorCode, PermanentError
from services.ocr import tesseract
from services.ocr.extract import Limits, PageText, extract_pages
from tests.fixtures.documents import (
    SAMPLE_PARTY_PAGE,
    SAMPLE_STATE_PAGE,
    born_digital_pdf,
    cer,
    mixed_pdf,
    png_header_only,
    render_page,
    render_tiff,
    signed_scan_pdf,
    tiny_pdf,
)

pytestmark = pytest.mark.contract

PARTY_TEXT = "\n".join(SAMPLE_PARTY_PAGE)
STATE_TEXT = "\n".join(SAMPLE_STATE_PAGE)
MAX_CER = 0.02
FAST = Limits(dpi=200)


# --- helpers -------------------------------------------------------------------------------------


class TesseractCalls:
    """Wraps extract's one tesseract entry point; records each run's time span."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def max_concurrent(self) -> int:
        edges = sorted([(s, 1) for s, _ in self.spans] + [(e, -1) for _, e in self.spans])
        running = peak = 0
        for _, step in edges:
            running += step
            peak = max(peak, running)
        return peak


@pytest.fixture
def tesseract_calls(monkeypatch: pytest.MonkeyPatch) -> TesseractCalls:
    calls = TesseractCalls()
    real = tesseract.run_tesseract

    def counting(*args, **kwargs):
        start = time.monotonic()
        try:
            return real(*args, **kwargs)
        finally:
            with calls._lock:
                calls.spans.append((start, time.monotonic()))

    monkeypatch.setattr(tesseract, "run_tesseract", counting)
    return calls


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("tesseract must not run")

    monkeypatch.setattr(tesseract, "run_tesseract", forbidden)


def assert_clean(page: PageText) -> None:
    assert page.text == unicodedata.normalize("NFC", page.text)
    assert all(line == line.rstrip() for line in page.text.split("\n"))


def refusal(data: bytes, media_type: str, code: ErrorCode, limits: Limits = FAST) -> str:
    """Assert extract_pages refuses with `code` and a Vietnamese-first message; return it."""
    with pytest.raises(PermanentError) as caught:
        extract_pages(data, media_type, workers=2, limits=limits)
    assert caught.value.code == code
    vietnamese, sep, english = caught.value.message.partition(" / ")
    assert sep and english
    assert any(unicodedata.decomposition(c) or c in "đĐ" for c in vietnamese), vietnamese
    return caught.value.message


# --- reading -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def upright_page() -> PageText:
    [page] = extract_pages(render_page(SAMPLE_PARTY_PAGE), "image/png", workers=1)
    return page


def test_rendered_page_reads_within_2_percent_cer(upright_page: PageText) -> None:
    assert upright_page.n == 1
    assert upright_page.source == "ocr"
    assert upright_page.rotation == 0
    assert cer(PARTY_TEXT, upright_page.text) <= MAX_CER, upright_page.text
    assert_clean(upright_page)


def test_ocr_confidence_is_a_percentage(upright_page: PageText) -> None:
    assert isinstance(upright_page.confidence, float)
    assert 80 <= upright_page.confidence <= 100


@pytest.mark.parametrize("rotate", [180, 90])
def test_turned_page_reads_right_and_reports_its_rotation(rotate: int) -> None:
    data = render_page(SAMPLE_PARTY_PAGE, rotate=rotate)
    [page] = extract_pages(data, "image/png", workers=1)
    assert cer(PARTY_TEXT, page.text) <= MAX_CER, page.text
    assert page.rotation == rotate


def test_short_turned_page_reads_right() -> None:
    # Two lines are too little for tesseract's orientation detection alone.
    lines = SAMPLE_STATE_PAGE[2:4]
    [page] = extract_pages(render_page(lines, dpi=200, rotate=90), "image/png", workers=1)
    assert cer("\n".join(lines), page.text) <= MAX_CER, page.text
    assert page.rotation == 90


def test_jpeg_exif_orientation_is_honoured() -> None:
    # Pixels stored turned 90° counter-clockwise; EXIF 6 tells viewers to turn them back.
    turned = Image.open(io.BytesIO(render_page(SAMPLE_STATE_PAGE, dpi=200, rotate=90)))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    turned.save(out, "JPEG", quality=90, exif=exif.tobytes())
    [page] = extract_pages(out.getvalue(), "image/jpeg", workers=1)
    assert cer(STATE_TEXT, page.text) <= MAX_CER, page.text
    assert page.rotation == 0  # upright once EXIF is applied: OCR had nothing left to turn


def test_multipage_tiff_gives_one_page_per_frame() -> None:
    pages_lines = [SAMPLE_PARTY_PAGE[:4], SAMPLE_STATE_PAGE[:4], ["Trang ba: hồ sơ điện tử"]]
    pages = extract_pages(render_tiff(pages_lines, dpi=200), "image/tiff", workers=2)
    assert [p.n for p in pages] == [1, 2, 3]
    for page, lines in zip(pages, pages_lines, strict=True):
        assert page.source == "ocr"
        assert cer("\n".join(lines), page.text) <= MAX_CER, page.text


# --- PDF routing ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_tesseract")
def test_born_digital_pdf_never_calls_tesseract() -> None:
    data = born_digital_pdf([SAMPLE_PARTY_PAGE, SAMPLE_STATE_PAGE])
    pages = extract_pages(data, "application/pdf", workers=2)
    assert [(p.n, p.source, p.confidence) for p in pages] == [
        (1, "text_layer", None),
        (2, "text_layer", None),
    ]
    assert [p.text for p in pages] == [PARTY_TEXT, STATE_TEXT]


def test_mixed_pdf_ocrs_only_its_scanned_page(tesseract_calls: TesseractCalls) -> None:
    data = mixed_pdf(SAMPLE_STATE_PAGE, render_page(SAMPLE_PARTY_PAGE, dpi=200))
    text_page, scan_page = extract_pages(data, "application/pdf", workers=2, limits=FAST)
    assert len(tesseract_calls.spans) == 1
    assert (text_page.source, text_page.text) == ("text_layer", STATE_TEXT)
    assert (scan_page.n, scan_page.source) == (2, "ocr")
    assert cer(PARTY_TEXT, scan_page.text) <= MAX_CER, scan_page.text


def test_scan_with_only_a_signature_stamp_in_its_text_layer_is_ocrd() -> None:
    data = signed_scan_pdf(render_page(SAMPLE_PARTY_PAGE, dpi=200))
    [page] = extract_pages(data, "application/pdf", workers=1, limits=FAST)
    assert page.source == "ocr"
    assert "NGHỊ QUYẾT" in page.text


# --- parallelism ---------------------------------------------------------------------------------


def test_pages_are_ocrd_by_at_most_workers_concurrent_processes(
    tesseract_calls: TesseractCalls,
) -> None:
    frames = [[f"Trang {i}: văn bản lưu trữ số {i}", *SAMPLE_STATE_PAGE[:3]] for i in range(1, 5)]
    pages = extract_pages(render_tiff(frames, dpi=200), "image/tiff", workers=2)
    assert [p.n for p in pages] == [1, 2, 3, 4]
    assert all(p.text.startswith(f"Trang {p.n}:") for p in pages)
    assert len(tesseract_calls.spans) == 4
    assert tesseract_calls.max_concurrent() == 2


# --- refusals ------------------------------------------------------------------------------------


def test_empty_file_is_refused() -> None:
    refusal(b"", "application/pdf", ErrorCode.EMPTY_FILE)


def test_unsupported_type_is_refused() -> None:
    refusal(b"GIF89a", "image/gif", ErrorCode.UNSUPPORTED_TYPE)


@pytest.mark.usefixtures("no_tesseract")
def test_encrypted_pdf_is_refused() -> None:
    data = born_digital_pdf([SAMPLE_PARTY_PAGE], password="mat-khau")
    refusal(data, "application/pdf", ErrorCode.ENCRYPTED)


@pytest.mark.usefixtures("no_tesseract")
def test_truncated_pdf_is_refused() -> None:
    data = born_digital_pdf([SAMPLE_PARTY_PAGE, SAMPLE_STATE_PAGE])
    refusal(data[: len(data) // 2], "application/pdf", ErrorCode.BROKEN_FILE)


EMPTY_PAGE_TREE = tiny_pdf(
    "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"
)


@pytest.mark.usefixtures("no_tesseract")
def test_pdf_without_pages_is_refused() -> None:
    message = refusal(EMPTY_PAGE_TREE, "application/pdf", ErrorCode.BROKEN_FILE)
    assert "không có trang nào" in message


@pytest.mark.usefixtures("no_tesseract")
def test_pdf_errors_do_not_leak_from_one_document_to_the_next() -> None:
    # PDFium keeps its last error globally; an empty page tree sets none.
    encrypted = born_digital_pdf([SAMPLE_PARTY_PAGE], password="mat-khau")
    refusal(encrypted, "application/pdf", ErrorCode.ENCRYPTED)
    refusal(EMPTY_PAGE_TREE, "application/pdf", ErrorCode.BROKEN_FILE)


@pytest.mark.usefixtures("no_tesseract")
def test_pdf_with_a_missing_page_is_refused() -> None:
    data = tiny_pdf("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 2 >>")
    message = refusal(data, "application/pdf", ErrorCode.BROKEN_FILE)
    assert "trang 1" in message


@pytest.mark.usefixtures("no_tesseract")
def test_pdf_with_more_pages_than_the_limit_is_refused_before_any_work() -> None:
    data = born_digital_pdf([["Trang một"], ["Trang hai"], ["Trang ba"]])
    message = refusal(data, "application/pdf", ErrorCode.TOO_MANY_PAGES, Limits(max_pages=2))
    assert "3 trang" in message


@pytest.mark.usefixtures("no_tesseract")
def test_huge_pdf_page_is_refused_before_rasterising() -> None:
    data = tiny_pdf(
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] >>",
    )
    message = refusal(data, "application/pdf", ErrorCode.IMAGE_TOO_LARGE, Limits(dpi=300))
    assert "Trang 1" in message and "60000×60000" in message


@pytest.mark.usefixtures("no_tesseract")
def test_huge_png_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(self):
        raise AssertionError("pixels must not be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    message = refusal(png_header_only(35000, 35000), "image/png", ErrorCode.IMAGE_TOO_LARGE)
    assert "35000×35000" in message


@pytest.mark.usefixtures("no_tesseract")
@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg"),
        (render_page(["Hồ sơ"], dpi=100)[:300], "image/png"),
        (b"II*\x00garbage", "image/tiff"),
    ],
    ids=["garbage-jpeg", "truncated-png", "garbage-tiff"],
)
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_corrupt_image_is_refused(data: bytes, media_type: str) -> None:
    refusal(data, media_type, ErrorCode.BROKEN_FILE)


def test_page_over_the_time_limit_is_refused() -> None:
    data = render_page(SAMPLE_PARTY_PAGE, dpi=200)
    message = refusal(data, "image/png", ErrorCode.OCR_TIMEOUT, Limits(page_timeout_s=0.01))
    assert "trang 1" in message
    assert not running_tesseracts(), "the timed-out tesseract must be killed"


def running_tesseracts() -> list[str]:
    """Our own tesseract children still alive (other test runs may share the machine)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            stat = (cmdline.parent / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == os.getpid() and b"luutru-ocr-" in cmdline.read_bytes():
                found.append(cmdline.parent.name)
    return found
