"""Page geometry: the skew of a scan, found by projection profile, and quarter turns of the page
image and its hOCR boxes.

Framework-free, Pillow only (no numpy): a profile is the image squeezed to one pixel wide with a
box filter, i.e. the mean ink of each row. Text lines at the right angle give the sharpest
profile (ink rows and white gaps alternate), so the angle with the largest variance wins.
"""

from __future__ import annotations

import re

from PIL import Image, ImageStat

MAX_SKEW_DEG = 5.0
# Below this the page is left alone: resampling costs time and blurs strokes for no gain.
MIN_SKEW_DEG = 0.3
# The profile is computed on a copy about this wide: enough for 0.1° steps on an A4 page.
_PROFILE_WIDTH = 700
_INK_THRESHOLD = 160

_CW_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,  # Pillow turns counter-clockwise
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def _ink(image: Image.Image) -> Image.Image:
    """A small copy with ink white (255) on black, so rotating in black adds no ink."""
    factor = max(1, max(image.size) // _PROFILE_WIDTH)
    small = image.convert("L").reduce(factor)  # integer box reduction: the fastest resize
    return small.point(lambda v: 255 if v < _INK_THRESHOLD else 0)


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
    angle = _best(ink, [float(i) for i in range(-int(max_deg), int(max_deg) + 1)])
    for step in (0.5, 0.25, 0.1):  # coarse to fine around the best so far
        angle = _best(ink, [round(angle + k * step, 2) for k in (-1, 0, 1)])
    return angle


def deskew(image: Image.Image, max_deg: float = MAX_SKEW_DEG) -> tuple[Image.Image, float]:
    """The page turned level (white fill), and the angle applied; small skews are left."""
    angle = skew_angle(image, max_deg)
    if abs(angle) < MIN_SKEW_DEG:
        return image, 0.0
    gray = image.convert("L")
    return gray.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255), angle


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
