"""Page geometry: the skew of a page is measured to a tenth of a degree either way, turned
pages are measured too, and hOCR boxes follow a quarter turn of their image."""

import io

import pytest
from PIL import Image

from services.ocr.geometry import (
    MIN_SKEW_DEG,
    InkMap,
    deskew,
    skew_angle,
    turn_clockwise,
    turn_hocr,
    upright_turn,
    uprightness,
)
from tests.fixtures.documents import SAMPLE_PARTY_PAGE, SAMPLE_STATE_PAGE, render_page


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return Image.open(io.BytesIO(render_page(SAMPLE_STATE_PAGE, dpi=150))).convert("L")


@pytest.mark.parametrize("angle", [-4.2, -1.5, 0.0, 0.8, 2.5, 3.3])
def test_skew_is_measured_within_a_quarter_degree(page: Image.Image, angle: float) -> None:
    skewed = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert skew_angle(skewed) == pytest.approx(-angle, abs=0.25)


def test_a_turned_page_still_has_its_skew_measured(page: Image.Image) -> None:
    turned = page.transpose(Image.Transpose.ROTATE_90).rotate(2, fillcolor=255)
    assert skew_angle(turned) == pytest.approx(-2, abs=0.25)


def test_a_level_page_is_not_resampled(page: Image.Image) -> None:
    image, angle = deskew(page)
    assert image is page and angle == 0.0


def test_deskew_levels_the_page(page: Image.Image) -> None:
    levelled, angle = deskew(page.rotate(3, resample=Image.Resampling.BICUBIC, fillcolor=255))
    assert abs(angle) >= MIN_SKEW_DEG
    assert abs(skew_angle(levelled)) <= 0.25


def test_blank_page_has_no_skew() -> None:
    assert skew_angle(Image.new("L", (800, 1100), 255)) == 0.0


@pytest.mark.parametrize(
    ("degrees", "expected"),
    [(0, "bbox 10 20 30 40"), (90, "bbox 160 10 180 30"), (180, "bbox 70 160 90 180"),
     (270, "bbox 20 70 40 90")],
)  # fmt: skip
def test_hocr_boxes_follow_a_clockwise_turn(degrees: int, expected: str) -> None:
    hocr = "<span class='ocrx_word' title='bbox 10 20 30 40; x_wconf 95'>Số</span>"
    moved = turn_hocr(hocr, (100, 200), degrees)
    assert expected in moved and "x_wconf 95" in moved
    # The box marks the same pixels once the image is turned the same way.
    image = Image.new("L", (100, 200), 255)
    image.paste(0, (10, 20, 30, 40))
    x0, y0, x1, y1 = map(int, expected.split()[1:])
    assert turn_clockwise(image, degrees).crop((x0, y0, x1, y1)).getextrema() == (0, 0)


@pytest.mark.parametrize("lines", [SAMPLE_STATE_PAGE, SAMPLE_PARTY_PAGE], ids=["state", "party"])
@pytest.mark.parametrize("dpi", [150, 300])
@pytest.mark.parametrize("turned", [0, 90, 180, 270])
def test_the_turn_that_makes_a_page_upright_is_guessed(lines, dpi: int, turned: int) -> None:
    page = Image.open(io.BytesIO(render_page(lines, dpi=dpi)))
    assert upright_turn(InkMap.of(turn_clockwise(page, turned))) == (360 - turned) % 360


def test_marks_above_the_letters_tell_up_from_down(page: Image.Image) -> None:
    assert uprightness(InkMap.of(page)) > 0.3
    assert uprightness(InkMap.of(turn_clockwise(page, 180))) < -0.3


def test_a_page_without_text_lines_gets_no_guess() -> None:
    assert upright_turn(InkMap.of(Image.new("L", (1240, 1754), 255))) is None
    checkerboard = Image.new("L", (8, 8), 255)
    checkerboard.paste(0, (0, 0, 4, 4))
    checkerboard.paste(0, (4, 4, 8, 8))
    assert upright_turn(InkMap.of(checkerboard.resize((800, 800)))) is None
