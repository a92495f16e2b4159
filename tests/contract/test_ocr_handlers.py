"""The ocr stage on a real store and catalog (filesystem, SQLite) with the real tesseract: what
it stores for later views (corrected page images, hOCR, raw and repaired text, the PDF/A access
copy), the pages it flags for review, the files it hands out, and a redelivery that redoes
nothing."""

from __future__ import annotations

import hashlib
import io
import json

import pikepdf
import pytest
from PIL import Image

from services.common import events
from services.common.catalog import SqlCatalog
from services.common.errors import NotFound
from services.common.objects import FilesystemObjectStore, original_key
from services.ingest.records import read_text
from services.ocr import tesseract
from services.ocr.extract import Limits
from services.ocr.files import page_image, record_file
from services.ocr.handlers import extract_text
from services.ocr.review import review_list
from tests.fixtures.documents import (
    SAMPLE_PARTY_PAGE,
    SAMPLE_STATE_PAGE,
    born_digital_pdf,
    render_page,
    scan_page,
)

FAST = Limits(dpi=200)
# A header whose symbol is printed with the usual confusion (D for Đ) already in it.
CONFUSED_HEADER = [*SAMPLE_STATE_PAGE[:4], "Số: 15/QD-UBND", *SAMPLE_STATE_PAGE[5:]]


