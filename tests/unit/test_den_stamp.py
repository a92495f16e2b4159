"""The ĐẾN stamp (NĐ 30/2020 Điều 21, Phụ lục IV): drawn on a copy of page 1, in blank space
(tests/unit/test_den_stamp_blank_space.py), 35 × 50 mm whatever the page's resolution or
rotation, carrying the organ, "ĐẾN", số đến, ngày đến (dd/mm/yyyy), Chuyển and the hồ sơ's
code; the rest of the page is the original's.

Read back as a reader would: pypdfium2 extracts page 1's text and renders it; the stamp's red
ink is found in the rendering and measured in PDF points.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib
from dataclasses import replace

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw

from services.common.errors import NotFound, NotIncoming, PermanentError
from services.common.objects import FilesystemObjectStore
from services.gateway.http import describe_error
from services.ocr.files import stamped_file
from services.registers import stamp
from tests.fixtures.documents import born_digital_pdf, render_page, render_tiff, scanned_pdf

pytestmark = pytest.mark.unit

SCALE = 4  # pixels per PDF point in the renderings
ORGAN = "Văn phòng Tỉnh ủy Bình Định"
FIELDS = stamp.StampFields(ORGAN, "05", "04/12/2026", "lan (Phòng Tổng hợp)", "01.VP")
LINES = ["TỈNH ỦY BÌNH ĐỊNH", "Số 15-CV/TU", "CÔNG VĂN", "V/v báo cáo tình hình quý IV"]
WIDTH_PT, HEIGHT_PT = 50 * stamp.PT_PER_MM, 35 * stamp.PT_PER_MM
MARGIN_PT = stamp.MARGIN_MM * stamp.PT_PER_MM
PAPER = 224  # the darkest grey still blank paper in a rendering (ink is far darker)


def page_text(data: bytes) -> str:
    page = pdfium.PdfDocument(data)[0]
    return unicodedata.normalize("NFC", page.get_textpage().get_text_range())


def rendering(data: bytes) -> Image.Image:
    return pdfium.PdfDocument(data)[0].render(scale=SCALE).to_pil().convert("RGB")


def red_box(image: Image.Image) -> tuple[float, float, float, float]:
    """(left, top, width, height) in points of the red ink on the rendered page."""
    r, g, b = image.split()
    red = ImageChops.multiply(
        r.point(lambda v: 255 if v > 150 else 0),
        ImageChops.multiply(
            g.point(lambda v: 255 if v < 110 else 0), b.point(lambda v: 255 if v < 110 else 0)
        ),
    )
    box = red.getbbox()
    assert box, "no red ink on the page"
    left, top, right, bottom = box
    return left / SCALE, top / SCALE, (right - left) / SCALE, (bottom - top) / SCALE


def assert_true_size(data: bytes) -> tuple[float, float]:
    """The stamp measures 50 × 35 mm on the rendered page 1; its (left, top) in points."""
    left, top, width, height = red_box(rendering(data))
    assert width == pytest.approx(WIDTH_PT, abs=1)
    assert height == pytest.approx(HEIGHT_PT, abs=1)
    return left, top


def assert_true_size_at_its_spot(stamped: stamp.Stamped) -> None:
    """Drawn at true size where `stamp_onto` says it put it."""
    left, top = assert_true_size(stamped.data)
    assert (left, top) == (
        pytest.approx(stamped.spot.left, abs=1),
        pytest.approx(stamped.spot.top, abs=1),
    )


def assert_on_blank_paper(original: bytes, stamped: bytes) -> None:
    """Under the stamp (and a point round it) the original page was blank: the stamp hides
    nothing of it."""
    left, top, width, height = red_box(rendering(stamped))
    area = [round(v * SCALE) for v in (left - 1, top - 1, left + width + 1, top + height + 1)]
    darkest = rendering(original).convert("L").crop(area).getextrema()[0]
    assert darkest >= PAPER, f"the stamp covers ink (grey {darkest}) at {area}"


def assert_at_top_left(stamped: stamp.Stamped, miss: str) -> None:
    """The fallback, for the reason `miss`: the stamp is 5 mm from the top and left edges."""
    assert stamped.spot == replace(stamp.FALLBACK, miss=miss)
    left, top = assert_true_size(stamped.data)
    assert (left, top) == (pytest.approx(MARGIN_PT, abs=1), pytest.approx(MARGIN_PT, abs=1))


def test_the_stamp_carries_the_organ_den_the_number_the_date_and_the_file():
    text = page_text(stamp.stamp_onto(born_digital_pdf([LINES]), FIELDS).data)
    for shown in ("VĂN PHÒNG TỈNH ỦY BÌNH ĐỊNH", "ĐẾN", "Số: 05", "Ngày: 04/12/2026"):
        assert shown in text
    assert "Chuyển: lan (Phòng Tổng hợp)" in text
    assert "Số và ký hiệu hồ sơ: 01.VP" in text
    assert "V/v báo cáo tình hình quý IV" in text  # the document's own text is still there


def test_the_same_document_and_fields_give_the_same_bytes():
    for document in (born_digital_pdf([LINES]), scanned_pdf([render_page(LINES, dpi=150)], 150)):
        assert stamp.stamp_onto(document, FIELDS) == stamp.stamp_onto(document, FIELDS)


def test_the_stamp_box_measures_35_by_50_mm_on_page_1_only():
    stamped = stamp.stamp_onto(born_digital_pdf([LINES, ["Trang hai"]]), FIELDS)
    assert_true_size_at_its_spot(stamped)
    document = pdfium.PdfDocument(stamped.data)
    frames = [
        obj.get_bounds()
        for obj in document[0].get_objects(max_depth=3)
        if obj.type == pdfium.raw.FPDF_PAGEOBJ_PATH
    ]
    widths = sorted((right - left, top - bottom) for left, bottom, right, top in frames)
    assert widths[-1][0] == pytest.approx(WIDTH_PT, abs=1)  # the frame, as drawn
    assert widths[-1][1] == pytest.approx(HEIGHT_PT, abs=1)
    assert "ĐẾN" not in page_text_of(stamped.data, 1)  # page 1 only


def page_text_of(data: bytes, index: int) -> str:
    return pdfium.PdfDocument(data)[index].get_textpage().get_text_range()


def outside_the_stamp(image: Image.Image, spot: stamp.Spot) -> Image.Image:
    """The page with the stamp's box (and a point round it) painted white."""
    pad = SCALE
    x0, y0 = round(spot.left * SCALE) - pad, round(spot.top * SCALE) - pad
    x1, y1 = x0 + round(WIDTH_PT * SCALE) + 2 * pad, y0 + round(HEIGHT_PT * SCALE) + 2 * pad
    painted = image.copy()
    ImageDraw.Draw(painted).rectangle((x0, y0, x1, y1), fill="white")
    return painted


