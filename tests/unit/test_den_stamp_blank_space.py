"""Where the ĐẾN stamp goes (services/registers/blank_space.py): into blank paper on page 1, as
a clerk stamps it — below the header's left block (organ, số/ký hiệu), else below the date line
on the right, else anywhere blank; a full page keeps the top left and says so.

Pages are generated: blocks of real text (Pillow, the Vietnamese serif) where a document has
its header, date line and body, scanned to a PDF. The stamp is checked against the drawn
blocks and against the unstamped page's pixels under it.
"""

from __future__ import annotations

import contextlib
import io
import json

import pikepdf
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from services.common.objects import FilesystemObjectStore
from services.ocr import artifacts as keys
from services.ocr.files import stamped_file
from services.registers import blank_space, stamp
from tests.fixtures.documents import font_path, scanned_pdf
from tests.unit.test_den_stamp import (
    FIELDS,
    _OneRecord,
    assert_at_top_left,
    assert_on_blank_paper,
    assert_true_size_at_its_spot,
)

pytestmark = pytest.mark.unit

DPI = 150
A4_MM = (210, 297)
WORDS = "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư "
# (left, top, right, bottom) in mm of the text a page carries
ORGAN_AND_NUMBER = (20, 15, 95, 45)  # the header's left block
DATE_LINE = (110, 15, 195, 40)  # Quốc hiệu, tiêu ngữ, the date line
BODY = (30, 95, 195, 270)
LONG_LEFT = (20, 15, 95, 100)  # a header whose trích yếu runs long on the left
BODY_BELOW_IT = (30, 105, 195, 270)
FULL = (10, 10, 200, 287)
LINE_MM = 5.0  # a line of 4 mm text, accents and descenders included


def _px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def page_png(blocks: list[tuple[float, float, float, float]]) -> bytes:
    """A scanned A4 page (PNG, DPI) with lines of text filling each block, its last line at
    the block's bottom (so the block is where the ink is)."""
    page = Image.new("L", (_px(A4_MM[0]), _px(A4_MM[1])), 255)
    font = ImageFont.truetype(font_path(), _px(4))  # 13 pt text: about 4 mm high
    for left, top, right, bottom in blocks:
        block = Image.new("L", (_px(right - left), _px(bottom - top)), 255)
        draw = ImageDraw.Draw(block)
        for n, y in enumerate(_line_tops(bottom - top)):
            text = (WORDS * 3)[n * 7 % len(WORDS) :]  # longer than the block: cut at its edge
            draw.text((0, _px(y)), text, font=font, fill=0)
        page.paste(block, (_px(left), _px(top)))
    out = io.BytesIO()
    page.save(out, "PNG", dpi=(DPI, DPI))
    return out.getvalue()


def _line_tops(height_mm: float) -> list[float]:
    """Where lines 5 mm high, about 6.5 mm apart, start so the last ends at `height_mm`."""
    room = height_mm - LINE_MM
    count = max(1, round(room / 6.5) + 1)
    return [room * n / max(count - 1, 1) for n in range(count)]


def page_of(blocks: list[tuple[float, float, float, float]]) -> bytes:
    """The same page as a scanner's PDF."""
    return scanned_pdf([page_png(blocks)], dpi=DPI)


def stamp_mm(spot: stamp.Spot) -> tuple[float, float, float, float]:
    left, top = spot.left / stamp.PT_PER_MM, spot.top / stamp.PT_PER_MM
    return left, top, left + stamp.WIDTH_MM, top + stamp.HEIGHT_MM


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_stamp_goes_below_the_headers_left_block_not_over_the_number():
    document = page_of([ORGAN_AND_NUMBER, DATE_LINE, BODY])
    stamped = stamp.stamp_onto(document, FIELDS)
    assert stamped.spot.blank
    left, top, right, bottom = stamp_mm(stamped.spot)
    assert not any(overlaps((left, top, right, bottom), b) for b in (ORGAN_AND_NUMBER, BODY))
    assert top >= ORGAN_AND_NUMBER[3] and right <= A4_MM[0] / 2  # under it, left column
    assert bottom <= A4_MM[1] / 2  # the top half
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(document, stamped.data)