@pytest.fixture
def stage(tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    store = FilesystemObjectStore(tmp_path / "objects")
    yield catalog, store
    catalog.engine.dispose()


def ingested(catalog, store, name: str, data: bytes, media_type: str) -> dict:
    sha = hashlib.sha256(data).hexdigest()
    store.put(original_key(sha), data)
    record, _ = catalog.register_new(
        register="den", file_name=name, sha256=sha, size=len(data), media_type=media_type,
        object_key=original_key(sha), source="api",
    )  # fmt: skip
    return events.new_event(
        events.RECORD_INGESTED, record["id"], sha256=sha, object_key=original_key(sha),
        media_type=media_type, register="den", size=len(data),
    )  # fmt: skip


def manifest(store, record_id: str) -> dict:
    return json.loads(store.get(f"text/{record_id}/pages.json"))


def test_a_scan_leaves_its_page_image_hocr_raw_text_and_access_copy(stage) -> None:
    catalog, store = stage
    data = scan_page(CONFUSED_HEADER, dpi=200, rotate=90, skew=2.0)
    event = ingested(catalog, store, "quyết định 15.png", data, "image/png")
    rid = event["record_id"]
    kind, sent = extract_text(event, catalog, store, workers=2, limits=FAST)
    assert kind == events.RECORD_TEXT_EXTRACTED and sent["pages"] == 1
    [page] = manifest(store, rid)["pages"]
    assert (page["source"], page["rotation"]) == ("ocr", 90)
    assert page["skew"] == pytest.approx(-2.0, abs=0.25)
    with pytest.raises(NotFound):  # not drawn on the OCR's critical path
        store.get(f"pages/{rid}/page-0001.png")
    image = Image.open(io.BytesIO(page_image(catalog, store, rid, 1)))
    assert image.height > image.width  # drawn upright on first view
    assert store.get(f"pages/{rid}/page-0001.png")  # and kept
    assert "ocrx_word" in store.get(f"hocr/{rid}/page-0001.hocr").decode()
    text = store.get(f"text/{rid}/page-0001.txt").decode()
    raw = store.get(page["raw_key"]).decode()
    assert "Số: 15/QĐ-UBND" in text and "Số: 15/QĐ-UBND" not in raw
    assert page["repairs"][0]["after"] == "15/QĐ-UBND"
    access = store.get(manifest(store, rid)["access_key"])
    with pikepdf.open(io.BytesIO(access)) as pdf:
        assert len(pdf.pages) == 1 and pdf.open_metadata()["pdfaid:part"] == "2"
    assert store.get(event["object_key"]) == data  # the original is untouched
    stored = catalog.row(rid)["page_info"]
    assert stored[0]["confidence"] == page["confidence"] > 80


def test_a_redelivered_event_redoes_nothing(stage, monkeypatch) -> None:
    catalog, store = stage
    event = ingested(catalog, store, "a.png", render_page(SAMPLE_PARTY_PAGE, dpi=150), "image/png")
    first = extract_text(event, catalog, store, workers=1, limits=FAST)

    def forbidden(*args, **kwargs):
        raise AssertionError("a redelivery must not OCR again")

    monkeypatch.setattr(tesseract, "run_tesseract", forbidden)
    again = extract_text(event, catalog, store, workers=1, limits=FAST)
    assert again[1]["text_keys"] == first[1]["text_keys"]


def test_pages_under_the_threshold_are_flagged_and_listed(stage) -> None:
    catalog, store = stage
    event = ingested(catalog, store, "mờ.png", render_page(SAMPLE_PARTY_PAGE, dpi=150), "image/png")
    extract_text(event, catalog, store, workers=1, limits=FAST, review_below=99.5)
    [page] = manifest(store, event["record_id"])["pages"]
    assert page["review"] is True and page["confidence"] < 99.5
    [listed] = review_list(catalog, below=99.5)
    assert listed["id"] == event["record_id"] and listed["file"] == "mờ.png"
    assert listed["pages"] == [{"n": 1, "confidence": page["confidence"]}]
    assert review_list(catalog, below=10) == []  # the threshold decides, not the stored flag


def test_the_text_api_flags_a_page_under_the_threshold_in_force(stage) -> None:
    """`read_text` (GET /api/records/{id}/text, `luutru text`) on the pages OCR stored: the
    page is flagged exactly when its confidence is under the threshold given now."""
    catalog, store = stage
    event = ingested(catalog, store, "nq.png", render_page(SAMPLE_PARTY_PAGE, dpi=150), "image/png")
    extract_text(event, catalog, store, workers=1, limits=FAST)  # stored with the default, 70
    rid = event["record_id"]
    confidence = manifest(store, rid)["pages"][0]["confidence"]
    just_above = read_text(catalog, store, rid, review_below=confidence + 0.01)
    assert just_above["review_below"] == confidence + 0.01
    [page] = just_above["pages"]
    assert (page["review"], page["confidence"], page["source"]) == (True, confidence, "ocr")
    [at] = read_text(catalog, store, rid, review_below=confidence)["pages"]
    assert at["review"] is False  # "under", as `luutru review list`
    assert [p["n"] for p in read_text(catalog, store, rid, 1, review_below=70)["pages"]] == [1]


def test_a_text_layer_page_is_never_flagged(stage) -> None:
    catalog, store = stage
    event = ingested(catalog, store, "qd.pdf", born_digital_pdf([SAMPLE_STATE_PAGE]),
                     "application/pdf")  # fmt: skip
    extract_text(event, catalog, store, workers=1, limits=FAST)
    [page] = read_text(catalog, store, event["record_id"], review_below=100)["pages"]
    assert (page["source"], page["confidence"], page["review"]) == ("text_layer", None, False)


def test_a_born_digital_pdf_has_no_access_copy_but_its_original_downloads(stage) -> None:
    catalog, store = stage
    data = born_digital_pdf([SAMPLE_STATE_PAGE])
    event = ingested(catalog, store, "qd.pdf", data, "application/pdf")
    extract_text(event, catalog, store, workers=1, limits=FAST)
    assert record_file(catalog, store, event["record_id"], "original").data == data
    with pytest.raises(NotFound, match="PDF/A"):
        record_file(catalog, store, event["record_id"], "pdfa")
    assert review_list(catalog, below=100) == []  # text-layer pages have no confidence


def test_the_access_copy_downloads_under_a_pdf_name(stage) -> None:
    catalog, store = stage
    event = ingested(catalog, store, "công văn.tiff", scan_page(SAMPLE_STATE_PAGE[:6], dpi=150,
                     fmt="TIFF"), "image/tiff")  # fmt: skip
    extract_text(event, catalog, store, workers=1, limits=FAST)
    found = record_file(catalog, store, event["record_id"], "pdfa")
    assert (found.name, found.media_type) == ("công văn.pdfa.pdf", "application/pdf")
    assert found.data.startswith(b"%PDF-1.7")
