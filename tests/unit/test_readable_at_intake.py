"""Intake refuses a file the ocr stage could never read, with the reason the ocr stage gives
(services/ocr/readable.py: one place for the rules), from headers only: nothing is rendered or
decoded. Readable files, an owner-password PDF and a PDF whose xref PDFium repairs pass."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from nameko.testing.services import worker_factory
from PIL import Image, ImageFile

from services.common.catalog import SqlCatalog
from services.common.config import Settings
from services.common.errors import ErrorCode, PermanentError
from services.common.objects import FilesystemObjectStore
from services.ingest import intake
from services.ingest.intake import IngestResult, ingest_file
from services.ingest.service import IngestService
from services.ocr import readable, tesseract
from services.ocr.extract import extract_pages
from services.ocr.readable import Limits, check_readable
from tests.fixtures import hostile
from tests.fixtures.documents import (
    SAMPLE_STATE_PAGE,
    born_digital_pdf,
    font_path,
    png_header_only,
    render_page,
    render_tiff,
    scanned_pdf,
    tiny_pdf,
)

LINES = ["NGHỊ QUYẾT", "về công tác văn thư, lưu trữ", "Ban Thường vụ quyết nghị như sau"]
PDF, PNG = "application/pdf", "image/png"

# (id, file, its type, the code, what the clerk must read)
REFUSED = [
    ("truncated-pdf", hostile.truncated_pdf(LINES), PDF, ErrorCode.BROKEN_FILE,
     "Tệp PDF bị hỏng"),
    ("user-password", born_digital_pdf([LINES], password="bi-mat"), PDF, ErrorCode.ENCRYPTED,
     "PDF được bảo vệ bằng mật khẩu"),
    ("10000-pages", hostile.pdf_with_pages(10_000), PDF, ErrorCode.TOO_MANY_PAGES,
     "Tài liệu có 10000 trang, vượt giới hạn 500 trang"),
    ("200-inch-page", hostile.pdf_huge_page(200), PDF, ErrorCode.IMAGE_TOO_LARGE,
     "Trang 1 (ở 300 dpi) quá lớn: 60000×60000 điểm ảnh, vượt giới hạn 100 triệu"),
    ("no-pages", hostile.pdf_without_pages(), PDF, ErrorCode.BROKEN_FILE, "không có trang nào"),
    ("missing-page", tiny_pdf("<< /Type /Catalog /Pages 2 0 R >>",
                              "<< /Type /Pages /Kids [] /Count 2 >>"), PDF,
     ErrorCode.BROKEN_FILE, "Tệp PDF bị hỏng, không đọc được trang 1"),
    ("35000-png", png_header_only(35_000, 35_000), PNG, ErrorCode.IMAGE_TOO_LARGE,
     "Ảnh quá lớn: 35000×35000 điểm ảnh, vượt giới hạn 100 triệu"),
    ("garbage-jpeg", b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg",
     ErrorCode.BROKEN_FILE, "Tệp ảnh bị hỏng hoặc không đọc được"),
    ("garbage-tiff", b"II*\x00garbage", "image/tiff", ErrorCode.BROKEN_FILE,
     "Tệp ảnh bị hỏng hoặc không đọc được"),
]  # fmt: skip
REFUSED_IDS = [case[0] for case in REFUSED]


def huge_text_page_pdf() -> bytes:
    """One 1.5 m page with a real text layer: too large to render, but read without it."""
    pdf = FPDF(unit="mm", format=(1500, 1500))
    pdf.add_font("Serif", fname=font_path())
    pdf.set_font("Serif", size=40)
    pdf.add_page()
    for line in SAMPLE_STATE_PAGE * 3:
        pdf.cell(0, 20, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def encoded(fmt: str, size: tuple[int, int] = (2480, 3508)) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 255).save(out, fmt)
    return out.getvalue()


# (id, file, its type) of files intake must take
READABLE = [
    ("born-digital-10-pages", born_digital_pdf([SAMPLE_STATE_PAGE] * 10), PDF),
    ("scanned-pdf", scanned_pdf([render_page(LINES, dpi=150)] * 2, dpi=150), PDF),
    ("owner-password-only", born_digital_pdf([[*LINES, "chỉ hạn chế in"]], password=""), PDF),
    ("broken-xref", hostile.pdf_with_broken_xref(LINES), PDF),
    ("huge-page-with-text-layer", huge_text_page_pdf(), PDF),
    ("a4-png", encoded("PNG"), PNG),
    ("a4-jpeg", encoded("JPEG"), "image/jpeg"),
    ("tiff-3-pages", render_tiff([LINES] * 3), "image/tiff"),
    # Its pixels are cut short, which only decoding finds: the ocr stage fails it.
    ("truncated-png-body", hostile.truncated_png(LINES), PNG),
    ("plain-text", "Biên bản họp".encode(), "text/plain"),
]
READABLE_IDS = [case[0] for case in READABLE]


def forbidden(*args, **kwargs):
    raise AssertionError("nothing may be decoded, rendered or OCR'd here")


@pytest.fixture
def nothing_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile.ImageFile, "load", forbidden)
    monkeypatch.setattr(pdfium.PdfPage, "render", forbidden)


@pytest.fixture
def world(tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    yield catalog, FilesystemObjectStore(tmp_path / "objects")
    catalog.engine.dispose()


def intake_of(world, data: bytes, name: str, **given) -> IngestResult:
    catalog, store = world
    return ingest_file(
        catalog, store, data=data, file_name=name, register="den", source="api",
        max_bytes=2**26, **given,
    )  # fmt: skip


@pytest.mark.usefixtures("nothing_decoded")
@pytest.mark.parametrize(("case", "data", "media_type", "code", "reason"), REFUSED, ids=REFUSED_IDS)
def test_a_damaged_or_dangerous_file_is_refused_with_the_reason(
    case, data, media_type, code, reason
):
    with pytest.raises(PermanentError) as refused:
        check_readable(data, media_type)
    assert refused.value.code == code
    assert reason in refused.value.message and " / " in refused.value.message


@pytest.mark.parametrize(("case", "data", "media_type", "code", "reason"), REFUSED, ids=REFUSED_IDS)
def test_intake_gives_the_reason_the_ocr_stage_gives(monkeypatch, case, data, media_type, code,
                                                     reason):  # fmt: skip
    monkeypatch.setattr(tesseract, "run_tesseract", forbidden)  # refused before any OCR
    with pytest.raises(PermanentError) as at_intake:
        check_readable(data, media_type)
    with pytest.raises(PermanentError) as in_ocr:
        extract_pages(data, media_type, workers=1)
    assert (at_intake.value.code, at_intake.value.message) == (in_ocr.value.code,
                                                              in_ocr.value.message)  # fmt: skip


@pytest.mark.usefixtures("nothing_decoded")
@pytest.mark.parametrize(("case", "data", "media_type"), READABLE, ids=READABLE_IDS)
def test_a_readable_file_passes(case, data, media_type):
    check_readable(data, media_type)


@pytest.mark.parametrize(("case", "data", "media_type", "code", "reason"), REFUSED, ids=REFUSED_IDS)
def test_intake_registers_the_refusal_and_stores_nothing(world, case, data, media_type, code,
                                                         reason):  # fmt: skip
    result = intake_of(world, data, f"{case}.bin")
    assert result.record["status"] == "rejected" and result.event is None
    assert reason in result.record["error"]
    assert result.record["number"] is None  # refused: no register number taken
    assert world[1].list("originals/") == []


@pytest.mark.parametrize(
    ("case", "data", "media_type"), [c for c in READABLE if c[0] != "plain-text"],
    ids=[i for i in READABLE_IDS if i != "plain-text"],
)  # fmt: skip
def test_intake_takes_a_readable_file(world, case, data, media_type):
    result = intake_of(world, data, f"{case}.bin")
    assert result.record["status"] == "received", result.record["error"]
    assert result.record["media_type"] == media_type and result.event is not None


def test_the_limits_are_the_callers(world):
    three_pages = born_digital_pdf([["Trang một"], ["Trang hai"], ["Trang ba"]])
    refused = intake_of(world, three_pages, "ba-trang.pdf", limits=Limits(max_pages=2))
    assert "Tài liệu có 3 trang, vượt giới hạn 2 trang" in refused.record["error"]
    big = encoded("PNG", (2000, 2000))
    refused = intake_of(world, big, "anh.png", limits=Limits(max_pixels=1_000_000))
    assert "Ảnh quá lớn: 2000×2000 điểm ảnh, vượt giới hạn 1 triệu" in refused.record["error"]
    a_page = render_page(LINES, dpi=100)
    assert intake_of(world, a_page, "trang.png").record["status"] == "received"


def test_the_ingest_service_passes_its_page_and_pixel_limits(monkeypatch):
    given: dict = {}

    def ingest_file(*args, **kwargs):
        given.update(kwargs)
        return IngestResult({"status": "rejected"})

    monkeypatch.setattr(intake, "ingest_file", ingest_file)
    service = worker_factory(IngestService, settings=Settings(max_pages=7, max_pixels=1234))
    service._ingest(b"%PDF", "a.pdf", "den", "api")
    assert given["limits"] == Limits(max_pages=7, max_pixels=1234)


@pytest.mark.parametrize(("data", "media_type", "reason"), [
    (encoded("PNG"), PNG, "Tệp ảnh bị hỏng"),
    (born_digital_pdf([LINES]), PDF, "Tệp PDF bị hỏng"),
], ids=["image", "pdf"])  # fmt: skip
def test_a_structure_the_readers_did_not_expect_is_refused_as_damaged(
    monkeypatch, data, media_type, reason
):
    """Never an exception out of intake: the hot folder would retry such a file for ever."""

    def surprised(*args, **kwargs):
        raise ZeroDivisionError("a header field of 0")

    monkeypatch.setattr(readable, "check_frames", surprised)
    monkeypatch.setattr(readable, "check_page_total", surprised)
    with pytest.raises(PermanentError) as refused:
        check_readable(data, media_type)
    assert refused.value.code == ErrorCode.BROKEN_FILE and reason in refused.value.message
