"""The "ĐẾN" stamp (dấu đến) on a copy of an incoming document.

NĐ 30/2020/NĐ-CP Điều 21: the văn thư opens a paper document's envelope and stamps it "ĐẾN"
(secret-marked documents included). Phụ lục IV gives the stamp's form: a rectangle of 35 × 50
mm carrying the organ's name, "ĐẾN", Số (số đến), Ngày (ngày đến), Chuyển (to whom it was
handed on) and Số và ký hiệu hồ sơ. The form's picture in Phụ lục IV was not read here: the
layout below follows the text only — 50 mm wide and 35 mm high, the organ's name at the top,
"ĐẾN" at the left with Số and Ngày beside it, then Chuyển, then the file's code — drawn in red
ink (the decree names no colour for this stamp; red tells it from the document's black).

The original is never changed (fixity): the stamp is drawn on a new copy, on page 1 in blank
space (services/registers/blank_space.py: office practice, the decree's text on where it goes
was not read), else at the top left over the header, at true size whatever the page's
resolution (PDF points, the page's /UserUnit and /Rotate accounted for). Framework-free: fpdf2
draws the stamp, pikepdf lays it on the page.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import threading
import unicodedata
from dataclasses import asdict, dataclass, replace
from dataclasses import fields as fields_of
from typing import Any

from services.common.clock import day_first
from services.common.errors import ErrorCode, NotFound, NotIncoming, PermanentError

# NĐ 30/2020 Điều 21, 22: the registers whose documents are received and given a số đến. A
# letter (đơn thư) arrives by post or at the desk like any paper document and takes its số đến
# in the sổ đơn thư (docs/registers.md, "The petitions book"), so it is stamped too.
STAMPED_REGISTERS = ("den", "don")
WIDTH_MM, HEIGHT_MM = 50.0, 35.0  # Phụ lục IV: 35 × 50 mm (laid out landscape)
MARGIN_MM = 5.0  # at least this far inside the page's edges; the fallback's from top and left
PT_PER_MM = 72 / 25.4
INK = (200, 16, 32)  # red stamp ink
LINE_MM = 0.3
BLANK = "…" * 12  # a line left to fill by hand
_PAD_MM = 2.0
_MIN_PT = 5.0
_PDF_MODES = ("1", "L", "RGB", "CMYK")  # what Pillow writes into a PDF as it is
# The JPEGs a PDF shows from their own bytes (`_jpeg_as_pdf`), and their colour space.
_JPEG_SPACES = {"L": "/DeviceGray", "RGB": "/DeviceRGB", "CMYK": "/DeviceCMYK"}
# A CMYK JPEG with Adobe's APP14 marker stores its ink inverted (Photoshop's convention, and
# libjpeg's when it writes CMYK): /Decode [1 0 …] maps 0 to full ink (ISO 32000-1 8.9.5.2), as
# Pillow's PDF writer did for the scan it re-encoded. PDF readers apply only /Decode, never
# the marker (PDFium and Poppler, tried), so one without the marker is shown as stored, ink
# as ink: img2pdf's rule. (Pillow reads every CMYK JPEG inverted: such a scan, white paper
# stored as 0, would be a black page.) The reader's JPEG decoder undoes a YCCK transform
# itself (the Adobe marker overrides /ColorTransform, ISO 32000-1 7.4.8 Table 13).
_ADOBE_CMYK_DECODE = [1, 0] * 4


@dataclass(frozen=True)
class StampFields:
    """What the stamp prints; "" leaves the line to fill by hand."""

    organ: str
    number: str  # số đến
    received: str  # ngày đến, dd/mm/yyyy
    handed_to: str = ""  # Chuyển
    file_code: str = ""  # Số và ký hiệu hồ sơ

    def __post_init__(self) -> None:
        # NFC whatever the source (LUUTRU_ORGAN_NAME typed on a Mac is NFD): a decomposed
        # "Ế" (E + two combining marks) draws and copies out as separate glyphs.
        for field in fields_of(self):
            value = unicodedata.normalize("NFC", str(getattr(self, field.name) or ""))
            object.__setattr__(self, field.name, value)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


# Statuses whose files are gone (destroyed by a batch or its sender's recall, refused above
# the ceiling): nothing is left to stamp, though the register line keeps the số đến.
FILES_GONE = ("disposed", "rejected")


def stampable(record: dict[str, Any]) -> bool:
    """Registered as received, with its số đến, and its file still kept: the one rule of the
    route and the link."""
    return (
        record.get("register") in STAMPED_REGISTERS
        and bool(record.get("number"))
        and record.get("status") not in FILES_GONE
    )


def check_incoming(record: dict[str, Any]) -> None:
    """Only a document registered as received carries a số đến to stamp (409 otherwise); one
    destroyed or recalled since has no file left (the 404 its original download answers, said
    at once rather than after gathering the fields)."""
    if record.get("status") in FILES_GONE:
        raise NotFound(
            "Văn bản đã bị hủy hoặc thu hồi, không còn tệp để đóng dấu ĐẾN / The document was"
            " destroyed or recalled: no file is left to stamp"
        )
    if not stampable(record):
        raise NotIncoming(
            "Chỉ văn bản đăng ký đến (sổ văn bản đến, sổ đơn thư) mới có dấu ĐẾN"
            " (NĐ 30/2020 Điều 21) / Only a document registered as incoming has an ĐẾN stamp"
        )


def person(name: str, unit: str | None) -> str:
    """The assignee as the sổ theo dõi prints them: "lan (Phòng Tổng hợp)"."""
    return f"{name} ({unit})" if unit else name


def stamp_fields(
    record: dict[str, Any], organ: str, handed_to: str = "", file_ref: str | None = None
) -> StampFields:
    """The fields of a record registered incoming (`check_incoming` first): số đến and the day
    it was registered (its ngày đến), the file's code without its year ("2025/01.VP")."""
    return StampFields(
        organ=organ.strip(),
        number=str(record["number"]),
        received=day_first(record.get("received_at"), unreadable=""),
        handed_to=handed_to.strip(),
        file_code=file_ref.split("/", 1)[-1] if file_ref else "",
    )


