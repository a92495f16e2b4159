"""Every degraded page upright. Blurred, speckled, turned pages at 200 dpi, as images
and as scanned PDFs, read by the real tesseract; and a wrong orientation guess (the cheap one)
overruled whenever the page reads badly."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from services.ocr import pageocr, tesseract
from services.ocr.extract import PageText, extract_pages
from tests.fixtures.documents import DEGRADED_KINDS, SAMPLE_STATE_PAGE, cer, page_of_kind

STATE_TEXT = "\n".join(SAMPLE_STATE_PAGE)
# The hardest of DEGRADED_KINDS (the benchmark reads them all): blur and speckle together at
# 200 dpi in every turn, as PNG and as scanned PDF, plus each alone upside down in a PDF.
HARD_KINDS = [
    k for k in DEGRADED_KINDS if k.startswith(("png-200-blur-speckle", "pdf-200-blur-speckle"))
]
HARD_KINDS += ["pdf-200-blur-turned-180", "pdf-200-speckle-turned-180"]


@pytest.fixture(scope="module")
def read_hard() -> dict[str, PageText]:
    def read(kind: str) -> PageText:
        data, media_type = page_of_kind(kind, SAMPLE_STATE_PAGE, seed=3)
        [page] = extract_pages(data, media_type, workers=1)
        return page

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(HARD_KINDS, pool.map(read, HARD_KINDS), strict=True))


@pytest.mark.parametrize("kind", HARD_KINDS)
def test_each_degraded_page_reads_upright_within_3_percent(read_hard, kind: str) -> None:
    page = read_hard[kind]
    assert page.rotation == DEGRADED_KINDS[kind]["rotate"]
    assert cer(STATE_TEXT, page.text) <= 0.03, page.text


def test_degraded_pages_read_within_1_percent_on_average(read_hard) -> None:
    cers = [cer(STATE_TEXT, page.text) for page in read_hard.values()]
    assert sum(cers) / len(cers) <= 0.01, cers


@pytest.fixture
def psm_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []
    real = tesseract.run_tesseract

    def counted(*args, **kwargs):
        runs.append(kwargs["psm"])
        return real(*args, **kwargs)

    monkeypatch.setattr(tesseract, "run_tesseract", counted)
    return runs


def _read_with_guess(monkeypatch: pytest.MonkeyPatch, kind: str, guess: int) -> PageText:
    monkeypatch.setattr(pageocr, "upright_turn", lambda ink: guess)
    data, media_type = page_of_kind(kind, SAMPLE_STATE_PAGE, seed=3)
    [page] = extract_pages(data, media_type, workers=1)
    return page


def test_a_wrong_guess_on_the_reported_page_is_overruled_by_the_180_turn(
    monkeypatch: pytest.MonkeyPatch, psm_runs: list[str]
) -> None:
    """The page of the issue: blurred, speckled, upside down, a 200 dpi scanned PDF. The guess
    says upright; the reading is gibberish, so the 180° turn is read and wins."""
    page = _read_with_guess(monkeypatch, "pdf-200-blur-speckle-turned-180", 0)
    assert page.rotation == 180
    assert cer(STATE_TEXT, page.text) <= 0.03, page.text
    assert psm_runs == [tesseract.PSM_FAST, tesseract.PSM_FAST]


def test_lines_read_sideways_send_the_page_to_orientation_detection(
    monkeypatch: pytest.MonkeyPatch, psm_runs: list[str]
) -> None:
    """A guess a quarter turn off: the lines run top to bottom, so tesseract's own orientation
    detection reads the page."""
    page = _read_with_guess(monkeypatch, "png-200-blur-speckle-turned-180", 90)
    assert page.rotation == 180
    assert cer(STATE_TEXT, page.text) <= 0.03, page.text
    assert psm_runs[-1] == tesseract.PSM_ORIENT
