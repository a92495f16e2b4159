"""The page image of the access copy: the scan's own colour where it has any (red seals,
secrecy stamps, blue signatures), in few bytes where it has none.

Framework-free, Pillow only. NĐ 30/2020 Phụ lục I, Phần II.I.2–3 asks digitised copies in colour
at 200 dpi or more (as summarised in secondary sources; their "≥ 24-bit colour
depth" comes from a third-party summary not checked against the official text). A page with
colour is therefore kept as a 24-bit JPEG at its own resolution (at most MAX_DPI); a page of
black ink on white alone carries nothing a 1-bit CCITT G4 image loses, at a tenth of the bytes;
other grey pages (photographs, pencil) are an 8-bit grey JPEG. The OCR reads a grey copy either
way (pageocr.grayscale).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops, TiffImagePlugin

# A pixel is coloured when its channels differ by this much (JPEG noise on grey scans stays
# under 20); a page is coloured when this share of its pixels are (a seal of 35 mm on an A4
# page is about 1.5 %).
_CHROMA_MIN = 48
COLOURED_SHARE = 0.001
# A grey page is pure text (black on white) when fewer than this share of its pixels are mid
# tones: 0.5–2.3 % on the clean, blurred and speckled test pages, most of a photograph.
TEXT_MAX_MIDTONES = 0.05
_MIDTONES = range(40, 216)
_SURVEY_REDUCE = 4  # colour and tones are measured on a quarter-size copy
MAX_DPI = 300
JPEG_QUALITY = 75
_TIFF_ROWS_PER_STRIP = 278
_TIFF_STRIP_OFFSETS, _TIFF_STRIP_BYTES = 273, 279


@dataclass(frozen=True)
class EncodedImage:
    """An image ready for a PDF image XObject."""

    data: bytes
    filter: str  # "DCTDecode" or "CCITTFaxDecode"
    colour_space: str  # "DeviceRGB" or "DeviceGray"
    bits: int
    width: int
    height: int


def is_coloured(image: Image.Image) -> bool:
    """True when some of the page's pixels have a clear colour (not grey)."""
    if image.mode not in ("RGB", "RGBA", "P", "CMYK", "YCbCr"):
        return False
    r, g, b = image.convert("RGB").reduce(_SURVEY_REDUCE).split()
    chroma = ImageChops.subtract(
        ImageChops.lighter(ImageChops.lighter(r, g), b),
        ImageChops.darker(ImageChops.darker(r, g), b),
    )
    histogram = chroma.histogram()
    return sum(histogram[_CHROMA_MIN:]) > COLOURED_SHARE * sum(histogram)


def _is_pure_text(gray: Image.Image) -> bool:
    histogram = gray.reduce(_SURVEY_REDUCE).histogram()
    return sum(histogram[i] for i in _MIDTONES) < TEXT_MAX_MIDTONES * sum(histogram)


def _jpeg(image: Image.Image, colour_space: str) -> EncodedImage:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return EncodedImage(out.getvalue(), "DCTDecode", colour_space, 8, *image.size)


def _g4(gray: Image.Image) -> EncodedImage:
    """One CCITT G4 strip, as a TIFF writer encodes it (black where the page is darker than
    mid-grey); PDF reads it with /K -1 and /BlackIs1 true (TIFF's WhiteIsZero)."""
    bilevel = gray if gray.mode == "1" else gray.convert("1", dither=Image.Dither.NONE)
    out = io.BytesIO()
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[_TIFF_ROWS_PER_STRIP] = bilevel.height  # one strip: the whole page in one G4 stream
    bilevel.save(out, "TIFF", compression="group4", tiffinfo=info)
    with Image.open(out) as tiff:
        offset = tiff.tag_v2[_TIFF_STRIP_OFFSETS]
        length = tiff.tag_v2[_TIFF_STRIP_BYTES]
    start, size = int(offset[0]), int(length[0])
    data = out.getvalue()[start : start + size]
    return EncodedImage(data, "CCITTFaxDecode", "DeviceGray", 1, *bilevel.size)


def encode_for_access(image: Image.Image, dpi: int | None) -> EncodedImage:
    """`image` (upright and level as read) encoded for the access copy."""
    if dpi and dpi > MAX_DPI:
        image = image.convert("L") if image.mode == "1" else image  # "1" resizes nearest only
        scale = MAX_DPI / dpi
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.BILINEAR)
    if is_coloured(image):
        return _jpeg(image.convert("RGB"), "DeviceRGB")
    gray = image if image.mode in ("1", "L") else image.convert("L")
    if gray.mode == "1" or _is_pure_text(gray):
        return _g4(gray)
    return _jpeg(gray, "DeviceGray")
