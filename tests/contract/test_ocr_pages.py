"""Every page kind the archive receives, read by the real tesseract: reading quality (CER ≤ 2 %
after NFC and whitespace folding), orientation and skew, the corrected page image with its hOCR,
the PDF/A access copy, legacy and garbage text layers, and the limits that protect the machine
(memory per tesseract, concurrent tesseracts per process)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from services.common.config import REPO_ROOT
from services.common.errors import ErrorCode, PermanentError
from services.ocr import pageocr, tesseract
from services.ocr.access import AccessPage, build_access_pdf
from services.ocr.extract import Limits, PageText, extract_pages
from services.ocr.pageimage import hocr_image_size, render_page_image
from services.ocr.pageocr import PageArtifacts
from tests.fixtures.documents import (
    PAGE_KINDS,
    SAMPLE_PARTY_PAGE,
    SAMPLE_STATE_PAGE,
    cer,
    garbage_layer_scan_pdf,
    legacy_font_pdf,
    mixed_pdf,
    page_of_kind,
    render_page,
    render_tiff,
    scan_page,
    scanned_pdf,
)

MAX_CER = 0.02
PARTY_TEXT = "\n".join(SAMPLE_PARTY_PAGE)


class Sink:
    def __init__(self) -> None:
        self.pages: dict[int, PageArtifacts] = {}

    def __call__(self, page: PageArtifacts) -> None:
        self.pages[page.n] = page


def shown(page: PageArtifacts) -> Image.Image:
    """The page image the portal shows: drawn from the page's access copy."""
    pdf = build_access_pdf([AccessPage(page.pdf, page.pdf_rotation, image=page.scan)], "t", None)
    png = render_page_image(pdf, 0, hocr_image_size(page.hocr))
    return Image.open(io.BytesIO(png))


@pytest.fixture(scope="module")
def read_kinds() -> dict[str, tuple[PageText, PageArtifacts]]:
    """Every kind OCR'd once, two at a time (the machine's cores)."""

    def read(kind: str) -> tuple[PageText, PageArtifacts]:
        data, media_type = page_of_kind(kind, SAMPLE_PARTY_PAGE)
        sink = Sink()
        [page] = extract_pages(data, media_type, workers=1, sink=sink)
        return page, sink.pages[1]

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(PAGE_KINDS, pool.map(read, PAGE_KINDS), strict=True))


@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_each_page_kind_reads_within_2_percent_cer(read_kinds, kind: str) -> None:
    page, _ = read_kinds[kind]
    assert page.source == "ocr"
    assert cer(PARTY_TEXT, page.text) <= MAX_CER, page.text


@pytest.mark.parametrize(("kind", "rotation"), [("turned-90", 90), ("turned-180", 180)])
def test_turned_pages_are_stored_upright(read_kinds, kind: str, rotation: int) -> None:
    page, artifacts = read_kinds[kind]
    assert page.rotation == rotation
    image = shown(artifacts)
    assert image.height > image.width  # portrait A4 again
    # The stored image is upright: read as is (no orientation help), it gives the text.
    again = tesseract.run_tesseract(image, 300, timeout=60, page=1, workers=1)
    words = [row.split("\t")[-1] for row in again.tsv.splitlines() if row.startswith("5\t")]
    assert "NGHỊ" in words and "QUYẾT" in words


@pytest.mark.parametrize(("kind", "angle"), [("skew-3", -3.0), ("skew-minus-2", 2.0)])
def test_skewed_pages_are_levelled_before_reading(read_kinds, kind: str, angle: float) -> None:
    page, _ = read_kinds[kind]
    assert page.skew == pytest.approx(angle, abs=0.25)


def test_hocr_boxes_lie_on_the_stored_image(read_kinds) -> None:
    _, artifacts = read_kinds["turned-90"]
    image = shown(artifacts)
    assert "ocrx_word" in artifacts.hocr and "NGHỊ" in artifacts.hocr
    title = artifacts.hocr.split("NGHỊ")[0].rsplit("title='bbox ", 1)[1]
    x0, y0, x1, y1 = map(int, title.split(";")[0].split())
    assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height
    assert x1 - x0 > y1 - y0  # a horizontal word on the upright page
    word = image.crop((x0, y0, x1, y1)).convert("L")
    assert word.getextrema()[0] < 100  # there is ink where the box says


