"""Page geometry: the skew and the likely quarter turn of a scan, both found by projection
profile, and quarter turns of the page image and its hOCR boxes.

Framework-free, Pillow only (no numpy): a profile is the image squeezed to one pixel wide with a
box filter, i.e. the mean ink of each row. Text lines at the right angle give the sharpest
profile (ink rows and white gaps alternate), so the angle with the largest variance wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PIL import Image, ImageStat

MAX_SKEW_DEG = 5.0
# Below this the page is left alone: resampling costs time and blurs strokes for no gain.
MIN_SKEW_DEG = 0.3
# The profile is computed on a copy about this wide: enough for 0.1° steps on an A4 page.
_PROFILE_WIDTH = 700
_INK_THRESHOLD = 160
_MIN_COARSE_SIDE = 200
_FINE_SCAN_PX = 2800  # the long side of an A4 page scanned at 240 dpi

_CW_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,  # Pillow turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def as_gray(image: Image.Image) -> Image.Image:
    """8-bit gray: the image itself when it is already (convert() would copy it)."""
    return image if image.mode == "L" else image.convert("L")


def _ink_of(gray: Image.Image) -> Image.Image:
    return gray.point(lambda v: 255 if v < _INK_THRESHOLD else 0)


def _ink(image: Image.Image) -> Image.Image:
    """A small copy with ink white (255) on black, so rotating in black adds no ink."""
    factor = max(1, max(image.size) // _PROFILE_WIDTH)
    return _ink_of(as_gray(image).reduce(factor))  # integer box reduction: the fastest resize


def _sharpness(ink: Image.Image, angle: float) -> float:
    turned = ink.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
    rows = turned.resize((1, turned.height), Image.Resampling.BOX)
    cols = turned.resize((turned.width, 1), Image.Resampling.BOX)
    # Columns too: a page turned by 90° has its lines vertical.
    return max(ImageStat.Stat(rows).var[0], ImageStat.Stat(cols).var[0])


def _best(ink: Image.Image, angles: list[float]) -> float:
    return max(angles, key=lambda a: (_sharpness(ink, a), -abs(a)))


def skew_angle(image: Image.Image, max_deg: float = MAX_SKEW_DEG) -> float:
    """Counter-clockwise degrees to turn `image` by so that its text lines are level."""
    ink = _ink(image)
    if ink.getbbox() is None:
        return 0.0  # a blank page
    # Whole degrees on a half-size copy (a quarter of the work; a degree is still 6 px across
    # it), then coarse to fine around the best on the full copy.
    coarse = ink.reduce(2) if min(ink.size) >= 2 * _MIN_COARSE_SIDE else ink
    angle = _best(coarse, [float(i) for i in range(-int(max_deg), int(max_deg) + 1)])
    for step in (0.5, 0.25, 0.1):
        angle = _best(ink, [round(angle + k * step, 2) for k in (-1, 0, 1)])
    return angle


def deskew(image: Image.Image, max_deg: float = MAX_SKEW_DEG) -> tuple[Image.Image, float]:
    """The page turned level (white fill), and the angle applied; small skews are left."""
    angle = skew_angle(image, max_deg)
    if abs(angle) < MIN_SKEW_DEG:
        return image, 0.0
    return level(as_gray(image), angle), angle


def level(image: Image.Image, angle: float) -> Image.Image:
    """`image` (gray or colour) turned counter-clockwise by `angle` degrees on white."""
    if not angle:
        return image
    # Nearest neighbour is 5-7x faster than bilinear and reads the same at 300 dpi (CER equal
    # on 6 levelled test pages); on coarser scans one pixel matters, so they get bilinear.
    fine = max(image.size) >= _FINE_SCAN_PX
    resample = Image.Resampling.NEAREST if fine else Image.Resampling.BILINEAR
    return image.rotate(angle, resample=resample, fillcolor="white")


# Orientation guess. Text lines make the row profile far sharper than the column profile
# (variance ratio 3.7–6 on A4 letters, under 0.3 when turned by 90°); below this ratio either
# way the guess abstains. Upright and upside-down are told apart by where the ink of each
# line lies outside its core (x-height) band: Vietnamese marks above the letters (sắc, huyền,
# hỏi, ngã, ^, ˘, horns) and ascenders outweigh descenders and the dấu nặng below by far
# (score +0.35…+0.9 upright, the opposite sign upside down).
_AXIS_RATIO = 2.0
_MIN_UPRIGHTNESS = 0.15
_LINE_FLOOR = 0.04  # a row with less ink than this share of the inkiest row is a gap
_CORE_SHARE = 0.5  # rows with at least this share of their line's peak are its core band


def _profile(ink: Image.Image, rows: bool) -> list[int]:
    size = (1, ink.height) if rows else (ink.width, 1)
    return list(ink.resize(size, Image.Resampling.BOX).tobytes())


def _variance(values: list[int]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


def _line_runs(rows: list[int]) -> list[list[int]]:
    floor = max(rows) * _LINE_FLOOR
    runs: list[list[int]] = [[]]
    for value in rows:
        if value > floor:
            runs[-1].append(value)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


@dataclass(frozen=True)
class InkMap:
    """A page's ink, white (255) on black, at 1/`scale` of its size: what the orientation guess
    and the dust measure (services/ocr/speckle.py) read, from one pass over the full page."""

    image: Image.Image
    scale: int

    @classmethod
    def of(cls, page: Image.Image) -> InkMap:
        ink = _ink_of(as_gray(page))
        # Halved above 1400 px a side (A4 at 200 dpi and more): lines stay 10 px high or more.
        scale = 2 if min(ink.size) > 2 * _PROFILE_WIDTH else 1
        return cls(ink.reduce(scale) if scale > 1 else ink, scale)

    def turned(self, degrees: int) -> InkMap:
        return InkMap(turn_clockwise(self.image, degrees), self.scale)


def uprightness(ink: InkMap) -> float:
    """+1 when all the ink outside the lines' core bands is above them (upright Latin script
    with diacritics), -1 when all of it is below (upside down), about 0 when undecided."""
    rows = _profile(ink.image, rows=True)
    if not any(rows):
        return 0.0
    above = below = 0
    for run in _line_runs(rows):
        peak = max(run)
        core = [i for i, v in enumerate(run) if v >= peak * _CORE_SHARE]
        above += sum(run[: core[0]])
        below += sum(run[core[-1] + 1 :])
    return (above - below) / (above + below) if above + below else 0.0


def upright_turn(ink: InkMap) -> int | None:
    """Clockwise quarter turn that most likely makes a level page's text upright, or None when
    the page does not say (no clear text lines). Cheap (a few ms); a guess, to be checked."""
    by_rows = _variance(_profile(ink.image, True))
    by_cols = _variance(_profile(ink.image, False))
    if by_rows >= _AXIS_RATIO * by_cols:
        turn = 0
    elif by_cols >= _AXIS_RATIO * by_rows:
        turn = 90
    else:
        return None
    score = uprightness(ink.turned(turn))
    if abs(score) < _MIN_UPRIGHTNESS:
        return None
    return turn if score > 0 else (turn + 180) % 360


def turn_clockwise(image: Image.Image, degrees: int) -> Image.Image:
    """The image turned clockwise by 0, 90, 180 or 270 degrees (lossless)."""
    degrees %= 360
    return image if degrees == 0 else image.transpose(_CW_TRANSPOSE[degrees])


def _turn_point(x: int, y: int, width: int, height: int, degrees: int) -> tuple[int, int]:
    if degrees == 90:
        return height - y, x
    if degrees == 180:
        return width - x, height - y
    if degrees == 270:
        return y, width - x
    return x, y


_BBOX_RE = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")


def turn_hocr(hocr: str, size: tuple[int, int], degrees: int) -> str:
    """hOCR boxes of an image of `size`, moved onto the image turned clockwise by `degrees`.

    Only `bbox` is moved (what highlighting needs); baselines and text angles stay as read.
    """
    degrees %= 360
    if degrees == 0:
        return hocr
    width, height = size

    def move(m: re.Match[str]) -> str:
        x0, y0, x1, y1 = map(int, m.groups())
        a = _turn_point(x0, y0, width, height, degrees)
        b = _turn_point(x1, y1, width, height, degrees)
        return f"bbox {min(a[0], b[0])} {min(a[1], b[1])} {max(a[0], b[0])} {max(a[1], b[1])}"

    return _BBOX_RE.sub(move, hocr)