def assert_only_the_stamp_added(original: bytes, stamped: stamp.Stamped) -> None:
    before, after = rendering(original), rendering(stamped.data)
    spot = stamped.spot
    assert not ImageChops.difference(
        outside_the_stamp(before, spot), outside_the_stamp(after, spot)
    ).getbbox()
    assert ImageChops.difference(before, after).getbbox() is not None  # the stamp is drawn


@pytest.mark.parametrize("dpi", [150, 300])
def test_an_image_only_scan_is_stamped_at_true_size_whatever_its_resolution(dpi):
    scan = scanned_pdf([render_page(LINES, dpi=dpi)], dpi=dpi)
    stamped = stamp.stamp_onto(scan, FIELDS)
    assert_true_size_at_its_spot(stamped)
    assert stamped.spot.blank
    assert_on_blank_paper(scan, stamped.data)
    text = page_text(stamped.data)
    assert "ĐẾN" in text and "05" in text and "04/12/2026" in text and "BÌNH ĐỊNH" in text
    assert_only_the_stamp_added(scan, stamped)


def test_the_rest_of_a_born_digital_page_is_the_originals():
    original = born_digital_pdf([LINES])
    stamped = stamp.stamp_onto(original, FIELDS)
    assert_on_blank_paper(original, stamped.data)
    assert_only_the_stamp_added(original, stamped)


