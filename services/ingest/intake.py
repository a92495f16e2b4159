"""Accepting a file: real type by content, a safe NFC name, size limit, readable within the
limits (services/ocr/readable.py: the ocr stage's own checks and messages), store, register.

Framework-free: the nameko service, the hot folder and the tests all call `ingest_file`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

import filetype

from services.common import events
from services.common.catalog_tables import SECRET_BOOK, SECRET_BOOK_REGISTERS
from services.common.clock import today
from services.common.errors import ErrorCode, PermanentError
from services.common.objects import original_key
from services.common.ports import Catalog, ObjectStore
from services.common.secrecy import KNOWN, above_ceiling, ceiling_reason, secrecy_code, urgency_code
from services.common.vocabulary import REGISTER_BOOKS
from services.ingest import lanes, plaintext
from services.ocr.readable import DEFAULT_LIMITS, Limits, check_readable
from services.registers import numbering
from services.registers.series import OUTGOING_KINDS, NumberRequest, NumberSeries

REGISTERS = REGISTER_BOOKS
# Types recognised by their signature; plain text (no signature) is judged apart.
ACCEPTED_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/tiff"}
ACCEPTED_NAMES = "PDF, PNG, JPEG, TIFF, TXT"
MAX_NAME_CHARS = 200
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f<>:\"|?*]")


@dataclass
class IngestResult:
    record: dict[str, Any]
    duplicate: bool = False
    event: dict[str, Any] | None = None  # `record.ingested` payload to dispatch, if any
    event_type: str = lanes.SCAN_LANE  # the lane to send it on (services/ingest/lanes.py)
    # A refused file's error code, so that the API's 400 carries the stable `code` every error
    # answer has (README, "HTTP API"); None when the file was accepted.
    code: str | None = None

    def summary(self) -> dict[str, Any]:
        record = self.record
        return {
            "id": record["id"],
            "status": record["status"],
            "file": record["file"],
            "register": record["register"],
            "number": record["number"],
            "book": record.get("book"),
            "symbol": (record.get("metadata") or {}).get("number_symbol"),
            "duplicate": self.duplicate,
            "error": record["error"],
            "code": self.code,
        }


def clean_file_name(name: str) -> str:
    """NFC, no directory parts (`../`, `C:\\`), no control characters, bounded length."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip(" .")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = (stem if keep else name)[: MAX_NAME_CHARS - len(keep) - 1].rstrip() + (
            f".{keep}" if keep else ""
        )
    return name or "tai-lieu"


def check_register(register: str) -> str:
    if register not in REGISTERS:
        raise PermanentError(
            f"Sổ đăng ký không hợp lệ: {register!r} (chọn {', '.join(REGISTERS)}) / "
            f"Unknown register",
            ErrorCode.BAD_REQUEST,
        )
    return register


def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in OUTGOING_KINDS:
        raise PermanentError(
            f"Loại văn bản không hợp lệ: {kind!r} (ví dụ nghi_quyet, quyet_dinh, cong_van) / "
            "Unknown document kind",
            ErrorCode.BAD_REQUEST,
        )


def check_ceiling(secrecy: str | None, ceiling: int) -> None:
    """Luật Bảo vệ bí mật nhà nước 117/2025/QH15 keeps state secrets off networked machines
    (its article could not be read here); an installation holds at most its ceiling
    (LUUTRU_SECRECY_CEILING)."""
    if above_ceiling(secrecy, ceiling):
        raise PermanentError(ceiling_reason(secrecy, ceiling), ErrorCode.BAD_REQUEST)


def detect_media_type(data: bytes, max_bytes: int, file_name: str = "") -> str:
    """The real type from the content; the extension is never trusted. Plain text, which has
    no signature, is taken only under a `.txt` name and only when its bytes read as text."""
    if not data:
        raise PermanentError("Tệp rỗng (0 byte) / Empty file", ErrorCode.EMPTY_FILE)
    if len(data) > max_bytes:
        raise PermanentError(
            f"Tệp quá lớn: {len(data) / 2**20:.1f} MB, giới hạn {max_bytes / 2**20:.0f} MB / "
            "File too large",
            ErrorCode.TOO_LARGE,
        )
    kind = filetype.guess(data)
    media_type = kind.mime if kind else None
    if media_type in ACCEPTED_TYPES:
        return media_type
    if plaintext.has_text_name(file_name):
        if media_type is not None and not plaintext.is_plain_text(data):
            raise _unsupported(media_type, " dù tên tệp có đuôi .txt", " although named .txt")
        plaintext.check_plain_text(data)
        return plaintext.MEDIA_TYPE
    if media_type is None and plaintext.is_plain_text(data):
        raise PermanentError(
            "Tệp này là văn bản thuần: chỉ nhận văn bản thuần khi tên tệp có đuôi .txt"
            " / This file is plain text: plain text is accepted only under a .txt name",
            ErrorCode.UNSUPPORTED_TYPE,
        )
    raise _unsupported(media_type or "không rõ / unknown")


def _unsupported(found: str, vi_more: str = "", en_more: str = "") -> PermanentError:
    return PermanentError(
        f"Không nhận loại tệp này ({found}){vi_more}; chỉ nhận {ACCEPTED_NAMES} / "
        f"Unsupported file type{en_more}",
        ErrorCode.UNSUPPORTED_TYPE,
    )


