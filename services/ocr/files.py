"""The files of a record that can be downloaded: the original (bit-exact, as ingested), the
PDF/A access copy made from its scanned pages, and a copy stamped "ĐẾN" (made on request from
either, neither changed: services/registers/stamp.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from services.common.errors import ErrorCode, NotFound, PermanentError
from services.common.ports import Catalog, ObjectStore
from services.ocr import artifacts as keys
from services.ocr.pageimage import hocr_image_size, render_page_image
from services.ocr.readable import DEFAULT_LIMITS, PIL_FORMATS, Limits, check_readable, reading_image
from services.registers import stamp

KINDS = ("original", "pdfa")


@dataclass(frozen=True)
class RecordFile:
    name: str
    media_type: str
    data: bytes
    # A stamped copy's: "blank" (the stamp is in blank space on page 1) or "top_left" (it is
    # over the header, where the page's number may be hidden), and then why (`stamp.Spot.miss`):
    # "no_blank_space" (a full page) or "not_rendered" (PDFium could not draw page 1 to look).
    placement: str | None = None
    placement_reason: str | None = None


def _access_name(file_name: str) -> str:
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return f"{stem or 'tai-lieu'}.pdfa.pdf"


def record_file(catalog: Catalog, store: ObjectStore, record_id: str, kind: str) -> RecordFile:
    """The original or the access copy; NotFound when the record has none (yet)."""
    row = catalog.row(record_id)
    if kind == "original":
        if not row["object_key"] or row["status"] in ("rejected", "disposed"):
            raise NotFound(f"Hồ sơ {record_id} không có tệp gốc / No original file")
        return RecordFile(row["file_name"], row["media_type"], store.get(row["object_key"]))
    if kind != "pdfa":
        raise NotFound(f"Không có loại tệp {kind!r} / No file kind {kind!r}")
    try:
        manifest = json.loads(store.get(keys.pages_manifest_key(record_id)))
    except NotFound:
        raise NotFound(f"Hồ sơ {record_id} chưa có bản PDF/A / No access copy yet") from None
    if not manifest.get("access_key"):
        raise NotFound(
            "Hồ sơ không có trang quét nên không có bản PDF/A; hãy tải tệp gốc"
            " / No scanned pages, so no access copy: download the original"
        )
    data = store.get(manifest["access_key"])
    return RecordFile(_access_name(row["file_name"]), "application/pdf", data)


def _stamp_source(catalog: Catalog, store: ObjectStore, record_id: str, limits: Limits) -> bytes:
    """The PDF to stamp: the access copy (every page, scans upright), else the original PDF (a
    text-layer document has no access copy), else the original image as a PDF at its size.
    An image is decoded only within the OCR's limits, checked from its headers first (this
    process runs with Pillow's own bomb check off: services/ocr/readable.py); any other type
    (a .txt) has no page to stamp. Both refusals are PermanentErrors, not a bare 500."""
    try:
        return record_file(catalog, store, record_id, "pdfa").data
    except NotFound:
        original = record_file(catalog, store, record_id, "original")
    if original.media_type == "application/pdf":
        return original.data
    if original.media_type not in PIL_FORMATS:
        raise PermanentError(
            "Tệp gốc không phải PDF hay ảnh quét, không có trang để đóng dấu ĐẾN / The original"
            " is neither a PDF nor a scan: it has no page to stamp",
            ErrorCode.UNSUPPORTED_TYPE,
        )
    check_readable(original.data, original.media_type, limits)  # too large, or damaged
    with reading_image():
        return stamp.image_as_pdf(original.data)


def stamped_file(
    catalog: Catalog,
    store: ObjectStore,
    record_id: str,
    fields: stamp.StampFields,
    limits: Limits = DEFAULT_LIMITS,
) -> RecordFile:
    """A new PDF of the record with the ĐẾN stamp on page 1 (in blank space if it has any);
    nothing stored is changed."""
    row = catalog.row(record_id)
    stamped = stamp.stamp_onto(_stamp_source(catalog, store, record_id, limits), fields)
    stem = row["file_name"].rsplit(".", 1)[0] if "." in row["file_name"] else row["file_name"]
    placement = "blank" if stamped.spot.blank else "top_left"
    name = f"{stem or 'tai-lieu'}.dau-den.pdf"
    return RecordFile(name, "application/pdf", stamped.data, placement, stamped.spot.miss)


def page_image(catalog: Catalog, store: ObjectStore, record_id: str, n: int) -> bytes:
    """The corrected PNG of a scanned page (upright and level, as read), drawn from the access
    copy on its first view; NotFound for a page that has none (read from a PDF's text layer) or
    a record without pages."""
    row = catalog.row(record_id)
    if row["status"] in ("rejected", "disposed"):
        raise NotFound(f"Hồ sơ {record_id} không có ảnh trang / No page images")
    try:
        manifest = json.loads(store.get(keys.pages_manifest_key(record_id)))
    except NotFound:
        raise NotFound(f"Hồ sơ {record_id} chưa có ảnh trang / No page images yet") from None
    page = next((p for p in manifest["pages"] if p["n"] == n), None)
    if page is None or not page.get("image_key"):
        raise NotFound(f"Trang {n} không có ảnh quét / Page {n} has no scanned image")
    try:
        return store.get(page["image_key"])
    except NotFound:
        pass  # not viewed yet: drawn from the access copy now, and kept
    size = hocr_image_size(store.get(page["hocr_key"]).decode())
    png = render_page_image(store.get(manifest["access_key"]), n - 1, size)
    store.put(page["image_key"], png)
    return png