def test_a_left_column_full_to_the_body_sends_the_stamp_below_the_date_line():
    document = page_of([LONG_LEFT, DATE_LINE, BODY_BELOW_IT])
    stamped = stamp.stamp_onto(document, FIELDS)
    left, top, _, bottom = stamp_mm(stamped.spot)
    assert left >= A4_MM[0] / 2 and top >= DATE_LINE[3] and bottom <= BODY_BELOW_IT[1]
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(document, stamped.data)


def test_a_top_half_without_room_sends_the_stamp_lower():
    body_to_middle = (30, 40, 195, 160)
    document = page_of([ORGAN_AND_NUMBER, body_to_middle])
    stamped = stamp.stamp_onto(document, FIELDS)
    assert stamp_mm(stamped.spot)[1] >= body_to_middle[3]
    assert_on_blank_paper(document, stamped.data)


def test_a_full_page_keeps_the_top_left_and_says_so(tmp_path):
    document = page_of([FULL])
    stamped = stamp.stamp_onto(document, FIELDS)
    assert not stamped.spot.blank
    assert_at_top_left(stamped, "no_blank_space")
    found = stamped_file(*_stored_pdf(tmp_path, document), "r1", FIELDS)
    assert (found.placement, found.placement_reason) == ("top_left", "no_blank_space")


def _stored_pdf(tmp_path, document: bytes) -> tuple[_OneRecord, FilesystemObjectStore]:
    """A record whose original is `document`, and its store, as `ocr.files` reads them."""
    store = FilesystemObjectStore(tmp_path)
    store.put("originals/x", document)
    row = {"object_key": "originals/x", "status": "indexed", "file_name": "day.pdf",
           "media_type": "application/pdf"}  # fmt: skip
    return _OneRecord(row), store


def after_junk(document: bytes) -> bytes:
    """The PDF after 2 KB of something else (a mail gateway's banner): qpdf finds its header
    and reads it, PDFium looks for it in the first 1 KB only and cannot open it."""
    return b"%" + b"x" * 2048 + b"\n" + document


def test_a_page_pdfium_cannot_draw_keeps_the_top_left_and_says_it_was_not_looked_at(tmp_path):
    """Not "no blank space": the page has plenty, but nothing could look for it."""
    blank_page = page_of([ORGAN_AND_NUMBER, DATE_LINE, BODY])
    document = after_junk(blank_page)
    a4 = (A4_MM[0] * stamp.PT_PER_MM, A4_MM[1] * stamp.PT_PER_MM)
    assert blank_space.blank_spot(blank_page, (50, 35), 5, a4) != blank_space.Miss.NOT_RENDERED
    assert blank_space.blank_spot(document, (50, 35), 5, a4) == blank_space.Miss.NOT_RENDERED
    stamped = stamp.stamp_onto(document, FIELDS)
    assert_at_top_left(stamped, "not_rendered")
    assert "ĐẾN" in pdfium.PdfDocument(stamped.data)[0].get_textpage().get_text_range()
    found = stamped_file(*_stored_pdf(tmp_path, document), "r1", FIELDS)
    assert (found.placement, found.placement_reason) == ("top_left", "not_rendered")


def _blank_page() -> bytes:
    return page_of([ORGAN_AND_NUMBER, DATE_LINE, BODY])


@pytest.mark.parametrize(
    ("make", "reason", "note"),
    [
        (_blank_page, None, None),
        (lambda: page_of([FULL]), "no_blank_space", "No blank space on page 1"),
        (
            lambda: after_junk(_blank_page()),
            "not_rendered",
            "Page 1 could not be rendered to look for blank space",
        ),
    ],
    ids=["blank", "full page", "not rendered"],
)
def test_the_cli_and_the_route_say_why_the_stamp_is_at_the_top_left(
    tmp_path, monkeypatch, make, reason, note
):
    """The ocr service's answer for the real copy, as the gateway hands it on: the CLI's
    warning and --json, and the route's headers, tell a full page from one not looked at."""
    from typer.testing import CliRunner

    from services.cli import records
    from services.cli.main import app
    from services.gateway.routes_files import _file_response
    from services.ocr.service import _answered

    answer = _answered(stamped_file(*_stored_pdf(tmp_path, make()), "r1", FIELDS))
    monkeypatch.setattr(records, "client", lambda: contextlib.nullcontext())
    monkeypatch.setattr(records, "call", lambda _rpc, *_args: answer)
    out = str(tmp_path / "dau-den.pdf")
    said = CliRunner().invoke(app, ["records", "stamped", "r1", "-o", out, "--json"])
    assert said.exit_code == 0, said.output
    assert json.loads(said.output)["placement"] == ("top_left" if reason else "blank")
    assert json.loads(said.output)["placement_reason"] == reason
    human = CliRunner().invoke(app, ["records", "stamped", "r1", "-o", out])
    shown = " ".join(human.output.split())  # as one line, whatever the console's width
    assert note is None or note in shown
    every = [*records.TOP_LEFT_NOTES.values(), records.TOP_LEFT_NOTE]
    assert not any(other in shown for other in every if note is None or note not in other)
    headers = _file_response(answer).headers
    assert headers["X-Stamp-Placement"] == ("top_left" if reason else "blank")
    assert headers.get("X-Stamp-Placement-Reason") == reason