def test_access_copy_is_pdfa_2b_with_the_text_invisible_on_upright_pages(read_kinds) -> None:
    pages = [read_kinds[k][1] for k in ("png-300", "turned-90")]
    pdf = build_access_pdf(
        [AccessPage(p.pdf, p.pdf_rotation, image=p.scan) for p in pages], "Thử", None
    )
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert doc.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert len(doc.Root.OutputIntents[0].DestOutputProfile.read_bytes()) > 100
        assert "/ID" in doc.trailer and not doc.is_encrypted
        assert [int(p.obj.get("/Rotate", 0)) for p in doc.pages] == [p.pdf_rotation for p in pages]
        for page in doc.pages:
            for font in page.Resources.Font.values():
                descendant = font.DescendantFonts[0]
                assert "/FontFile2" in descendant.FontDescriptor  # embedded, as PDF/A needs
    document = pdfium.PdfDocument(pdf)
    for i in range(2):
        text = document[i].get_textpage().get_text_bounded()
        assert cer(PARTY_TEXT, text) <= 0.05, text
        width, height = document[i].get_size()
        assert height > width  # shown upright


def test_access_copy_of_a_mixed_pdf_keeps_its_born_digital_page() -> None:
    original = mixed_pdf(SAMPLE_STATE_PAGE, render_page(SAMPLE_PARTY_PAGE, dpi=200))
    before = bytes(original)
    sink = Sink()
    pages = extract_pages(original, "application/pdf", workers=2, limits=Limits(dpi=200),
                          sink=sink)  # fmt: skip
    assert [p.source for p in pages] == ["text_layer", "ocr"] and list(sink.pages) == [2]
    access = [
        AccessPage(None, original_index=0),
        AccessPage(sink.pages[2].pdf, image=sink.pages[2].scan),
    ]
    pdf = build_access_pdf(access, "Hỗn hợp", original)
    assert original == before  # never modified
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 2
    assert "QUYẾT ĐỊNH" in document[0].get_textpage().get_text_bounded()
    assert "NGHỊ QUYẾT" in document[1].get_textpage().get_text_bounded()


@pytest.fixture
def tesseract_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The page segmentation mode of every real tesseract run, in order."""
    runs: list[str] = []
    real = tesseract.run_tesseract

    def counted(*args, **kwargs):
        runs.append(kwargs.get("psm", tesseract.PSM_ORIENT))
        return real(*args, **kwargs)

    monkeypatch.setattr(tesseract, "run_tesseract", counted)
    return runs


@pytest.mark.parametrize(("kind", "runs"), [("png-300", 1), ("turned-90", 1), ("speckle", 1)])
def test_common_pages_take_one_fast_reading(tesseract_runs, kind: str, runs: int) -> None:
    """Upright, turned (the guess turns it) and dusty (cleaned first) pages: one `--psm 3` run."""
    data, media_type = page_of_kind(kind, SAMPLE_PARTY_PAGE)
    [page] = extract_pages(data, media_type, workers=1)
    assert cer(PARTY_TEXT, page.text) <= MAX_CER
    assert tesseract_runs == [tesseract.PSM_FAST] * runs


def test_light_dust_is_cleaned_after_reading_shows_it(tesseract_runs) -> None:
    """Dust under the measured bound reads as junk tokens; the page is read again cleaned."""
    data = scan_page(SAMPLE_PARTY_PAGE, dpi=300, speckle=8)
    [page] = extract_pages(data, "image/png", workers=1)
    assert cer(PARTY_TEXT, page.text) <= MAX_CER
    assert len(tesseract_runs) in (1, 2)  # a second run only when the junk showed


def test_a_page_the_guess_cannot_place_is_read_turned_when_it_reads_badly(
    tesseract_runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read as it lies, an upside-down page is gibberish: the 180° turn is read and wins."""
    monkeypatch.setattr(pageocr, "upright_turn", lambda image: None)
    data, media_type = page_of_kind("turned-180", SAMPLE_PARTY_PAGE)
    [page] = extract_pages(data, media_type, workers=1)
    assert page.rotation == 180
    assert cer(PARTY_TEXT, page.text) <= MAX_CER
    assert tesseract_runs == [tesseract.PSM_FAST, tesseract.PSM_FAST]


@pytest.mark.parametrize(("dpi", "fmt", "native"), [(200, "JPEG", True), (300, "PNG", True),
                                                    (200, "TIFF", False)])  # fmt: skip
def test_a_scanned_pdf_page_is_read_from_its_own_image(dpi: int, fmt: str, native: bool) -> None:
    """A plain gray scan is taken at its own resolution; a bilevel (CCITT) one is drawn by
    PDFium at the configured 300 dpi. Both read right."""
    scan = scan_page(SAMPLE_PARTY_PAGE, dpi=dpi, fmt=fmt)
    sink = Sink()
    [page] = extract_pages(scanned_pdf([scan], dpi=dpi), "application/pdf", workers=1, sink=sink)
    assert cer(PARTY_TEXT, page.text) <= MAX_CER
    stored = shown(sink.pages[1]).size
    own = Image.open(io.BytesIO(scan)).size
    if native:
        assert stored == own
    else:  # drawn at 300 dpi: half as wide again as the 200 dpi scan
        assert stored[0] == pytest.approx(own[0] * 1.5, abs=2)


