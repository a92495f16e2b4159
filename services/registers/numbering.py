"""Numbering of outgoing documents (số của văn bản đi), in one place.

Every number an outgoing document gets, and every change to it, goes through here: issued
when the signed document is registered for issue (NĐ 30/2020 Điều 14.1, 15.2: "sau khi có chữ
ký", in issue order), reserved by a clerk, voided with its reason, or replaced when the kind
was misread (the old number is voided, never given again). `series.py` says which counter and
how the symbol prints; the catalog (`NumberBook`) counts atomically and keeps the register.
Framework-free: ingest, classification's RPCs and the tests call these functions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Protocol

from services.common.errors import NotFound, PermanentError
from services.common.secrecy import effective_level, level_of
from services.registers.recall import check_not_recalled
from services.registers.series import (
    OUTGOING_KINDS,
    NumberingError,
    NumberRequest,
    NumberSeries,
    Slot,
    slot_of,
    term_on,
)


class NumberBook(Protocol):
    """The catalog's part that counts and keeps the register of numbers."""

    def take_number(self, series, scope, compose, *, record_id=None, facts=None): ...
    def issue_reserved(self, entry_id: int, record_id: str, by: str) -> dict: ...
    def void_number(self, entry_id: int, reason: str, by: str) -> dict: ...
    def renumber(self, record_id, series, scope, compose, *, reason, facts): ...
    def series_number(self, record_id: str | None) -> dict | None: ...
    def number_entry(self, entry_id: int) -> dict: ...
    def number_entries(self, *, scope=None, record_id=None) -> list[dict]: ...
    def row(self, record_id: str) -> dict: ...
    def update_metadata(self, record_id, stage, values, action="metadata") -> dict: ...


def request_of(fields: dict[str, Any]) -> NumberRequest:
    """A numbering request from a CLI/API payload (kind, secret, issuer, unit, copy);
    PermanentError naming a bad kind."""
    kind = fields.get("kind") or None
    if kind is not None and kind not in OUTGOING_KINDS:
        raise PermanentError(
            f"Loại văn bản không hợp lệ: {kind!r} (ví dụ nghi_quyet, quyet_dinh, cong_van) / "
            "Unknown document kind"
        )
    if kind is None and not fields.get("copy"):
        raise PermanentError("Cần loại văn bản (kind) hoặc hình thức sao (copy) / kind needed")
    return NumberRequest(
        kind,
        bool(fields.get("secret")),
        fields.get("issuer") or None,
        fields.get("unit") or None,
        fields.get("copy") or None,
    )


def slot(config: NumberSeries, request: NumberRequest, on: date) -> Slot:
    """`series.slot_of`, its refusals as a clerk's error (400)."""
    try:
        return slot_of(config, request, on)
    except NumberingError as exc:
        raise PermanentError(str(exc)) from None


def _facts(request: NumberRequest, s: Slot, by: str, secrecy: str | None, note: str | None):
    return {"kind": request.copy or request.kind, "issuer": s.issuer, "secrecy": secrecy,
            "note": note, "by": by}  # fmt: skip


def _secret(request: NumberRequest, meta: dict[str, Any]) -> NumberRequest:
    """A record known to be secret numbers in the secret series whatever the clerk said."""
    return replace(request, secret=request.secret or bool(meta.get("secrecy")))


def issue(
    book: NumberBook,
    config: NumberSeries,
    record_id: str,
    request: NumberRequest | None,
    *,
    on: date,
    by: str,
    reservation: int | None = None,
) -> dict[str, Any]:
    """Give the record its number now, or the `reservation` a clerk took for it (then the
    kind is the reservation's); the metadata takes the symbol and the clerk's kind as a
    person's facts. Idempotent: a numbered record keeps its number."""
    meta = _outgoing(book.row(record_id))
    if reservation is not None:
        _check_reservation(config, book.number_entry(reservation), meta, on)
        entry = _reserved_for(book, reservation, record_id, by)
        kind = entry["kind"] if entry["kind"] in OUTGOING_KINDS else None
    else:
        request = _secret(request, meta)
        s = slot(config, request, on)
        facts = _facts(request, s, by, meta.get("secrecy"), None)
        entry, new = book.take_number(s.series, s.scope, s.symbol, record_id=record_id, facts=facts)
        if not new:
            return entry
        kind = request.kind
    _write(book, record_id, meta, kind, entry, "number_issued")
    return entry


