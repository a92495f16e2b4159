"""A record of the archive and the moves of its status: the catalog's domain, free of any engine.

A record is `received` at intake, `processing` while its text is read, then `indexed` (searchable)
or `failed`; `rejected` when intake or the secrecy ceiling refuses it; `disposed` or
`transferred` when retention takes it out of the archive's care. A status only moves forward
(`advance`), so a message redelivered from an earlier stage cannot undo later progress; the one
way back is `restart`, which re-drives a failed or stuck record from its stored original.

The SQL adapter (`services.common.catalog.SqlCatalog`) loads a `Record`, applies one of these
transitions and writes the result with a history entry; callers see the dict wire format
(`to_dict`) on RPC and events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from services.common.clock import day_first
from services.common.errors import ErrorCode, PermanentError, RecordRecalled
from services.common.vntext import fold
from services.common.vocabulary import NUMBER_BOOKS, ORDINARY_BOOK, RECORD_FIELDS, SECRET_BOOK


class Status(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    INDEXED = "indexed"
    FAILED = "failed"
    REJECTED = "rejected"
    DISPOSED = "disposed"
    TRANSFERRED = "transferred"


# A record in one of these has finished the pipeline; only `restart` (or retention) moves it.
FINAL = frozenset(
    {Status.INDEXED, Status.FAILED, Status.REJECTED, Status.DISPOSED, Status.TRANSFERRED}
)
IN_FLIGHT = frozenset({Status.RECEIVED, Status.PROCESSING})
REDRIVABLE = IN_FLIGHT | {Status.FAILED}
# Out of the archive's care (or never in it): no retention, fixity or review concerns them.
GONE = frozenset({Status.DISPOSED, Status.TRANSFERRED, Status.REJECTED})
# What the pipeline stages may `advance` to; intake creates `received`/`rejected` records and
# retention alone takes a record out of care (`leave_care`).
_STAGE_STATUSES = frozenset({Status.PROCESSING, Status.INDEXED, Status.FAILED, Status.REJECTED})
_OUT_OF_CARE = frozenset({Status.DISPOSED, Status.TRANSFERRED})
# The metadata key of a recall (services/registers/recall.py): a recalled record is frozen.
RECALL = "recall"


def document_key(meta: dict[str, Any]) -> str | None:
    """NĐ 30/2020 Phụ lục VI (sổ đăng ký): the same document is the same số và ký hiệu, from the
    same organ under the same parent, in the same numbering period: the year for a state
    document (numbers restart each year, NĐ 30 Điều 15), the committee term for a Party one
    (36-HD/VPTW: numbers run per nhiệm kỳ; `term` is set by classification). Folded, so
    "15/QĐ-UBND", "15 / QD-UBND" and "15/QÐ-UBND" (eth) are one key."""
    number_symbol, organ = meta.get("number_symbol"), meta.get("organ")
    if not number_symbol or not organ:
        return None
    symbol = re.sub(r"\s+", "", fold(number_symbol)).upper().replace("–", "-")
    period = meta.get("term") or (meta.get("issued_date") or "")[:4]
    issuer = " / ".join(
        " ".join(fold(name).upper().split()) for name in (meta.get("organ_parent"), organ) if name
    )
    return f"{symbol}|{period}|{issuer}"[:400]


def may_be_petition(register: str | None, meta: Mapping[str, Any] | None) -> bool:
    """Whether a record may be a petition (đơn), whose writer may be protected (Luật Tố cáo 2018
    Điều 9.1.b, 47, 48): the petitions register, or a letter in any register (classification
    reads one wherever it was registered: a tố cáo forwarded by another office is registered
    đến) with petition facts or a petition kind. The one rule for asking for a stored writer,
    masking a subject and writing a read to the audit trail."""
    meta = meta or {}
    return (
        register == "don"
        or bool(meta.get("petition"))
        # the prefix that makes PETITION_KINDS, so a kind stored before it grew counts too
        or str(meta.get("kind") or "").startswith("don_")
    )


def check_not_recalled(meta: Mapping[str, Any] | None) -> None:
    """RecordRecalled (409) when the record was recalled: an outgoing document recalled is
    frozen with its metadata (NĐ 30/2020 Phụ lục VI, Phần I, III.8): no correction, no number
    change, no secrecy change, no re-registration (services/registers/recall.py)."""
    if recall := (meta or {}).get(RECALL):
        raise RecordRecalled(
            f"Văn bản đã bị thu hồi ngày {day_first(recall.get('at'))}, không được sửa, cấp"
            " lại số hay đăng ký lại (NĐ 30/2020 Phụ lục VI, Phần I, III.8) / The document"
            " was recalled: it is frozen"
        )


ORGAN_FIELDS = ("organ", "organ_parent")


def letter_organ_cleared(register: str | None, meta: Mapping[str, Any]) -> dict[str, None]:
    """The organ fields to clear (set to None) in a letter's metadata: what classification
    reads at the top left of a letter's header is its writer, not an issuing organ (a tố cáo
    comes from a person, Luật Tố cáo 2018 Điều 2.1), and the writer is kept apart and
    protected (Điều 9.1.b, 47, 48) while an organ is printed in books, statistics, facets and
    hits. A value a person entered (`corrected`) stays: that was a decision. {} otherwise."""
    if not may_be_petition(register, meta):
        return {}
    corrected = set(meta.get("corrected") or [])
    return {f: None for f in ORGAN_FIELDS if meta.get(f) and f not in corrected}


def format_number(number: int | None) -> str | None:
    """Register numbers below 10 get a leading zero (NĐ 30/2020, Phụ lục I)."""
    return None if number is None else f"{number:02d}"


def book_code(number: int | str | None, book: str | None) -> str | None:
    """The JSON's `book` of a register number: "mat" for a number of the secret book,
    "thuong" for one of the ordinary book (records.book NULL); None with no number."""
    if number in (None, ""):
        return None
    return SECRET_BOOK if book == SECRET_BOOK else ORDINARY_BOOK


def shown_number(number: int | str | None, book: str | None) -> str | None:
    """A register number shown outside its book (a record page, a slip, a list of both books'
    records): "05", or "05 (sổ mật)" for the secret book's, so a reader never takes it for the
    ordinary book's 05 of the same year. `number` as stored or as `format_number` gives it;
    `book` as stored (None, "mat") or as `book_code` gives it. The books themselves print
    their own numbers bare (services/registers/reports.py `book_number`)."""
    if number in (None, ""):
        return None
    shown = format_number(number) if isinstance(number, int) else number
    return f"{shown} ({NUMBER_BOOKS[SECRET_BOOK]})" if book == SECRET_BOOK else shown


# What a destroyed record's history keeps of each entry's detail: who acted, on which task,
# batch, hold or hồ sơ, and hashes and counts. Every value of the record goes — a corrected
# field's old and new value, a task's note or result, a reason, the uploaded file's name may
# quote its trích yếu, text or writer — because a document destroyed (a recall: NĐ 30/2020
# Phụ lục VI, Phần I, III.8 "destroyed together with its metadata"; a destruction batch, its
# registry facts kept in the residual metadata alone) must leave nothing of its content behind.
# The entry itself (when, which stage, what kind of event) stays: the record's trail.
HISTORY_KEPT_DETAIL = frozenset(
    {"by", "to", "from", "support", "task_id", "due", "reply_record_id", "batch", "action",
     "approvers", "hold", "file", "code", "on", "sha256", "objects", "decision", "direction",
     "fields", "count", "level", "late"}
)  # fmt: skip


def destroyed_detail(stage: str, detail: dict[str, Any] | None) -> dict[str, Any] | None:
    """A history entry's `detail` as a destroyed record keeps it (HISTORY_KEPT_DETAIL): a
    correction's changes become the names of the fields changed."""
    if not detail:
        return detail
    kept = {key: value for key, value in detail.items() if key in HISTORY_KEPT_DETAIL}
    if stage == "ingest":
        kept.pop("file", None)  # there, the uploaded file's name (often its subject)
    if isinstance(detail.get("changes"), dict):
        kept["fields"] = sorted(detail["changes"])
    return kept


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    stage: str
    action: str
    detail: dict[str, Any] | None = None
    seq: int | None = None  # its order in the catalog (PREMIS event identifiers)

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "stage": self.stage, "action": self.action, "detail": self.detail}


