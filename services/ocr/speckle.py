"""Speckle (scanner dust, copier toner): measured before reading, so a dusty page is cleaned
and read once instead of read, cleaned and read again.

Framework-free, Pillow only. Dust shows best between the text lines: the rows whose ink stays
under a small share of the inkiest row's are gaps, and on a clean page they are nearly empty.
Inked points in the gaps, per square inch of gap, measured on the levelled pages of
tests/fixtures/documents.PAGE_KINDS: 0.3–4.5 on every clean kind (stray ascenders, commas),
7.5 / 13.7 / 23.5 / 42 with 2 / 5 / 10 / 20 dust specks per square inch.
"""

from __future__ import annotations

from PIL import Image, ImageFilter

from services.ocr.geometry import InkMap, as_gray

# Above this the page is cleaned before its first reading; lighter dust is left to the check
# after reading (pageocr: junk tokens), which costs a second reading only when dust shows.
DUSTY_SPECKS_PER_SQ_INCH = 15.0
_REDUCE = 4  # dust is 2–3 px at 300 dpi: a quarter-size copy still shows every speck
_GAP_SHARE = 0.04
_ASSUMED_DPI = 300


def _gap_bands(small: Image.Image) -> list[tuple[int, int]]:
    """(top, bottom) row ranges of the gaps between text lines."""
    rows = small.resize((1, small.height), Image.Resampling.BOX).tobytes()
    floor = max(rows) * _GAP_SHARE
    bands, top = [], None
    for y, ink in enumerate(rows):
        if ink <= floor and top is None:
            top = y
        elif ink > floor and top is not None:
            bands.append((top, y))
            top = None
    if top is not None:
        bands.append((top, len(rows)))
    return bands


def specks_per_square_inch(ink: InkMap, dpi: int | None) -> float:
    """Inked points between the (level) text lines of an upright page's ink map, per square
    inch of those gaps."""
    small = ink.image.reduce(_REDUCE // ink.scale)
    if small.getbbox() is None:
        return 0.0  # a blank page
    inked = gap_rows = 0
    for top, bottom in _gap_bands(small):
        inked += sum(small.crop((0, top, small.width, bottom)).histogram()[1:])
        gap_rows += bottom - top
    inch = (dpi or _ASSUMED_DPI) / _REDUCE
    area = gap_rows * small.width / inch**2
    return inked / area if area else 0.0


def is_dusty(ink: InkMap, dpi: int | None) -> bool:
    return specks_per_square_inch(ink, dpi) >= DUSTY_SPECKS_PER_SQ_INCH


def despeckle(image: Image.Image) -> Image.Image:
    """A 3×3 median: removes specks of up to about 2 px, keeps strokes at 200–300 dpi."""
    return as_gray(image).filter(ImageFilter.MedianFilter(3))