def test_a_dark_page_has_no_paper_to_stamp_on():
    page = io.BytesIO()
    Image.new("L", (_px(210), _px(297)), 90).save(page, "PNG", dpi=(DPI, DPI))
    stamped = stamp.stamp_onto(scanned_pdf([page.getvalue()], dpi=DPI), FIELDS)
    assert_at_top_left(stamped, "no_blank_space")  # it was looked at: no paper


@pytest.mark.parametrize("rotate", [90, 270])
def test_a_turned_page_is_searched_as_it_is_shown(rotate):
    """The scan lies on its side and /Rotate shows it upright: the header is at the shown top
    left, and the stamp goes below it, upright."""
    with pikepdf.open(io.BytesIO(page_of([ORGAN_AND_NUMBER, DATE_LINE, BODY]))) as pdf:
        page = pdf.pages[0]
        page.obj.Rotate = rotate
        # the scan turned the other way in its own content, so it is shown as drawn
        w, h = (float(v) for v in page.mediabox[2:])
        turn = b"0 1 -1 0 %f 0 cm\n" % h if rotate == 90 else b"0 -1 1 0 0 %f cm\n" % w
        page.contents_add(pikepdf.Stream(pdf, b"q\n" + turn), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, b"\nQ\n"))
        page.mediabox = [0, 0, h, w]
        out = io.BytesIO()
        pdf.save(out)
    stamped = stamp.stamp_onto(out.getvalue(), FIELDS)
    assert stamp_mm(stamped.spot)[1] >= ORGAN_AND_NUMBER[3]
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(out.getvalue(), stamped.data)


@pytest.mark.parametrize("source", ["original image", "access copy"])
def test_an_image_original_and_an_access_copy_are_stamped_in_blank_space(tmp_path, source):
    png = page_png([ORGAN_AND_NUMBER, DATE_LINE, BODY])
    document = scanned_pdf([png], dpi=DPI)
    store = FilesystemObjectStore(tmp_path)
    if source == "access copy":
        store.put("access/x", document)
        store.put(keys.pages_manifest_key("r1"), json.dumps({"access_key": "access/x"}).encode())
        media_type = "application/pdf"
    else:
        store.put("originals/x", png)
        media_type = "image/png"
    row = {"object_key": "originals/x", "status": "indexed", "file_name": "cv.png",
           "media_type": media_type}  # fmt: skip
    found = stamped_file(_OneRecord(row), store, "r1", FIELDS)
    assert found.placement == "blank"
    assert_on_blank_paper(document, found.data)


def test_the_search_renders_a_huge_page_within_its_pixel_bound():
    """A 200-inch page (the largest PDF allows) is drawn coarser, not at SEARCH_DPI."""
    page = _blank_pdf((14_400, 14_400))
    image, px_per_mm = blank_space._rendered(page, 1.0, 0)
    assert image.width * image.height <= blank_space.MAX_SEARCH_PIXELS * 1.01
    assert px_per_mm < blank_space.SEARCH_DPI / 25.4
    assert blank_space.blank_spot(page, (50, 35), 5, (14_400, 14_400)) == pytest.approx(
        (5 * stamp.PT_PER_MM, 5 * stamp.PT_PER_MM), abs=1 / px_per_mm * stamp.PT_PER_MM
    )


