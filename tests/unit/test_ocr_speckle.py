"""Dust is measured between the text lines: every clean page kind stays far under the bound,
a dusty page far over it."""

import io

import pytest
from PIL import Image

from services.ocr.geometry import InkMap
from services.ocr.speckle import DUSTY_SPECKS_PER_SQ_INCH, is_dusty, specks_per_square_inch
from tests.fixtures.documents import PAGE_KINDS, SAMPLE_STATE_PAGE, scan_page

CLEAN_KINDS = [kind for kind, options in PAGE_KINDS.items() if not options.get("speckle")]


def _page(**options) -> InkMap:
    """The ink map of an upright page (turned kinds are turned back, as pageocr does)."""
    options = {k: v for k, v in options.items() if k not in ("pdf", "rotate")}
    return InkMap.of(Image.open(io.BytesIO(scan_page(SAMPLE_STATE_PAGE, **options))))


@pytest.mark.parametrize("kind", CLEAN_KINDS)
def test_clean_pages_are_not_dusty(kind: str) -> None:
    options = PAGE_KINDS[kind]
    density = specks_per_square_inch(_page(**options), options.get("dpi"))
    assert density < DUSTY_SPECKS_PER_SQ_INCH / 2


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_dusty_page_is_dusty(dpi: int) -> None:
    assert is_dusty(_page(dpi=dpi, speckle=20), dpi)


def test_more_dust_measures_more() -> None:
    densities = [specks_per_square_inch(_page(dpi=300, speckle=n), 300) for n in (2, 10, 20)]
    assert densities == sorted(densities) and densities[-1] > 2 * DUSTY_SPECKS_PER_SQ_INCH


def test_a_blank_page_has_no_dust() -> None:
    assert specks_per_square_inch(InkMap.of(Image.new("L", (1700, 2200), 255)), None) == 0.0