def test_an_original_image_without_access_copy_becomes_a_page_of_its_paper_size():
    png = render_page(LINES, dpi=200)
    as_pdf = stamp.image_as_pdf(png)
    width, height = pdfium.PdfDocument(as_pdf)[0].get_size()
    assert (width, height) == (pytest.approx(595.3, abs=1.5), pytest.approx(841.9, abs=1.5))
    stamped = stamp.stamp_onto(as_pdf, FIELDS)
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(as_pdf, stamped.data)


def test_a_multi_page_bilevel_tiff_keeps_every_page():
    as_pdf = stamp.image_as_pdf(render_tiff([LINES, ["Trang hai"]], dpi=200))
    stamped = stamp.stamp_onto(as_pdf, FIELDS)
    assert len(pdfium.PdfDocument(stamped.data)) == 2
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(as_pdf, stamped.data)


def turned(document: bytes, rotate: int) -> bytes:
    with pikepdf.open(io.BytesIO(document)) as pdf:
        pdf.pages[0].obj.Rotate = rotate
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_a_page_shown_turned_gets_the_stamp_upright_in_its_shown_blank_space(rotate):
    document = turned(born_digital_pdf([LINES]), rotate)
    stamped = stamp.stamp_onto(document, FIELDS)
    assert_true_size_at_its_spot(stamped)  # wider than high, as drawn: upright
    assert_on_blank_paper(document, stamped.data)


def test_a_page_with_a_user_unit_is_stamped_in_its_units():
    """/UserUnit 2: one unit is two points, so the stamp is drawn at half its size in units
    (PDFium draws the page in units), and it is in blank space measured so."""
    a, b, c, d, _e, f = stamp._placement((0, 0, 300, 420), 0, 2.0, stamp.FALLBACK)
    assert (a, b, c, d) == (0.5, 0, 0, 0.5)
    assert f + HEIGHT_PT / 2 == pytest.approx(420 - MARGIN_PT / 2)
    with pikepdf.open(io.BytesIO(born_digital_pdf([LINES]))) as pdf:
        pdf.pages[0].obj.UserUnit = 2
        out = io.BytesIO()
        pdf.save(out)
    stamped = stamp.stamp_onto(out.getvalue(), FIELDS)
    left, top, width, height = red_box(rendering(stamped.data))
    assert (width, height) == (
        pytest.approx(WIDTH_PT / 2, abs=1),
        pytest.approx(HEIGHT_PT / 2, abs=1),
    )
    assert (left, top) == (
        pytest.approx(stamped.spot.left / 2, abs=1),
        pytest.approx(stamped.spot.top / 2, abs=1),
    )
    # The text now begins 60 mm from the left and 40 mm from the top, as printed: the stamp
    # (50 × 35 mm, 2 mm clear of it) fits above and left of it, in the top left corner.
    assert stamped.spot.blank
    assert (stamped.spot.left, stamped.spot.top) == (
        pytest.approx(MARGIN_PT, abs=1),
        pytest.approx(MARGIN_PT, abs=1),
    )
    assert_on_blank_paper(out.getvalue(), stamped.data)


def test_a_page_that_leaves_a_transformation_set_does_not_move_the_stamp():
    with pikepdf.open(io.BytesIO(born_digital_pdf([LINES]))) as pdf:
        page = pdf.pages[0]
        page.contents_add(pikepdf.Stream(pdf, b"0.5 0 0 0.5 100 100 cm\n"))  # no q…Q
        out = io.BytesIO()
        pdf.save(out)
    assert_true_size_at_its_spot(stamp.stamp_onto(out.getvalue(), FIELDS))


def test_blank_fields_are_lines_to_fill_by_hand_and_a_long_name_stays_in_the_box():
    long_organ = "Ban Thường vụ Tỉnh ủy Bình Định — Văn phòng Tỉnh ủy, Phòng Hành chính lưu trữ"
    fields = stamp.StampFields(long_organ, "101", "31/12/2026")
    stamped = stamp.stamp_onto(born_digital_pdf([LINES]), fields)
    text = page_text(stamped.data)
    assert "Chuyển: …" in text and "Số và ký hiệu hồ sơ: …" in text
    assert "BAN THƯỜNG VỤ" in text and "LƯU TRỮ" in text
    assert_true_size_at_its_spot(stamped)