def _with_page(document: bytes, change) -> bytes:
    with pikepdf.open(io.BytesIO(document)) as pdf:
        change(pdf.pages[0])
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "boxes",
    [
        {"CropBox": [-100, -100, 700, 950]},  # beyond the MediaBox: readers show their meet
        {"MediaBox": [0, 0, 0, 0]},  # no area: PDFium shows a Letter page
        {"MediaBox": [595.28, 841.89, 0, 0]},  # corners the other way round
        {"CropBox": [60, 0, 595.28, 760], "Rotate": 270},
    ],
)
def test_the_stamp_is_drawn_where_the_search_found_blank_space_whatever_the_page_boxes(boxes):
    """The search renders the page as PDFium shows it (the CropBox cut to the MediaBox, a
    Letter page for a MediaBox without area); the stamp is drawn on that same box."""

    def change(page):
        for key, value in boxes.items():
            page.obj[f"/{key}"] = pikepdf.Array(value) if isinstance(value, list) else value

    document = _with_page(page_of([ORGAN_AND_NUMBER, DATE_LINE, BODY]), change)
    stamped = stamp.stamp_onto(document, FIELDS)
    assert stamped.spot.blank
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(document, stamped.data)


@pytest.mark.parametrize("unit", [0, -2, "/Two"])
def test_a_user_unit_that_is_no_positive_number_is_ignored_not_a_500(unit):
    def change(page):
        page.obj.UserUnit = pikepdf.Name(unit) if isinstance(unit, str) else unit

    document = _with_page(page_of([ORGAN_AND_NUMBER, DATE_LINE, BODY]), change)
    stamped = stamp.stamp_onto(document, FIELDS)
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(document, stamped.data)


def test_a_page_pdfium_draws_at_another_size_is_not_searched():
    """The spot is measured on PDFium's page: on a page of another size it would be elsewhere
    on the caller's, so the caller keeps its fallback."""
    document = page_of([ORGAN_AND_NUMBER, DATE_LINE, BODY])
    a4 = (A4_MM[0] * stamp.PT_PER_MM, A4_MM[1] * stamp.PT_PER_MM)
    assert isinstance(blank_space.blank_spot(document, (50, 35), 5, a4), tuple)
    other_size = (a4[0], a4[1] - 200)
    assert blank_space.blank_spot(document, (50, 35), 5, other_size) == "not_rendered"


def test_a_page_too_small_for_the_stamp_is_not_rendered(monkeypatch):
    monkeypatch.setattr(blank_space, "_rendered", lambda *a: pytest.fail("rendered"))
    assert blank_space.blank_spot(b"%PDF-", (50, 35), 5, (100, 80)) == "no_blank_space"


def test_a_long_thin_page_is_rendered_within_its_side_bound():
    """The pixel bound alone lets a page 200 inches long and 4 high be drawn 40 dpi wide."""
    image, _ = blank_space._rendered(_blank_pdf((14_400, 300)), 1.0, 0)
    assert max(image.size) <= blank_space.MAX_SEARCH_SIDE


def _blank_pdf(size: tuple[int, int]) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=size)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# A short Party letter (công văn) as printed: the header's two blocks, Kính gửi, one paragraph,
# then the Nơi nhận at the left and the signature block at the right, the signing space (where
# the signature and the organ's seal go) between its title and the signer's name. In mm.
LETTER_TEXT = (
    "Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư, Ban"
    " Thường vụ Huyện ủy đề nghị các chi, đảng bộ trực thuộc báo cáo tình hình thực hiện nhiệm"
    " vụ quý IV năm 2026, gửi về Văn phòng Huyện ủy trước ngày 15/12/2026 để tổng hợp."
)
NOI_NHAN = (30, 118, 90, 138)
SIGNATURE_BLOCK = (110, 118, 195, 158)  # title, the signing space, the signer's name