@dataclass
class Record:
    """One catalog row. `meta` is the metadata classification and people wrote."""

    id: str
    register: str
    file_name: str
    status: Status
    received_at: str
    updated_at: str
    year: int | None = None
    number: int | None = None
    book: str | None = None  # the book `number` was taken from at intake: "mat", None ordinary
    media_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    object_key: str | None = None
    source: str | None = None
    error: str | None = None
    pages: int | None = None
    page_info: list[dict[str, Any]] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)

    # --- transitions (each returns whether it changed the record) ----------------------------

    def advance(self, to: Status | str) -> bool:
        """A pipeline stage moves the record to `to`; False, unchanged, once it is final.

        Indexed → indexed is a move (a correction re-indexes), so the stage logs it.
        Raises ValueError for a status no stage may set.
        """
        to = Status(to)
        if to not in _STAGE_STATUSES:
            raise ValueError(f"No stage moves a record to {to}")
        if self.status in FINAL and not (to == self.status == Status.INDEXED):
            return False
        self.status = to
        return True

    def check_redrivable(self) -> None:
        """Raises PermanentError unless the record is failed or still in flight: reprocessing
        an indexed, rejected or disposed record would undo that. (A plain PermanentError: the
        gateway and CLI map remote errors by class name.)"""
        check_not_recalled(self.meta)
        if self.status not in REDRIVABLE:
            raise PermanentError(
                f"Hồ sơ đang ở trạng thái {self.status}, không xử lý lại được"
                f" / A record in status {self.status} cannot be reprocessed",
                ErrorCode.BAD_REQUEST,
            )

    def restart(self) -> None:
        """Back to `received`, to be re-driven from the stored original; the error goes.
        Raises PermanentError (`check_redrivable`)."""
        self.check_redrivable()
        self.status, self.error = Status.RECEIVED, None

    def leave_care(self, to: Status | str, residual_meta: dict[str, Any]) -> bool:
        """Retention disposes of or transfers the record: it keeps `residual_meta` only.

        False, unchanged, when it already left the archive's care (a resumed batch).
        A disposed record also loses its page list (the text no longer exists) and error.
        """
        to = Status(to)
        if to not in _OUT_OF_CARE:
            raise ValueError(f"Retention does not move a record to {to}")
        if self.status in GONE:
            return False
        self.status, self.meta = to, residual_meta
        if to == Status.DISPOSED:
            self.page_info, self.error = None, None
        return True

    def dispose(self, residual_meta: dict[str, Any]) -> bool:
        return self.leave_care(Status.DISPOSED, residual_meta)

    # --- boundary ------------------------------------------------------------------------

    @classmethod
    def from_row(cls, row: dict[str, Any], history: list[HistoryEntry] | None = None) -> Record:
        """From a catalog row (extra columns, such as the adapter's keys, are ignored)."""
        names = {f.name for f in fields(cls)} - {"history", "status", "meta"}
        known = {name: row[name] for name in names if name in row}
        return cls(
            **known, status=Status(row["status"]), meta=row.get("meta") or {},
            history=history or [],
        )  # fmt: skip

    def columns(self) -> dict[str, Any]:
        """The row's columns (for the adapter and the stages that read columns)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "history"}
        return values | {"status": str(self.status)}

    def to_dict(self) -> dict[str, Any]:
        """The record as `luutru status` and `GET /api/records/{id}` show it (the wire format)."""
        return {
            "id": self.id,
            "status": str(self.status),
            "register": self.register,
            "number": format_number(self.number),
            "book": book_code(self.number, self.book),
            "year": self.year,
            "file": self.file_name,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "pages": self.pages,
            "metadata": {key: self.meta.get(key) for key in RECORD_FIELDS} | self.meta,
            "error": self.error,
            "received_at": self.received_at,
            "history": [entry.to_dict() for entry in self.history],
        }