def test_a_long_value_is_printed_smaller_whole_before_it_is_cut():
    fields = stamp.StampFields(ORGAN, "05", "04/12/2026", "lan_dd485f964d (Phòng Tổng hợp)")
    text = page_text(stamp.stamp_onto(born_digital_pdf([LINES]), fields).data)
    assert "Chuyển: lan_dd485f964d (Phòng Tổng hợp)" in text


def test_the_fields_come_from_the_register_entry_and_the_file():
    record = {"register": "den", "number": "05", "received_at": "2026-12-04T08:15:00.000+07:00"}
    fields = stamp.stamp_fields(record, f" {ORGAN} ", "lan (Phòng Tổng hợp)", "2026/01.VP")
    assert fields == FIELDS
    assert stamp.stamp_fields(record, "", "", None).file_code == ""
    assert stamp.person("lan", None) == "lan"


def test_a_secret_books_number_prints_alone_on_the_stamp():
    """Phụ lục IV gives the stamp's Số and nothing more: a secret book's 05 prints "05" there
    (the document bears its own secrecy mark); the record page says which book it is of."""
    record = {"register": "den", "number": "05", "book": "mat", "received_at": "2026-12-04"}
    assert stamp.stamp_fields(record, ORGAN).number == "05"


@pytest.mark.parametrize(
    "record",
    [
        {"register": "di", "number": "05"},
        {"register": "luutru", "number": "05"},
        {"register": "den", "number": None},
    ],
)
def test_only_a_document_registered_incoming_is_stamped(record):
    with pytest.raises(NotIncoming) as refused:
        stamp.check_incoming(record)
    status, code, message = describe_error(refused.value)
    assert (status, code) == (409, "not_incoming")
    assert message.startswith("Chỉ văn bản đăng ký đến")
    stamp.check_incoming({"register": "don", "number": "03"})  # a letter takes its số đến too


# --- what cannot be stamped: a clear refusal, never a bare 500 -------------------------------


def _pdf_bytes(make) -> bytes:
    pdf = pikepdf.new()
    make(pdf)
    out = io.BytesIO()
    pdf.save(out, **getattr(make, "save", {}))
    return out.getvalue()


def _encrypted(pdf) -> None:
    pdf.add_blank_page()


_encrypted.save = {"encryption": pikepdf.Encryption(user="mo-khoa", owner="chu")}


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (_pdf_bytes(lambda pdf: None), "broken_file"),  # no page at all
        (_pdf_bytes(_encrypted), "encrypted"),  # a password to open it
        (b"%PDF-1.7\n1 0 obj <<", "broken_file"),  # damaged
    ],
    ids=["zero pages", "encrypted", "damaged"],
)
def test_a_pdf_that_cannot_be_stamped_is_refused_with_its_reason(document, code):
    with pytest.raises(PermanentError) as refused:
        stamp.stamp_onto(document, FIELDS)
    assert describe_error(refused.value)[:2] == (400, code)


def test_a_page_with_an_invalid_rotation_is_stamped_as_readers_show_it():
    document = turned(born_digital_pdf([LINES]), 45)  # not a multiple of 90: readers ignore it
    stamped = stamp.stamp_onto(document, FIELDS)
    assert_true_size_at_its_spot(stamped)
    assert_on_blank_paper(document, stamped.data)


def test_every_field_is_printed_in_nfc_whatever_the_setting_was_typed_in():
    decomposed = unicodedata.normalize("NFD", ORGAN)
    fields = stamp.StampFields(decomposed, "05", "04/12/2026", unicodedata.normalize("NFD", "lê"))
    assert fields.organ == ORGAN and fields.handed_to == "lê"
    raw = pdfium.PdfDocument(stamp.stamp_onto(born_digital_pdf([LINES]), fields).data)[0]
    text = raw.get_textpage().get_text_range()  # as a reader copies it, not normalised here
    assert "VĂN PHÒNG TỈNH ỦY BÌNH ĐỊNH" in text and "Chuyển: lê" in text