def _check_reservation(
    config: NumberSeries, entry: dict[str, Any], meta: dict[str, Any], on: date
) -> None:
    """A reserved number numbers only a document it may: one issued in the reservation's year
    (NĐ 30/2020 Điều 15.1: numbers run from 01 on 1 January to 31 December, unique in the
    year) or committee term (36-HD/VPTW II.1.3.1), and, where the office keeps secret
    documents in a series of their own, a secret one only from that series (Điều 15.2).
    PermanentError otherwise; the reservation stays, to be voided with its reason."""
    if entry["status"] != "reserved":
        return  # the catalog refuses it, with its own message
    scope = entry["scope"]
    now = _scope_on(config, scope, on)
    if now != scope:
        raise PermanentError(
            f"Số giữ chỗ {entry['symbol']} thuộc {scope}, văn bản cấp số ngày"
            f" {on:%d/%m/%Y} thuộc {now}: hủy số giữ chỗ và cấp số mới (NĐ 30/2020 Điều 15.1)"
            f" / A number reserved in {scope} cannot number a document issued in {now}"
        )
    if config.separate_secret and meta.get("secrecy") and not entry.get("secrecy"):
        raise PermanentError(
            f"Văn bản mật lấy số ở dãy số riêng (NĐ 30/2020 Điều 15.2); số giữ chỗ"
            f" {entry['symbol']} thuộc dãy số thường / A secret document takes its number from"
            " the secret series, not an ordinary reservation"
        )


def _scope_on(config: NumberSeries, scope: str, on: date) -> str:
    """The period of `scope`'s kind that `on` falls in; a congress's scope is kept as it is
    (its days are the office's to set)."""
    try:
        if scope.startswith("year:"):
            return f"year:{on.year}"
        if scope.startswith("term:"):
            return f"term:{term_on(config, on).name}"
    except NumberingError as exc:
        raise PermanentError(str(exc)) from None
    return scope


def _reserved_for(book: NumberBook, entry_id: int, record_id: str, by: str) -> dict[str, Any]:
    try:
        return book.issue_reserved(entry_id, record_id, by)
    except ValueError as exc:
        raise PermanentError(str(exc)) from None


def reserve(
    book: NumberBook,
    config: NumberSeries,
    request: NumberRequest,
    *,
    on: date,
    by: str,
    note: str | None = None,
) -> dict[str, Any]:
    """Take the next number of the request's series for a document not yet registered."""
    s = slot(config, request, on)
    secrecy = "mat" if request.secret else None
    entry, _ = book.take_number(
        s.series, s.scope, s.symbol, facts=_facts(request, s, by, secrecy, note)
    )
    return entry


def void(book: NumberBook, entry_id: int, reason: str, by: str) -> dict[str, Any]:
    """Void a number with its reason; a record that had it loses its symbol (to be given a
    new number). The number is never given again."""
    _need_reason(reason)
    issued_to = book.number_entry(entry_id).get("record_id")
    if issued_to:
        check_not_recalled(book.row(issued_to)["meta"])
    try:
        entry = book.void_number(entry_id, reason.strip(), by)
    except ValueError as exc:
        raise PermanentError(str(exc)) from None
    if entry["record_id"]:
        meta = book.row(entry["record_id"])["meta"] or {}
        if meta.get("number_symbol") == entry["symbol"]:
            cleared = {"number_symbol": None, "series": None}
            book.update_metadata(entry["record_id"], "registers", cleared, "number_voided")
    return entry


