"""The access copy keeps the scan's colour (red seal, blue signature) at its own
resolution of 200 dpi or more, while tesseract reads a grey copy; pages of black text alone are
stored as 1-bit G4 images, a tenth of the bytes."""

from __future__ import annotations

import io

import pikepdf
import pypdfium2 as pdfium
import pytest

from services.ocr import tesseract
from services.ocr.access import AccessPage, build_access_pdf
from services.ocr.extract import PageText, extract_pages
from services.ocr.pageocr import PageArtifacts
from tests.fixtures.documents import (
    SAMPLE_PARTY_PAGE,
    cer,
    colour_scan_page,
    page_of_kind,
    scanned_pdf,
)

PARTY_TEXT = "\n".join(SAMPLE_PARTY_PAGE)
COLOUR_SCAN = colour_scan_page(SAMPLE_PARTY_PAGE, dpi=200)
INPUTS = {
    "jpeg": (COLOUR_SCAN, "image/jpeg"),
    "pdf": (scanned_pdf([COLOUR_SCAN], dpi=200), "application/pdf"),
}


def _read(data: bytes, media_type: str) -> tuple[PageText, PageArtifacts, bytes]:
    pages: dict[int, PageArtifacts] = {}
    [page] = extract_pages(data, media_type, workers=1, sink=lambda a: pages.setdefault(a.n, a))
    art = pages[1]
    access = build_access_pdf([AccessPage(art.pdf, art.pdf_rotation, image=art.scan)], "t", None)
    return page, art, access


@pytest.fixture(scope="module", params=list(INPUTS))
def colour_page(request) -> tuple[PageText, PageArtifacts, bytes]:
    return _read(*INPUTS[request.param])


def _only_image(access: bytes) -> tuple[pikepdf.Object, float]:
    """The page's one image and the page's width in inches."""
    with pikepdf.open(io.BytesIO(access)) as pdf:
        page = pdf.pages[0]
        [image] = list(page.images.values())
        width = float(page.mediabox[2] - page.mediabox[0]) / 72
        return {k: image.get(k) for k in ("/ColorSpace", "/Filter", "/Width")}, width


def test_the_text_is_read_from_a_colour_scan(colour_page) -> None:
    page, _, access = colour_page
    assert cer(PARTY_TEXT, page.text) <= 0.02, page.text
    layer = pdfium.PdfDocument(access)[0].get_textpage().get_text_bounded()
    assert cer(PARTY_TEXT, layer) <= 0.05


def test_the_access_copy_keeps_the_colour_at_200_dpi(colour_page) -> None:
    _, _, access = colour_page
    image, inches = _only_image(access)
    assert (image["/ColorSpace"], image["/Filter"]) == ("/DeviceRGB", "/DCTDecode")
    assert int(image["/Width"]) / inches >= 199.5
    shown = pdfium.PdfDocument(access)[0].render(scale=100 / 72).to_pil().convert("RGB")
    pixels = list(zip(*(iter(shown.tobytes()),) * 3, strict=True))
    red = sum(1 for r, g, b in pixels if r > 150 and g < 90 and b < 90)
    blue = sum(1 for r, g, b in pixels if b - max(r, g) > 40)
    assert red > 1000 and blue > 20  # the seal and the signature, in their colours


def test_tesseract_reads_a_grey_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[str] = []
    real = tesseract.run_tesseract

    def spy(image, *args, **kwargs):
        modes.append(image.mode)
        return real(image, *args, **kwargs)

    monkeypatch.setattr(tesseract, "run_tesseract", spy)
    extract_pages(COLOUR_SCAN, "image/jpeg", workers=1)
    assert modes and set(modes) <= {"L", "1"}


def test_a_page_of_black_text_is_a_small_1_bit_image() -> None:
    page, art, access = _read(*page_of_kind("turned-90", SAMPLE_PARTY_PAGE))
    assert cer(PARTY_TEXT, page.text) <= 0.02
    image, _ = _only_image(access)
    assert (image["/ColorSpace"], image["/Filter"]) == ("/DeviceGray", "/CCITTFaxDecode")
    assert len(art.scan.data) < 40_000  # A4 at 300 dpi
    shown = pdfium.PdfDocument(access)[0].render(scale=100 / 72, grayscale=True).to_pil()
    assert shown.height > shown.width  # shown upright
    assert shown.getpixel((5, 5)) == 255 and shown.histogram()[0] > 1000  # black on white
