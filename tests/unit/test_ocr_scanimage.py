"""How the access copy's page image is chosen: colour kept, black text as 1-bit, grey as JPEG."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from services.ocr.scanimage import encode_for_access, is_coloured


def _page(mode: str = "RGB") -> Image.Image:
    page = Image.new(mode, (400, 560), "white")
    ImageDraw.Draw(page).rectangle((40, 40, 360, 60), fill="black")
    return page


def _jpeg_round_trip(image: Image.Image) -> Image.Image:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    return Image.open(io.BytesIO(out.getvalue()))


def test_a_grey_page_saved_in_rgb_is_not_coloured() -> None:
    assert not is_coloured(_jpeg_round_trip(_page()))


def test_a_red_seal_makes_a_page_coloured() -> None:
    page = _page()
    ImageDraw.Draw(page).ellipse((250, 400, 330, 480), outline=(200, 30, 40), width=4)
    assert is_coloured(_jpeg_round_trip(page))
    assert encode_for_access(page, 200).colour_space == "DeviceRGB"


def test_black_text_is_g4_and_a_grey_picture_is_grey_jpeg() -> None:
    assert encode_for_access(_page("L"), 200).filter == "CCITTFaxDecode"
    photo = Image.linear_gradient("L").resize((400, 560))
    encoded = encode_for_access(photo, 200)
    assert (encoded.filter, encoded.colour_space) == ("DCTDecode", "DeviceGray")


def test_scans_finer_than_300_dpi_are_kept_at_300() -> None:
    assert encode_for_access(_page("L").resize((800, 1120)), 600).width == 400