# --- text layers ---------------------------------------------------------------------------


@pytest.fixture
def no_tesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args, **kwargs):
        raise AssertionError("tesseract must not run")

    monkeypatch.setattr(tesseract, "run_tesseract", forbidden)


@pytest.mark.usefixtures("no_tesseract")
def test_a_tcvn3_text_layer_is_converted_without_ocr() -> None:
    data = legacy_font_pdf(
        ["§¶ng Céng s¶n ViÖt Nam", "TØnh ñy B×nh §Þnh", "NghÞ quyÕt vÒ c«ng t¸c v¨n th­, l­u tr÷"]
    )
    [page] = extract_pages(data, "application/pdf", workers=1)
    assert (page.source, page.encoding) == ("text_layer", "tcvn3")
    assert (
        page.text
        == "Đảng Cộng sản Việt Nam\nTỉnh ủy Bình Định\nNghị quyết về công tác văn thư, lưu trữ"
    )


@pytest.mark.usefixtures("no_tesseract")
def test_a_vni_text_layer_is_converted_without_ocr() -> None:
    data = legacy_font_pdf(["Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "UÛy ban nhaân daân tænh"])
    [page] = extract_pages(data, "application/pdf", workers=1)
    assert page.encoding == "vni"
    assert page.text == "Cộng hòa xã hội chủ nghĩa Việt Nam\nỦy ban nhân dân tỉnh"


def test_a_garbage_text_layer_is_ocrd_instead() -> None:
    data = garbage_layer_scan_pdf(render_page(SAMPLE_PARTY_PAGE, dpi=200))
    [page] = extract_pages(data, "application/pdf", workers=1, limits=Limits(dpi=200))
    assert page.source == "ocr" and page.ocr_reason.startswith("unusable text layer")
    assert cer(PARTY_TEXT, page.text) <= MAX_CER, page.text


@pytest.mark.usefixtures("no_tesseract")
def test_a_tcvn3_text_file_converts() -> None:
    [page] = extract_pages("Uû ban nh©n d©n tØnh".encode("cp1252"), "text/plain", workers=1)
    assert (page.text, page.encoding) == ("Uỷ ban nhân dân tỉnh", "tcvn3")


# --- limits ---------------------------------------------------------------------------------


def test_a_page_over_the_memory_limit_fails_with_a_clear_reason() -> None:
    data = render_page(SAMPLE_PARTY_PAGE, dpi=300)
    with pytest.raises(PermanentError) as caught:
        extract_pages(data, "image/png", workers=1, limits=Limits(memory_mb=100))
    assert caught.value.code == ErrorCode.IMAGE_TOO_LARGE
    assert "bộ nhớ" in caught.value.message and "100 MB" in caught.value.message


def test_the_memory_limit_applies_under_eventlet_green_subprocesses() -> None:
    """nameko runs monkey-patched: the limit must reach the child through green Popen too."""
    script = textwrap.dedent(
        """
        import eventlet
        eventlet.monkey_patch()
        import io
        from PIL import Image
        from services.ocr import pageocr, tesseract
        from tests.fixtures.documents import SAMPLE_PARTY_PAGE, render_page
        page = Image.open(io.BytesIO(render_page(SAMPLE_PARTY_PAGE, dpi=300)))
        try:
            tesseract.run_tesseract(page, 300, timeout=60, page=1, workers=1, memory_mb=100)
        except tesseract.OcrOutOfMemory:
            print("limited")
        out = tesseract.run_tesseract(page, 300, timeout=60, page=1, workers=1, memory_mb=2048)
        print("ok" if out.pdf.startswith(b"%PDF") else "no pdf")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.split() == ["limited", "ok"], result.stderr[-2000:]


def our_tesseracts() -> int:
    """Tesseract children of this test process alive right now."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if (
                int(fields[1]) == os.getpid()
                and b"luutru-ocr-" in (stat.parent / "cmdline").read_bytes()
            ):
                count += 1
    return count


def test_two_documents_at_once_never_run_more_tesseracts_than_workers() -> None:
    frames = [[f"Trang {i}", *SAMPLE_STATE_PAGE[:2]] for i in range(3)]
    document = render_tiff(frames, dpi=150)
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, our_tesseracts())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(
                pool.map(lambda _: extract_pages(document, "image/tiff", workers=2), "ab")
            )
    finally:
        done.set()
        sampler.join()
    assert [len(r) for r in results] == [3, 3]
    assert peak == 2  # four pages wanted to run at once; the process-wide bound held