# --- drawing -------------------------------------------------------------------------------


def _fit(pdf, text: str, width_mm: float, size_pt: float) -> float:
    """The largest font size up to `size_pt` (not below _MIN_PT) at which `text` fits."""
    size = size_pt
    while size > _MIN_PT and pdf.get_string_width(text) * size / pdf.font_size_pt > width_mm:
        size -= 0.25
    return size


def _clipped(pdf, text: str, width_mm: float) -> str:
    """`text` cut with "…" to `width_mm` at the current size (a long name at _MIN_PT)."""
    if pdf.get_string_width(text) <= width_mm:
        return text
    while text and pdf.get_string_width(text + "…") > width_mm:
        text = text[:-1]
    return text + "…"


def _line(pdf, x: float, y: float, label: str, value: str, width: float, size: float) -> None:
    """ "Label: value" in one line of `width` mm, the value shrunk (or clipped) to fit."""
    pdf.set_font("Serif", "", size)
    pdf.text(x, y, label)
    start = x + pdf.get_string_width(label) + 1
    room = x + width - start
    if value:  # measured in the bold it is printed in
        pdf.set_font("Serif", "B", size)
        pdf.set_font("Serif", "B", _fit(pdf, value, room, size))
    pdf.text(start, y, _clipped(pdf, value or BLANK * 3, room))  # a blank fills its line


def _organ_lines(pdf, text: str, inner: float) -> list[str]:
    """The organ's name cut into the lines it takes at the current font size and width."""
    from fpdf.enums import MethodReturnValue

    return pdf.multi_cell(inner, 3, text, dry_run=True, output=MethodReturnValue.LINES)


