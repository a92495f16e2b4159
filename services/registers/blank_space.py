"""Where the ĐẾN stamp goes on page 1: into blank paper, as a clerk puts it.

Office practice, not a quoted rule (the text of NĐ 30/2020 Phụ lục IV on where the stamp goes
was not read here): the văn thư stamps "ĐẾN" vào khoảng giấy trống — into blank space, below
the số/ký hiệu or the trích yếu, or below the date line — never over the header, where a
Vietnamese administrative document prints its organ and its số/ký hiệu.

Page 1 is rendered small and grey by PDFium as it is shown (/Rotate applied; PDFium draws a
page in its own units and ignores /UserUnit, so sizes are converted here). Ink is any pixel
clearly darker than the paper. The stamp, with CLEARANCE_MM all round, must cover no ink, and
stay EDGE_MM inside the page's edges. Nor may it sit in a gap between two blocks of the same
lines (ink within SIDE_MM both left and right of it): on a short letter that gap is the signing
space between the Nơi nhận and the signature block, where the signature and the organ's seal
go. First fit wins, in this order: the top half's left
column (under the organ and số/ký hiệu), its right column (under the date line), then
anywhere; within each, topmost, then leftmost. No fit: a `Miss` saying why — the page has no
blank space big enough (a full page), or PDFium could not draw it to look — and the caller
keeps the old top-left place and says which. Pillow only (no numpy here): ink under every
candidate box is found by a sliding maximum built from a few shifted copies of the ink mask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageChops

PT_PER_MM = 72 / 25.4
SEARCH_DPI = 40  # a pixel is 0.64 mm: enough to see a line of text, cheap to render
# The rendering's size is bounded before PDFium draws it (this process runs with Pillow's
# bomb check off): a page beyond this many pixels is rendered coarser instead.
MAX_SEARCH_PIXELS = 1_000_000
MAX_SEARCH_SIDE = 4_000  # and no side longer: a page 1 pt high and miles wide is not drawn wide
MIN_STAMP_PX = 4  # a rendering so coarse the stamp is fewer pixels high tells nothing
SIZE_SLACK_PT = 1.0  # PDFium's page and the caller's may differ by rounding, no more
CLEARANCE_MM = 2.0  # blank paper kept round the stamp, so it touches no line of text
# Ink this close both left and right of the stamp, in its lines: it would sit in a gap between
# two blocks (the signing space between Nơi nhận and the signature block), not in blank space.
SIDE_MM = 20.0
INK_CONTRAST = 48  # darker than the paper by this much is ink (anti-aliased text edges too)
# A page whose usual grey is darker than this is a photograph or a dark scan: no paper to
# stamp on, rather than a "blank" that is really dark background.
PAPER_MIN = 160


class Miss(StrEnum):
    """Why no blank spot was found (the caller's message and `--json` say which)."""

    # Page 1 was looked at: no blank space takes the stamp (a full page, a photograph or dark
    # scan with no paper, a page smaller than the stamp).
    NO_BLANK_SPACE = "no_blank_space"
    # PDFium could not draw page 1 as the caller shows it (it cannot open the file, the page's
    # content is broken, or it draws the page at another size): nothing was looked at.
    NOT_RENDERED = "not_rendered"


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels: left, top inclusive; right, bottom exclusive."""

    left: int
    top: int
    right: int
    bottom: int

    def meet(self, other: Box) -> Box:
        return Box(
            max(self.left, other.left),
            max(self.top, other.top),
            min(self.right, other.right),
            min(self.bottom, other.bottom),
        )

    def is_empty(self) -> bool:
        return self.right <= self.left or self.bottom <= self.top


def blank_spot(
    document: bytes,
    size_mm: tuple[float, float],
    edge_mm: float,
    shown_pt: tuple[float, float],
    unit: float = 1.0,
    rotate: int = 0,
) -> tuple[float, float] | Miss:
    """(left, top) in PDF points from the top left of page 1 as shown where a box of
    `size_mm` (width, height) covers only blank paper; else why not (`Miss`: none fits, or the
    page cannot be rendered; the caller then keeps its fallback place). `shown_pt` is the size
    of the page as the caller shows it and places the stamp on (points, turned): a page it
    cannot hold is not rendered, and one PDFium draws at another size is not searched (the
    spot would be measured on another page). `unit` is the page's /UserUnit, `rotate` the
    turn (clockwise) the caller shows it at."""
    room_mm = [(pt / PT_PER_MM - 2 * edge_mm) for pt in shown_pt]
    if room_mm[0] < size_mm[0] or room_mm[1] < size_mm[1]:
        return Miss.NO_BLANK_SPACE  # no room inside the edges: nothing to render
    rendered = _rendered(document, unit, rotate, shown_pt)
    if rendered is None:
        return Miss.NOT_RENDERED
    image, px_per_mm = rendered
    if min(size_mm) * px_per_mm < MIN_STAMP_PX:
        return Miss.NOT_RENDERED  # drawn too coarse to see where the ink is
    found = _first_fit(_ink(image), size_mm, edge_mm, px_per_mm)
    if found is None:
        return Miss.NO_BLANK_SPACE
    return found[0] / px_per_mm * PT_PER_MM, found[1] / px_per_mm * PT_PER_MM


def _rendered(
    document: bytes, unit: float, rotate: int, shown_pt: tuple[float, float] | None = None
) -> tuple[Image.Image, float] | None:
    """Page 1, grey, turned `rotate`, and its pixels per mm; None when PDFium cannot draw
    it, or draws it at another size than `shown_pt` (points, turned)."""
    import pypdfium2 as pdfium

    from services.ocr.pagekind import PDFIUM_LOCK  # PDFium is not thread-safe

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(document)
        except pdfium.PdfiumError:
            return None
        try:
            image, scale = _drawn(pdf[0], unit, rotate, shown_pt)
        except (pdfium.PdfiumError, ValueError):  # a page without area, a broken content
            return None
        finally:
            pdf.close()
    if image is None:
        return None
    return image, scale / unit * PT_PER_MM


def _drawn(
    page, unit: float, rotate: int, shown_pt: tuple[float, float] | None
) -> tuple[Image.Image | None, float]:
    """The page drawn grey at `_scale`, turned `rotate` as shown, and that scale; no image
    when PDFium's page, turned so, is not `shown_pt` in size."""
    # PDFium reads an odd /Rotate (135 as 90) its own way: turned here as the caller places
    turn = (rotate - page.get_rotation()) % 360
    width, height = page.get_width(), page.get_height()  # as PDFium shows it
    if turn in (90, 270):
        width, height = height, width
    if shown_pt is not None and any(
        abs(mine * unit - theirs) > SIZE_SLACK_PT
        for mine, theirs in zip((width, height), shown_pt, strict=True)
    ):
        page.close()
        return None, 0.0
    scale = _scale(width, height, unit)
    # in colour, made grey by Pillow: PDFium's own grey rendering took half as long again (a
    # 300 dpi A4 JPEG scan: 104 ms against 67; a grey one 59 against 30), for the same pixels
    bitmap = page.render(scale=scale, rotation=turn)
    image = bitmap.to_pil().convert("L")  # a copy, free of PDFium's buffer
    bitmap.close()
    page.close()
    return image, scale


def _scale(width: float, height: float, unit: float) -> float:
    """Pixels per page unit: SEARCH_DPI, coarser when the page would exceed MAX_SEARCH_PIXELS
    or MAX_SEARCH_SIDE."""
    scale = SEARCH_DPI / 72 * unit
    area = max(width * height, 1.0)
    return min(
        scale, math.sqrt(MAX_SEARCH_PIXELS / area), MAX_SEARCH_SIDE / max(width, height, 1.0)
    )


def _ink(image: Image.Image) -> Image.Image | None:
    """255 where there is ink, 0 on paper; None for a page with no paper to speak of. The
    paper is the page's median grey: a scan's paper is seldom white."""
    paper = _median(image.histogram())
    if paper < PAPER_MIN:
        return None
    cutoff = paper - INK_CONTRAST
    return image.point(lambda v: 255 if v < cutoff else 0)


def _median(histogram: list[int]) -> int:
    half, seen = sum(histogram) / 2, 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= half:
            return value
    return 255


def _first_fit(
    ink: Image.Image | None, size_mm: tuple[float, float], edge_mm: float, px_per_mm: float
) -> tuple[int, int] | None:
    """The stamp's top left pixel in the first region (`_regions`) where it and its clearance
    cover no ink."""
    if ink is None:
        return None
    width, height = (math.ceil(mm * px_per_mm) for mm in size_mm)
    clear = math.ceil(CLEARANCE_MM * px_per_mm)
    edge = math.ceil(edge_mm * px_per_mm)
    covered = ImageChops.lighter(
        _ink_under(ink, width + 2 * clear, height + 2 * clear, clear),
        _between_blocks(ink, (width, height), clear, edge, math.ceil(SIDE_MM * px_per_mm)),
    )
    for region in _regions(ink.size, width, height, edge):
        found = _topmost_free(covered, region)
        if found is not None:
            return found
    return None


def _between_blocks(
    ink: Image.Image, size: tuple[int, int], clear: int, edge: int, side: int
) -> Image.Image:
    """255 at (x, y) where a stamp there would have ink within `side` pixels both left and
    right of it, in the lines it spans (clearance included): a gap between two blocks of the
    same lines — the Nơi nhận and the signature block, where the signature and the organ's
    seal go, or a table's columns. Ink within `edge` of the page's sides (a scanner's dark
    border) does not count."""
    (width, height), (w, h) = size, ink.size
    inner = ink.copy()
    if edge:
        inner.paste(0, (0, 0, edge, h))
        inner.paste(0, (w - edge, 0, w, h))
    lines = _sliding_max(inner, height + 2 * clear, horizontal=False)
    lines = lines.crop((0, -clear, w, h - clear))  # rows y − clear … y + height + clear
    near = _sliding_max(lines, side, horizontal=True)  # at x: columns x … x + side
    left = near.crop((-clear - side, 0, w - clear - side, h))
    right = near.crop((width + clear, 0, w + width + clear, h))
    return ImageChops.darker(left, right)


def _ink_under(ink: Image.Image, width: int, height: int, shift: int) -> Image.Image:
    """At each pixel (x, y): the most ink in the box of `width` × `height` whose top left is
    (x − shift, y − shift); past the page's edge counts as paper."""
    along_x = _sliding_max(ink, width, horizontal=True)
    both = _sliding_max(along_x, height, horizontal=False)
    w, h = ink.size
    return both.crop((-shift, -shift, w - shift, h - shift))


def _sliding_max(image: Image.Image, length: int, *, horizontal: bool) -> Image.Image:
    """Each pixel the maximum of the `length` pixels from it rightwards (or downwards): the
    span doubles with each shifted copy, and a last copy tops it up to `length` exactly."""
    span, out = 1, image
    while span * 2 <= length:
        out = ImageChops.lighter(out, _shifted(out, span, horizontal))
        span *= 2
    if span < length:
        out = ImageChops.lighter(out, _shifted(out, length - span, horizontal))
    return out


def _shifted(image: Image.Image, by: int, horizontal: bool) -> Image.Image:
    """The image moved `by` pixels left (or up); what comes in from beyond the edge is 0."""
    w, h = image.size
    dx, dy = (by, 0) if horizontal else (0, by)
    return image.crop((dx, dy, w + dx, h + dy))


def _regions(size: tuple[int, int], width: int, height: int, edge: int) -> list[Box]:
    """Where the stamp's top left may be, in the order a clerk looks: the top half's left
    column, its right column, then the whole page (each inside the edges)."""
    w, h = size
    page = Box(edge, edge, w - edge - width + 1, h - edge - height + 1)
    top_half = Box(0, 0, w, h // 2 - height + 1)
    left_column = Box(0, 0, w // 2 - width + 1, h)
    right_column = Box(math.ceil(w / 2), 0, w, h)
    return [
        page.meet(top_half).meet(left_column),
        page.meet(top_half).meet(right_column),
        page,
    ]


def _topmost_free(covered: Image.Image, region: Box) -> tuple[int, int] | None:
    """The topmost, then leftmost, pixel of `region` where `covered` is 0 (no ink)."""
    if region.is_empty():
        return None
    free = ImageChops.invert(covered.crop((region.left, region.top, region.right, region.bottom)))
    bounds = free.getbbox()
    if bounds is None:
        return None
    top = bounds[1]
    left = free.crop((0, top, free.width, top + 1)).getbbox()[0]
    return region.left + left, region.top + top