@dataclass(frozen=True)
class Declared:
    """What the clerk declares at intake: độ mật and độ khẩn (None: not declared). A declared
    secrecy makes the record's level known at once; the classifier may raise it, never lower
    it (Luật Bảo vệ bí mật nhà nước: the level is set by the person who issues the document,
    and only a competent person adjusts it)."""

    secrecy: str | None = None
    urgency: str | None = None
    secrecy_declared: bool = False  # "thường" declared on purpose also makes the level known

    @classmethod
    def parse(cls, secrecy: str | None = None, urgency: str | None = None) -> Declared:
        """Checked values; PermanentError naming the bad one."""
        return cls(secrecy_code(secrecy), urgency_code(urgency), secrecy is not None)

    def metadata(self) -> dict[str, Any]:
        """The metadata to write at intake (nothing when nothing was declared)."""
        meta: dict[str, Any] = {"urgency": self.urgency} if self.urgency else {}
        if self.secrecy_declared:
            meta |= {"secrecy": self.secrecy, KNOWN: True, "secrecy_declared": self.secrecy}
        return meta


def book_of(register: str, declared: Declared) -> str | None:
    """The book a document is registered in, chosen as the văn thư registers it: declared
    secret at intake, the register's book of secret documents (NĐ 30/2020 Điều 16.3, 22.4),
    numbered on its own; otherwise the ordinary book (docs/registers.md, "Register books")."""
    return SECRET_BOOK if register in SECRET_BOOK_REGISTERS and declared.secrecy else None


def ingest_file(
    catalog: Catalog,
    store: ObjectStore,
    *,
    data: bytes,
    file_name: str,
    register: str,
    source: str,
    max_bytes: int,
    kind: str | None = None,
    secret: bool = False,
    series: NumberSeries | None = None,
    declared: Declared | None = None,
    ceiling: int = 3,
    numbered: dict[str, str | None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> IngestResult:
    """Store and register one file, or record why it was refused. Never raises for bad input.

    A declared secrecy above the installation's `ceiling` is refused here, before anything is
    stored or read. An outgoing document (`di`) whose kind the clerk gives at upload gets its
    số from its series at once (`numbered`: its issuer, drafting unit or copy form); otherwise
    a clerk issues it later (`luutru numbers issue`).

    A file the ocr stage could never read is refused here with the reason it would give, so
    the clerk learns it at upload (and the hot folder puts it in `rejected/`): a PDF that does
    not open, needs a password or has no pages, more pages than `limits.max_pages`, a page or
    image over `limits.max_pixels` (services/ocr/readable.py; headers only, nothing rendered).
    """
    declared = declared or Declared()
    if secret and declared.secrecy is None:  # the old "secret" switch: at least Mật
        declared = replace(declared, secrecy="mat", secrecy_declared=True)
    name = clean_file_name(file_name)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        check_register(register)
        check_kind(kind)
        check_ceiling(declared.secrecy, ceiling)
        media_type = detect_media_type(data, max_bytes, name)
        check_readable(data, media_type, limits)
    except PermanentError as exc:
        record = catalog.register_rejected(
            register=register,
            file_name=name,
            sha256=sha256,
            size=len(data),
            source=source,
            reason=exc.message,
            meta=declared.metadata(),
        )
        return IngestResult(record, code=str(exc.code))
    key = original_key(sha256)
    if not store.exists(key):
        store.put(key, data)
    record, duplicate = catalog.register_new(
        register=register,
        file_name=name,
        sha256=sha256,
        size=len(data),
        media_type=media_type,
        object_key=key,
        source=source,
        book=book_of(register, declared),
    )
    if not duplicate and declared.metadata():
        catalog.update_metadata(record["id"], "ingest", declared.metadata(), "declared_at_intake")
        record = catalog.get(record["id"])
    secret = secret or declared.secrecy is not None
    if register == "di" and kind and series is not None and record["status"] != "rejected":
        request = NumberRequest(kind, secret, **(numbered or {}))
        record = number_outgoing(catalog, record, request, series)
    # A duplicate still "received" lost its event on an earlier try: send it again.
    if duplicate and record["status"] != "received":
        return IngestResult(record, duplicate=True)
    event = events.new_event(
        events.RECORD_INGESTED,
        record["id"],
        sha256=sha256,
        object_key=key,
        media_type=media_type,
        register=record["register"],
        size=len(data),
    )
    lane = lanes.lane(data, media_type)
    return IngestResult(record, duplicate=duplicate, event=event, event_type=lane)


def number_outgoing(
    catalog: Catalog, record: dict[str, Any], request: NumberRequest, series: NumberSeries
) -> dict[str, Any]:
    """Give an outgoing document its số now, as the văn thư registers it for issue (see
    services/registers/numbering.py). A Party date before every term is logged, not fatal."""
    try:
        numbering.issue(catalog, series, record["id"], request, on=today(), by="ingest")
    except PermanentError as exc:
        catalog.log(record["id"], "ingest", "not_numbered", {"reason": exc.message})
    return catalog.get(record["id"])