def renumber(
    book: NumberBook,
    config: NumberSeries,
    record_id: str,
    request: NumberRequest,
    *,
    reason: str,
    on: date,
    by: str,
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """A record whose kind was misread: its number is voided (with the reason) and it takes
    the next number of the right series, in one transaction; (old entry, new entry)."""
    _need_reason(reason)
    meta = _outgoing(book.row(record_id))
    request = _secret(request, meta)
    s = slot(config, request, on)
    facts = _facts(request, s, by, meta.get("secrecy"), None)
    old, new = book.renumber(record_id, s.series, s.scope, s.symbol, reason=reason, facts=facts)
    _write(book, record_id, meta, request.kind, new, "renumbered")
    return old, new


def _outgoing(row: dict[str, Any]) -> dict[str, Any]:
    """The metadata of a record registered đi; PermanentError for any other register. The
    office's series numbers the documents it issues (NĐ 30/2020 Điều 15.1); a document it
    received keeps its sender's số và ký hiệu and has only its registry number."""
    if row["register"] != "di":
        raise PermanentError(
            "Chỉ văn bản đi được cấp số và ký hiệu của cơ quan (NĐ 30/2020 Điều 15.1) / "
            "Only an outgoing document (register di) takes a number from the office's series"
        )
    check_not_recalled(row["meta"])  # a recalled document keeps its number (never reused)
    return row["meta"] or {}


def _need_reason(reason: str | None) -> None:
    if not (reason or "").strip():
        raise PermanentError("Cần ghi lý do (--reason) / A reason is required")


def _write(
    book: NumberBook,
    record_id: str,
    meta: dict[str, Any],
    kind: str | None,
    entry: dict[str, Any],
    action: str,
) -> dict[str, Any]:
    given = ["number_symbol", *(["kind"] if kind else [])]
    values = {
        "number_symbol": entry["symbol"],
        "series": {k: entry[k] for k in ("series", "scope", "number")},
        "confidence": {**(meta.get("confidence") or {}), **dict.fromkeys(given, 1.0)},
        "review": [f for f in meta.get("review") or [] if f not in given],
        # The clerk's kind and number are a person's facts: a re-read never overwrites them.
        "corrected": sorted({*(meta.get("corrected") or []), *given}),
        **({"kind": kind} if kind else {}),
    }
    return book.update_metadata(record_id, "registers", values, action)


# --- the register of numbers as a reader may see it ------------------------------------------

ENTRY_FIELDS = ("id", "symbol", "number", "series", "scope", "status", "record_id", "kind",
                "issuer", "at", "by", "note", "reason", "voided_by", "voided_at")  # fmt: skip


def entry_level(entry: dict[str, Any], record_meta: dict[str, Any] | None) -> int:
    """The secrecy level an entry shows: its record's (unknown counts as Tuyệt mật), or, for
    a reservation, the level it was reserved at."""
    if entry.get("record_id"):
        return effective_level(record_meta)
    return level_of(entry.get("secrecy"))


def listing(
    book: NumberBook, *, scope: str | None = None, clearance: int = 3
) -> list[dict[str, Any]]:
    """The register of numbers, oldest first, with each record's trích yếu; entries above
    `clearance` are left out entirely (no symbol, no gap marker, no subject)."""
    shown = (_shown(book, entry, clearance) for entry in book.number_entries(scope=scope))
    return [entry for entry in shown if entry is not None]


def _shown(book: NumberBook, entry: dict[str, Any], clearance: int) -> dict[str, Any] | None:
    meta = book.row(entry["record_id"])["meta"] if entry["record_id"] else None
    if entry_level(entry, meta) > clearance:
        return None
    return {**{k: entry.get(k) for k in ENTRY_FIELDS}, "subject": (meta or {}).get("subject")}


def visible_entry(book: NumberBook, entry_id: int, clearance: int = 3) -> dict[str, Any]:
    """One entry as `listing` shows it; NotFound alike for unknown and above clearance."""
    shown = _shown(book, book.number_entry(entry_id), clearance)
    if shown is None:
        raise NotFound(f"Không có số nào mang mã {entry_id} / No number entry {entry_id}")
    return shown