def letter_pdf() -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("Serif", fname=font_path())

    def line(x: float, y: float, w: float, text: str, size: float = 13, align: str = "C"):
        pdf.set_font("Serif", size=size)
        pdf.set_xy(x, y)
        pdf.cell(w, 6, text, align=align)

    pdf.add_page()
    for y, text in [(20, "ĐẢNG BỘ TỈNH BÌNH ĐỊNH"), (26, "HUYỆN ỦY PHÙ CÁT"), (32, "*"),
                    (38, "Số 215-CV/HU"), (44, "V/v báo cáo tình hình quý IV")]:  # fmt: skip
        line(30, y, 70, text)
    line(105, 20, 90, "ĐẢNG CỘNG SẢN VIỆT NAM", 15)
    pdf.line(115, 27.5, 185, 27.5)
    line(105, 33, 90, "Phù Cát, ngày 04 tháng 12 năm 2026")
    line(30, 62, 165, "Kính gửi: Các chi, đảng bộ trực thuộc Huyện ủy", 14)
    pdf.set_font("Serif", size=14)
    pdf.set_xy(30, 76)
    pdf.multi_cell(165, 7.5, "        " + LETTER_TEXT, align="J")
    for n, text in enumerate(["Nơi nhận:", "- Như trên,", "- Thường trực Huyện ủy,",
                              "- Lưu Văn phòng Huyện ủy."]):  # fmt: skip
        line(30, NOI_NHAN[1] + 5 * n, 60, text, 11, "L")
    line(110, 118, 85, "T/M BAN THƯỜNG VỤ", 14)
    line(110, 124, 85, "PHÓ BÍ THƯ", 14)
    line(110, 152, 85, "Nguyễn Văn An", 14)
    return bytes(pdf.output())


def letter_scan_jpeg(dpi: int = 300) -> bytes:
    """The letter scanned in colour: cream paper, the scanner's noise, JPEG."""
    page = pdfium.PdfDocument(letter_pdf())[0].render(scale=dpi / 72).to_pil().convert("RGB")
    paper = Image.new("RGB", page.size, (236, 229, 212))
    scan = Image.composite(page, paper, page.convert("L").point(lambda v: 255 if v < 250 else 0))
    scan = Image.blend(scan, Image.effect_noise(scan.size, 40).convert("RGB"), 0.12)
    out = io.BytesIO()
    scan.save(out, "JPEG", quality=85, dpi=(dpi, dpi))
    return out.getvalue()


def assert_clear_of_the_signing_space(spot: stamp.Spot) -> None:
    """Not over the signature block, nor in the gap between it and the Nơi nhận."""
    left, top, right, bottom = stamp_mm(spot)
    assert not overlaps((left, top, right, bottom), SIGNATURE_BLOCK)
    beside = top < SIGNATURE_BLOCK[3] and bottom > SIGNATURE_BLOCK[1]
    assert not (beside and left >= NOI_NHAN[0] and right <= SIGNATURE_BLOCK[0] + 5)


def test_a_short_letter_is_stamped_in_blank_space_clear_of_its_signing_space():
    """No room under the header (Kính gửi and the body follow it): the stamp goes lower, in
    blank paper, but not into the signing space beside the signature block."""
    document = letter_pdf()
    stamped = stamp.stamp_onto(document, FIELDS)
    assert stamped.spot.blank
    assert_clear_of_the_signing_space(stamped.spot)
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(document, stamped.data)


def test_a_colour_scan_of_the_letter_is_stamped_as_its_text_layer_is(tmp_path):
    """300 dpi colour JPEG, no access copy yet: the image original's path."""
    jpeg = letter_scan_jpeg()
    store = FilesystemObjectStore(tmp_path)
    store.put("originals/x", jpeg)
    row = {"object_key": "originals/x", "status": "indexed", "file_name": "cv.jpg",
           "media_type": "image/jpeg"}  # fmt: skip
    found = stamped_file(_OneRecord(row), store, "r1", FIELDS)
    assert found.placement == "blank"
    spot = stamp.stamp_onto(letter_pdf(), FIELDS).spot
    with pdfium.PdfDocument(found.data) as pdf:
        assert pdf[0].get_size() == (pytest.approx(595.3, abs=1), pytest.approx(841.9, abs=1))
    image_spot = stamp.stamp_onto(stamp.image_as_pdf(jpeg), FIELDS).spot
    assert (image_spot.left, image_spot.top) == (
        pytest.approx(spot.left, abs=3 * stamp.PT_PER_MM),
        pytest.approx(spot.top, abs=3 * stamp.PT_PER_MM),
    )
    assert_clear_of_the_signing_space(image_spot)
    # the scan's paper is cream and noisy: what is under the stamp is judged on the printed
    # letter, the same A4 page
    assert_on_blank_paper(letter_pdf(), found.data)
