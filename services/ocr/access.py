"""The access copy: one PDF/A-2b of the corrected page images with their invisible OCR text.

Each OCR'd page arrives as the one-page, text-only PDF tesseract wrote in the same run that read
it (no second recognition) and the page's scan in its own colour (services/ocr/scanimage.py),
drawn under the text; pages read from a PDF's own text layer are copied from the original. This
module merges them with pikepdf and adds what PDF/A-2b asks beyond that: XMP metadata naming
the part and conformance, an sRGB output intent, a document ID. The original is only read.

Framework-free.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import pikepdf
from PIL import ImageCms

from services.ocr.scanimage import EncodedImage


@dataclass(frozen=True)
class AccessPage:
    pdf: bytes | None  # tesseract's one-page PDF; None: take this page from the original PDF
    rotation: int = 0  # clockwise degrees to show the page upright
    original_index: int = 0  # 0-based page of the original PDF when `pdf` is None
    image: EncodedImage | None = None  # the scan under a text-only `pdf`, filling its page


@cache
def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _add_output_intent(pdf: pikepdf.Pdf) -> None:
    profile = pikepdf.Stream(pdf, _srgb_profile())
    profile.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,  # the PDF/A output intent subtype, for every part
        OutputConditionIdentifier=pikepdf.String("sRGB"),
        Info=pikepdf.String("sRGB IEC61966-2.1"),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def _add_pdfa_metadata(pdf: pikepdf.Pdf, title: str) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        meta["pdf:Producer"] = "luutru (Tesseract, pikepdf)"
        meta["xmp:CreatorTool"] = "luutru"
        meta["xmp:CreateDate"] = now
        meta["xmp:ModifyDate"] = now
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"


def _append(out: pikepdf.Pdf, page: AccessPage, sources: list[pikepdf.Pdf]) -> None:
    """Sources stay open until `out` is saved: qpdf reads copied streams lazily from them."""
    if page.pdf is None:
        if not sources:
            raise ValueError("a text-layer page needs the original PDF")
        out.pages.append(sources[0].pages[page.original_index])
        return
    one = pikepdf.open(io.BytesIO(page.pdf))
    sources.append(one)
    out.pages.append(one.pages[0])
    if page.image is not None:
        _draw_under(out, out.pages[-1], page.image)
    if page.rotation:
        out.pages[-1].obj.Rotate = page.rotation


def _image_xobject(pdf: pikepdf.Pdf, image: EncodedImage) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, image.data)
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height = image.width, image.height
    stream.ColorSpace = pikepdf.Name("/" + image.colour_space)
    stream.BitsPerComponent = image.bits
    stream.Filter = pikepdf.Name("/" + image.filter)
    if image.filter == "CCITTFaxDecode":  # G4, coded as TIFF writes it (scanimage._g4)
        stream.DecodeParms = pikepdf.Dictionary(
            K=-1, Columns=image.width, Rows=image.height, BlackIs1=True
        )
    return stream


def _draw_under(pdf: pikepdf.Pdf, page: pikepdf.Page, image: EncodedImage) -> None:
    """Draw `image` over the whole of `page`, beneath its content (the invisible text)."""
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    name = page.add_resource(_image_xobject(pdf, image), pikepdf.Name.XObject, prefix="Scan")
    drawing = f"q {x1 - x0:.4f} 0 0 {y1 - y0:.4f} {x0:.4f} {y0:.4f} cm {name} Do Q\n"
    page.contents_add(pikepdf.Stream(pdf, drawing.encode()), prepend=True)


def build_access_pdf(pages: list[AccessPage], title: str, original_pdf: bytes | None) -> bytes:
    """A PDF/A-2b of `pages` in order; `original_pdf` is read (never changed) for copied pages."""
    sources = [pikepdf.open(io.BytesIO(original_pdf))] if original_pdf else []
    try:
        with pikepdf.new() as out:
            for page in pages:
                _append(out, page, sources)
            _add_pdfa_metadata(out, title)
            _add_output_intent(out)
            buffer = io.BytesIO()
            out.save(buffer, min_version="1.7", fix_metadata_version=True)
            return buffer.getvalue()
    finally:
        for source in sources:
            source.close()