def _organ(pdf, organ: str, inner: float) -> None:
    """The organ's name, centred, on at most two lines, shrunk to fit (down to _MIN_PT, then
    clipped); a blank line to fill by hand when none is set."""
    text = organ.upper() if organ else BLANK
    size = 7.0
    pdf.set_font("Serif", "B", size)
    while len(lines := _organ_lines(pdf, text, inner)) > 2 and size > _MIN_PT:
        size -= 0.25
        pdf.set_font("Serif", "B", size)
    if len(lines) > 2:
        lines = [lines[0], _clipped(pdf, f"{lines[1]} {lines[2]}", inner)]
    for n, line in enumerate(lines):
        pdf.set_xy(_PAD_MM, 1.6 + n * pdf.font_size * 1.15)
        pdf.cell(inner, pdf.font_size * 1.15, line, align="C")


def draw_stamp(fields: StampFields) -> bytes:
    """The stamp alone: a one-page PDF of exactly WIDTH_MM × HEIGHT_MM, its frame on the edge."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format=(HEIGHT_MM, WIDTH_MM))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    _add_fonts(pdf, fields)
    pdf.add_page()
    pdf.set_draw_color(*INK)
    pdf.set_text_color(*INK)
    pdf.set_line_width(LINE_MM)
    half = LINE_MM / 2  # the frame's outer edge on the page's edge: the box is 50 × 35 mm
    pdf.rect(half, half, WIDTH_MM - LINE_MM, HEIGHT_MM - LINE_MM)
    inner = WIDTH_MM - 2 * _PAD_MM
    _organ(pdf, fields.organ, inner)
    pdf.set_font("Serif", "B", 15)
    pdf.text(_PAD_MM, 17.5, "ĐẾN")
    beside = _PAD_MM + pdf.get_string_width("ĐẾN") + 2
    _line(pdf, beside, 14.0, "Số:", fields.number, WIDTH_MM - _PAD_MM - beside, 8.5)
    _line(pdf, beside, 19.0, "Ngày:", fields.received, WIDTH_MM - _PAD_MM - beside, 8.5)
    _line(pdf, _PAD_MM, 25.5, "Chuyển:", fields.handed_to, inner, 8)
    _line(pdf, _PAD_MM, 31.5, "Số và ký hiệu hồ sơ:", fields.file_code, inner, 8)
    return bytes(pdf.output())


# --- the stamp's fonts ------------------------------------------------------------------------

# What the stamp's text is written in: Latin letters (Vietnamese's among them) with their marks,
# and punctuation ("…", "—"). The fonts cut to these are small; text beyond them takes the
# whole font files, as every stamp did before (`_add_fonts`).
CUT_RANGES = ((0x20, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F))


@dataclass(frozen=True)
class CutFonts:
    """The stamp's two styles cut to CUT_RANGES, as font files (bytes, never changed), and the
    characters both have."""

    regular: bytes
    bold: bytes
    chars: frozenset[int]


_CUT_LOCK = threading.Lock()


def cut_fonts() -> CutFonts:
    """The fonts cut once per process: the first stamp cuts them while any other waits."""
    with _CUT_LOCK:
        return _cut_once()


@functools.cache
def _cut_once() -> CutFonts:
    from fontTools import ttLib

    from services.registers.reports import font_files

    regular, bold = font_files()
    cut = {path: _cut(path) for path in {regular, bold or regular}}
    chars = [set(ttLib.TTFont(io.BytesIO(data)).getBestCmap()) for data in cut.values()]
    return CutFonts(cut[regular], cut[bold or regular], frozenset(set.intersection(*chars)))


def _cut(path: str) -> bytes:
    """The font at `path` cut to CUT_RANGES with the options fpdf2 cuts a font with when it
    writes a PDF (fpdf/output.py, `_add_fonts`): its own cut of this one is then the same as of
    the whole font, and reading this one is a fraction of the time (fpdf2 read and cut the
    whole ~400 KB file twice a stamp, about half of the stamp's time)."""
    from fontTools import subset, ttLib

    # the whole font's bounding box kept: fpdf2 writes it into the PDF's font descriptor
    font = ttLib.TTFont(path, recalcBBoxes=False, recalcTimestamp=False)
    options = subset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix"]
    options.drop_tables += ["CBDT", "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR"]
    cutter = subset.Subsetter(options)
    cutter.populate(
        unicodes=[c for c in font.getBestCmap() if any(a <= c <= b for a, b in CUT_RANGES)]
    )
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _add_fonts(pdf, fields: StampFields) -> None:
    """The "Serif" family, regular and bold: the cut fonts when they have every character the
    fields print, else the whole font files (a name in Cyrillic). Each stamp gets its own font
    objects, read from the shared bytes: fpdf2 cuts a font object in place when it writes the
    PDF, so one object cannot serve two stamps, nor two threads."""
    from fpdf.fonts import TTFFont

    cut = cut_fonts()
    values = [*fields.to_dict().values(), fields.organ.upper()]
    if {ord(c) for c in "".join(values)} <= cut.chars:
        for style, data in (("", cut.regular), ("B", cut.bold)):
            key = f"serif{style}"  # what add_font("Serif", style) names it
            pdf.fonts[key] = TTFFont(pdf, io.BytesIO(data), key, style)
        return
    from services.registers.reports import font_files

    regular, bold = font_files()
    pdf.add_font("Serif", fname=regular)
    pdf.add_font("Serif", style="B", fname=bold or regular)


# --- laying it on page 1 ------------------------------------------------------------------


@dataclass(frozen=True)
class Spot:
    """Where the stamp's top left corner is: PDF points from the top left of page 1 as shown."""

    left: float
    top: float
    # None: in blank space. Else why it is at the top left (blank_space.Miss): "no_blank_space"
    # (page 1 was looked at, none fits: a full page) or "not_rendered" (PDFium could not draw
    # it: nothing was looked at).
    miss: str | None = None

    @property
    def blank(self) -> bool:
        return self.miss is None


# The top left's place; `_spot` gives it with the reason (`miss`) no blank space was used.
FALLBACK = Spot(MARGIN_MM * PT_PER_MM, MARGIN_MM * PT_PER_MM)


@dataclass(frozen=True)
class Stamped:
    data: bytes  # the stamped copy
    spot: Spot


def _spot(document: bytes, box: tuple[float, ...], unit: float, rotate: int) -> Spot:
    """Blank space on page 1 for the stamp (`blank_space`), else the top left with the reason: a
    full page has none, and a stamp over its header is still a stamp. `box` is the part shown
    (`_shown_box`), in the page's units."""
    from services.registers.blank_space import blank_spot

    width, height = (box[2] - box[0]) * unit, (box[3] - box[1]) * unit
    shown = (width, height) if rotate in (0, 180) else (height, width)
    found = blank_spot(document, (WIDTH_MM, HEIGHT_MM), MARGIN_MM, shown, unit, rotate)
    if isinstance(found, tuple):
        return Spot(*found)
    return replace(FALLBACK, miss=found.value)


def _placement(box: tuple[float, ...], rotate: int, unit: float, spot: Spot) -> list[float]:
    """The `cm` matrix drawing the stamp (its own points, origin bottom left) upright at `spot`
    on the displayed page: the page is shown turned `rotate` degrees clockwise, and one of its
    units is `unit` points (/UserUnit)."""
    x0, y0, x1, y1 = box
    scale = 1 / unit
    h, left, top = HEIGHT_MM * PT_PER_MM * scale, spot.left * scale, spot.top * scale
    shown_height = (y1 - y0) if rotate in (0, 180) else (x1 - x0)
    low = shown_height - top - h  # the stamp's bottom, from the shown page's bottom
    # (s, t) in the stamp → shown (left + s, low + t) → the page's own coordinates
    matrices = {
        0: [scale, 0, 0, scale, x0 + left, y0 + low],
        90: [0, scale, -scale, 0, x1 - low, y0 + left],
        180: [-scale, 0, 0, -scale, x1 - left, y1 - low],
        270: [0, -scale, scale, 0, x0 + low, y1 - left],
    }
    return matrices[rotate % 360]


def _no_pdfa_claim(pdf) -> None:
    """The stamped copy is a new document: it does not claim the access copy's PDF/A."""
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        for key in ("pdfaid:part", "pdfaid:conformance"):
            if key in meta:
                del meta[key]


# PDFium's page when the MediaBox has no area (a Letter page); the copy is given it too, so a
# reader shows the page the stamp was placed on.
NO_AREA_MEDIABOX = (0.0, 0.0, 612.0, 792.0)


def _rect(array) -> tuple[float, float, float, float] | None:
    """A page box as (left, bottom, right, top), corners in either order (ISO 32000-1 7.9.5);
    None when it is not four numbers or has no area."""
    try:
        a, b, c, d = (float(v) for v in array)
    except (TypeError, ValueError):
        return None
    rect = (min(a, c), min(b, d), max(a, c), max(b, d))
    return rect if rect[2] > rect[0] and rect[3] > rect[1] else None


def _shown_box(page) -> tuple[float, float, float, float]:
    """The part of the page a reader shows, in its units: the CropBox cut to the MediaBox
    (ISO 32000-1 14.11.2: a box beyond the media box is reduced to their intersection), the
    MediaBox without one — as PDFium renders it, so the blank space found on its rendering
    is where the stamp is drawn. A MediaBox without area is PDFium's Letter page, written
    into the copy."""
    import pikepdf

    media = _rect(page.mediabox)
    if media is None:
        media = NO_AREA_MEDIABOX
        page.obj.MediaBox = pikepdf.Array(NO_AREA_MEDIABOX)
    crop = _rect(page.cropbox)
    if crop is None:
        return media
    cut = (max(crop[0], media[0]), max(crop[1], media[1]),
           min(crop[2], media[2]), min(crop[3], media[3]))  # fmt: skip
    return cut if cut[2] > cut[0] and cut[3] > cut[1] else media


def _user_unit(page) -> float:
    """Points per unit of the page (/UserUnit, ISO 32000-1 7.7.3.3 Table 30, default 1); one
    that is not a positive number is ignored, as PDFium ignores them all (a 0 divided the
    drawing by 0)."""
    try:
        unit = float(page.obj.get("/UserUnit", 1))
    except (TypeError, ValueError):
        return 1.0
    return unit if math.isfinite(unit) and unit > 0 else 1.0


def _shown_rotation(page) -> int:
    """The page's /Rotate as a reader shows it: a multiple of 90 (ISO 32000-1 7.7.3.3), any
    other value ignored as readers do (0)."""
    try:
        rotate = int(page.obj.get("/Rotate", 0))
    except (TypeError, ValueError):
        return 0
    return rotate % 360 if rotate % 90 == 0 else 0


def _opened(document: bytes):
    """The PDF to stamp, opened; a clear PermanentError for one that cannot be: a password
    to open it, damaged, or without a page (the RPC would otherwise answer a bare 500)."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(document))
    except pikepdf.PasswordError:
        raise PermanentError(
            "Tệp PDF có mật khẩu mở, không đóng dấu ĐẾN được / The PDF needs a password to"
            " open: it cannot be stamped",
            ErrorCode.ENCRYPTED,
        ) from None
    except pikepdf.PdfError:
        raise PermanentError(
            "Tệp PDF bị hỏng, không đóng dấu ĐẾN được / The PDF is damaged: it cannot be stamped",
            ErrorCode.BROKEN_FILE,
        ) from None
    if not len(pdf.pages):
        pdf.close()
        raise PermanentError(
            "Tệp PDF không có trang nào để đóng dấu ĐẾN / The PDF has no page to stamp",
            ErrorCode.BROKEN_FILE,
        )
    return pdf


def stamp_onto(document: bytes, fields: StampFields) -> Stamped:
    """A copy of the PDF `document` with the stamp on page 1, in blank space if it has any;
    `document` is only read. PermanentError for a PDF that cannot be opened or has no page
    (`_opened`)."""
    import pikepdf

    with (
        _opened(document) as pdf,
        pikepdf.open(io.BytesIO(draw_stamp(fields))) as stamp,
    ):
        form = pdf.copy_foreign(stamp.pages[0].as_form_xobject())
        page = pdf.pages[0]
        name = page.add_resource(form, pikepdf.Name.XObject, _free_name(page))
        box = _shown_box(page)
        rotate = _shown_rotation(page)
        unit = _user_unit(page)
        spot = _spot(document, box, unit, rotate)
        matrix = " ".join(f"{v:.4f}" for v in _placement(box, rotate, unit, spot))
        # the page's own drawing in q…Q, so a transformation it leaves set moves no stamp
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
        drawing = f"\nQ\nq {matrix} cm {name} Do Q\n".encode()
        page.contents_add(pikepdf.Stream(pdf, drawing))
        _no_pdfa_claim(pdf)
        out = io.BytesIO()
        # The same record and fields give the same bytes (qpdf's /ID from the content, not
        # random): a copy asked twice, or through /api/v1, is one file.
        pdf.save(out, deterministic_id=True)
        return Stamped(out.getvalue(), spot)


def _free_name(page) -> str:
    """A resource name the page does not use: the same each time (a prefix would be random)."""
    import pikepdf

    used = page.resources.get(pikepdf.Name.XObject, {})
    return next(n for n in (f"/Den{i}" for i in itertools.count()) if n not in used)


def image_as_pdf(data: bytes) -> bytes:
    """A scanned image (no access copy yet) as a PDF whose pages measure the paper it was
    scanned from (its dpi; 300 when it names none), one page per frame. A grey, colour or
    CMYK JPEG goes in as it is (`_jpeg_as_pdf`)."""
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(data)) as image:
        dpi = image.info.get("dpi") or (300, 300)
        resolution = float(dpi[0]) or 300.0
        if image.format == "JPEG" and image.mode in _JPEG_SPACES:
            return _jpeg_as_pdf(data, image, resolution)
        frames = [
            f.copy() if f.mode in _PDF_MODES else f.convert("RGB")  # a bilevel scan stays 1-bit
            for f in ImageSequence.Iterator(image)
        ]
    out = io.BytesIO()
    frames[0].save(out, "PDF", resolution=resolution, save_all=True, append_images=frames[1:])
    return out.getvalue()


def _jpeg_as_pdf(data: bytes, image, resolution: float) -> bytes:
    """The JPEG's own bytes as the page's image (PDF's DCTDecode is JPEG): Pillow would decode
    and re-encode it, a second loss and most of the copy's time on a 300 dpi colour scan. Its
    data is still decoded once, at an eighth of its size (JPEG's own scaling, cheap), so a
    damaged one is refused as before."""
    import pikepdf

    width, height = image.size
    image.draft(image.mode, (width // 8, height // 8))
    image.load()  # a truncated or damaged scan raises here (`reading_image`)
    page_w, page_h = width * 72 / resolution, height * 72 / resolution
    pdf = pikepdf.new()
    scan = pikepdf.Stream(pdf, b"")
    scan.write(data, filter=pikepdf.Name.DCTDecode)
    scan.Type, scan.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    scan.Width, scan.Height, scan.BitsPerComponent = width, height, 8
    scan.ColorSpace = pikepdf.Name(_JPEG_SPACES[image.mode])
    if image.mode == "CMYK" and "adobe" in image.info:  # its APP14 marker: inverted ink
        scan.Decode = pikepdf.Array(_ADOBE_CMYK_DECODE)
    page = pdf.add_blank_page(page_size=(page_w, page_h))
    page.add_resource(scan, pikepdf.Name.XObject, pikepdf.Name.Scan)
    page.obj.Contents = pikepdf.Stream(
        pdf, f"q {page_w:.4f} 0 0 {page_h:.4f} 0 0 cm /Scan Do Q".encode()
    )
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()