class _OneRecord:
    """The catalog as `ocr.files` reads it: one record's row."""

    def __init__(self, row: dict):
        self._row = row

    def row(self, record_id: str) -> dict:
        return self._row


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` × `height` (1-bit) with one empty data chunk: what a
    35000 × 35000 scan looks like until its pixels are decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


@pytest.mark.parametrize(
    ("media_type", "data", "code"),
    [
        ("image/png", _png_header(35_000, 35_000), "image_too_large"),
        ("image/png", b"\x89PNG\r\n\x1a\nnot a png", "broken_file"),
        ("text/plain", "Công văn gõ tay".encode(), "unsupported_type"),
    ],
    ids=["35000x35000 scan", "damaged scan", "text file"],
)
def test_an_original_without_access_copy_that_cannot_be_drawn_is_refused(
    tmp_path, media_type, data, code
):
    store = FilesystemObjectStore(tmp_path)
    store.put("originals/x", data)
    row = {"object_key": "originals/x", "status": "failed", "file_name": "den.png",
           "media_type": media_type}  # fmt: skip
    with pytest.raises(PermanentError) as refused:
        stamped_file(_OneRecord(row), store, "r1", FIELDS)
    assert describe_error(refused.value)[:2] == (400, code)


@pytest.mark.parametrize("status", ["disposed", "rejected"])
def test_a_document_destroyed_or_recalled_since_has_nothing_left_to_stamp(status):
    """Its register line keeps the số đến, but its files are gone: said at once, clearly."""
    record = {"register": "den", "number": "05", "status": status}
    assert not stamp.stampable(record)  # no link on its page
    with pytest.raises(NotFound) as refused:
        stamp.check_incoming(record)
    status_code, code, message = describe_error(refused.value)
    assert (status_code, code) == (404, "not_found")
    assert "đã bị hủy hoặc thu hồi" in message
    stamp.check_incoming({**record, "status": "indexed"})


def _jpeg(mode: str, dpi: int = 300) -> bytes:
    page = Image.open(io.BytesIO(render_page(LINES, dpi=dpi))).convert(mode)
    out = io.BytesIO()
    page.save(out, "JPEG", quality=85, dpi=(dpi, dpi))
    return out.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_a_jpeg_original_goes_into_the_copy_as_it_is_not_compressed_again(tmp_path, mode):
    """PDF's DCTDecode is JPEG: the scan's own bytes are the page's image (re-encoding it was
    a second loss, and most of the copy's time on a 300 dpi colour scan)."""
    jpeg = _jpeg(mode)
    store = FilesystemObjectStore(tmp_path)
    store.put("originals/x", jpeg)
    row = {"object_key": "originals/x", "status": "indexed", "file_name": "cv.jpg",
           "media_type": "image/jpeg"}  # fmt: skip
    found = stamped_file(_OneRecord(row), store, "r1", FIELDS)
    with pikepdf.open(io.BytesIO(found.data)) as pdf:
        page = pdf.pages[0]
        images = [x for x in page.images.values() if x.get("/Filter") == pikepdf.Name.DCTDecode]
        assert [x.read_raw_bytes() for x in images] == [jpeg]
        assert [float(v) for v in page.mediabox] == [
            0, 0, pytest.approx(595.3, abs=1), pytest.approx(841.9, abs=1)
        ]  # fmt: skip
    assert found.placement == "blank"
    assert_on_blank_paper(stamp.image_as_pdf(jpeg), found.data)
    assert stamp.image_as_pdf(jpeg) == stamp.image_as_pdf(jpeg)


PATCHES = [(255, 0, 0), (0, 160, 0), (0, 0, 255), (0, 255, 255), (255, 255, 255), (0, 0, 0)]


def _patches() -> Image.Image:
    """Colour patches 100 px wide, in CMYK as Pillow converts them."""
    image = Image.new("RGB", (100 * len(PATCHES), 100), "white")
    for n, colour in enumerate(PATCHES):
        ImageDraw.Draw(image).rectangle((n * 100, 0, n * 100 + 99, 99), fill=colour)
    return image.convert("CMYK")


def _cmyk_jpeg(image: Image.Image, ycck: bool) -> bytes:
    """A CMYK JPEG as Pillow writes it (inverted, Adobe marker, transform 0), or as Photoshop
    does: YCCK, transform 2 — its C, M, Y inverted taken as R, G, B and stored as YCbCr, K
    inverted (what libjpeg undoes on reading). Pillow stores each channel inverted, so the
    channels are given to it inverted, and the marker's transform byte is set after."""
    if ycck:
        c, m, y, k = image.split()
        ycbcr = Image.merge("RGB", (c, m, y)).convert("YCbCr").split()
        image = Image.merge("CMYK", [*(ImageChops.invert(v) for v in ycbcr), k])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, dpi=(100, 100))
    data = bytearray(out.getvalue())
    if ycck:
        data[data.index(b"Adobe") + 11] = 2  # APP14: "Adobe", version, flags0, flags1, transform
    return bytes(data)


def _patch_colours(document: bytes) -> list[tuple[int, int, int]]:
    image = pdfium.PdfDocument(document)[0].render(scale=100 / 72).to_pil().convert("RGB")
    return [image.getpixel((n * 100 + 50, 50)) for n in range(len(PATCHES))]


@pytest.mark.parametrize("ycck", [False, True], ids=["cmyk", "ycck"])
def test_a_cmyk_jpeg_goes_in_as_it_is_and_shows_the_colours_its_re_encoding_did(ycck):
    """Its own bytes, read inverted as Pillow reads every CMYK JPEG (Adobe's convention) and
    as the copy Pillow re-encoded showed it: /Decode [1 0 1 0 1 0 1 0]."""
    jpeg = _cmyk_jpeg(_patches(), ycck)
    with Image.open(io.BytesIO(jpeg)) as read:
        assert (read.mode, read.info["adobe_transform"]) == ("CMYK", 2 if ycck else 0)
        decoded = read.convert("RGB")
        re_encoded = io.BytesIO()
        read.save(re_encoded, "PDF", resolution=100.0)  # the copy as it was made before
    assert [decoded.getpixel((n * 100 + 50, 50)) for n in range(len(PATCHES))] == [
        tuple(pytest.approx(v, abs=4) for v in colour) for colour in PATCHES
    ]  # the test's JPEG is what it means to be
    as_is = stamp.image_as_pdf(jpeg)
    with pikepdf.open(io.BytesIO(as_is)) as pdf:
        [scan] = pdf.pages[0].images.values()
        assert scan.read_raw_bytes() == jpeg
        assert (scan.ColorSpace, list(scan.Decode)) == ("/DeviceCMYK", [1, 0] * 4)
    shown, before = _patch_colours(as_is), _patch_colours(re_encoded.getvalue())
    assert shown == [tuple(pytest.approx(v, abs=3) for v in colour) for colour in before]
    red, white, black = shown[0], shown[4], shown[5]
    assert red[0] > 200 > 80 > max(red[1:]) and min(white) > 240 and max(black) < 90


def _without_adobe_marker(jpeg: bytes) -> bytes:
    """The JPEG without its APP14 "Adobe" segment (marker, length, body)."""
    at = jpeg.index(b"Adobe") - 4
    assert jpeg[at : at + 2] == b"\xff\xee"
    (length,) = struct.unpack(">H", jpeg[at + 2 : at + 4])
    return jpeg[:at] + jpeg[at + 2 + length :]


def test_a_cmyk_jpeg_without_the_adobe_marker_shows_its_ink_as_stored():
    """No APP14 marker, no Adobe convention: its values are ink (0 is none, white paper), and
    a PDF reader applies /Decode alone, never the marker — so no /Decode, or the white paper
    comes out black (a negative of the page, with no blank space to stamp on)."""
    stored = io.BytesIO()
    ImageChops.invert(_patches()).save(stored, "JPEG", quality=95, dpi=(100, 100))
    jpeg = _without_adobe_marker(stored.getvalue())  # Pillow inverts as it writes: ink as is
    with Image.open(io.BytesIO(jpeg)) as read:
        assert read.mode == "CMYK" and "adobe" not in read.info
    as_is = stamp.image_as_pdf(jpeg)
    with pikepdf.open(io.BytesIO(as_is)) as pdf:
        [scan] = pdf.pages[0].images.values()
        assert scan.read_raw_bytes() == jpeg and "/Decode" not in scan
    red, white, black = (_patch_colours(as_is)[n] for n in (0, 4, 5))
    assert red[0] > 200 > 80 > max(red[1:]) and min(white) > 240 and max(black) < 90


@pytest.mark.parametrize("mode", ["RGB", "CMYK"])
def test_a_truncated_jpeg_original_is_refused_as_damaged(tmp_path, mode):
    jpeg = _jpeg(mode)
    store = FilesystemObjectStore(tmp_path)
    store.put("originals/x", jpeg[: len(jpeg) // 2])
    row = {"object_key": "originals/x", "status": "failed", "file_name": "cv.jpg",
           "media_type": "image/jpeg"}  # fmt: skip
    with pytest.raises(PermanentError) as refused:
        stamped_file(_OneRecord(row), store, "r1", FIELDS)
    assert describe_error(refused.value)[:2] == (400, "broken_file")


# --- the fonts, cut once per process -------------------------------------------------------

CUT_CASES = [
    FIELDS,
    stamp.StampFields(  # the organ shrunk to two lines and cut, blank lines to fill by hand
        "Ban Thường vụ Tỉnh ủy Bình Định — Văn phòng Tỉnh ủy, Phòng Hành chính lưu trữ tỉnh",
        "101",
        "31/12/2026",
    ),
    stamp.StampFields("", "7", "", "lan_dd485f964d (Phòng Tổng hợp, Văn phòng Tỉnh ủy)", ""),
]


def placed_text(data: bytes) -> list[tuple[str, tuple[float, ...]]]:
    """Each character of page 1 as a reader extracts it, with its box (points)."""
    text = pdfium.PdfDocument(data)[0].get_textpage()
    return [
        (text.get_text_range(i, 1), tuple(round(v, 2) for v in text.get_charbox(i)))
        for i in range(text.count_chars())
    ]


def whole_font_files(monkeypatch) -> None:
    """Stamps drawn as before the cut: no character is in the cut fonts."""
    cut = stamp.cut_fonts()
    monkeypatch.setattr(
        stamp, "_cut_once", lambda: stamp.CutFonts(cut.regular, cut.bold, frozenset())
    )


@pytest.mark.parametrize("fields", CUT_CASES)
def test_the_fonts_cut_once_draw_the_stamp_the_whole_font_files_drew(monkeypatch, fields):
    """The same characters at the same places, the same pixels: only the time differs."""
    document = born_digital_pdf([LINES])
    cut = stamp.stamp_onto(document, fields).data
    whole_font_files(monkeypatch)
    whole = stamp.stamp_onto(document, fields).data
    assert placed_text(cut) == placed_text(whole)
    assert "ĐẾN" in "".join(c for c, _ in placed_text(cut))
    assert ImageChops.difference(rendering(cut), rendering(whole)).getbbox() is None


def test_a_name_beyond_the_cut_fonts_is_printed_from_the_whole_font():
    fields = stamp.StampFields("Đại sứ quán tại Москва", "05", "04/12/2026", "Σίμων")
    assert ord("М") not in stamp.cut_fonts().chars  # the cut fonts have no Cyrillic
    text = page_text(stamp.stamp_onto(born_digital_pdf([LINES]), fields).data)
    assert "ĐẠI SỨ QUÁN TẠI МОСКВА" in text and "Chuyển: Σίμων" in text


def test_stamps_drawn_at_once_on_several_threads_are_each_their_own(monkeypatch):
    """The first stamps of a process, on several threads: the fonts are cut once, and each
    stamp carries its own fields (fpdf2 cuts a font object in place as it writes)."""
    from concurrent.futures import ThreadPoolExecutor

    stamp._cut_once.cache_clear()
    cuts = []
    cutting = stamp._cut
    monkeypatch.setattr(stamp, "_cut", lambda path: cuts.append(path) or cutting(path))
    document = born_digital_pdf([LINES])
    many = [stamp.StampFields(ORGAN, str(n), f"{n:02d}/12/2026", f"người {n}") for n in range(1, 9)]
    with ThreadPoolExecutor(4) as pool:
        stamped = list(pool.map(lambda f: stamp.stamp_onto(document, f).data, many))
    assert cuts and len(cuts) == len(set(cuts))  # each font file cut once, by one thread
    for fields, data in zip(many, stamped, strict=True):
        assert placed_text(data) == placed_text(stamp.stamp_onto(document, fields).data)
        assert f"Số: {fields.number}" in page_text(data)
