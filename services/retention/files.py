"""Hồ sơ (files) as the law sets them, as domain rules: no nameko, no database.

- The danh mục hồ sơ of a year (NĐ 30/2020 Điều 28; its form in Phụ lục V): one entry a file,
  with its code (số và ký hiệu hồ sơ), title, unit, retention period and the person
  responsible (người lập hồ sơ). Imported from YAML or XLSX, checked against
  `schemas/file-catalogue.json`.
- Lập hồ sơ (Điều 29): records join an open file; closing it (kết thúc hồ sơ) freezes it.
- A file's start and end dates, record count and page count (Phụ lục VI Phần II, III:
  StartDate, EndDate, DocTotal, PageTotal) come from its records.
- Retention by file: a closed file's period runs from 1 January of the year after it was
  closed (tính từ năm công việc kết thúc: TT 10/2022/TT-BNV and 163/QĐ-VTLTNN, read only in
  summaries here); a record of an open file is never due.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from services.common.errors import PermanentError
from services.common.records import may_be_petition
from services.common.secrecy import effective_level
from services.common.vntext import fold, tokenize
from services.common.vocabulary import KIND_LABELS
from services.registers.recall import book_note, recall_of
from services.retention.batches import Candidate
from services.retention.errors import FileStateError
from services.retention.schedule import PERMANENT, Period, disposition_date

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "file-catalogue.json"
OPEN, CLOSED = "open", "closed"
UNFILED = "chưa lập hồ sơ"  # a record in no file: today's per-record rule, listed for the clerk
PERMANENT_WORDS = ("permanent", "vĩnh viễn")
XLSX_COLUMNS = ("code", "title", "unit", "retention", "responsible", "heading")
EDITABLE = XLSX_COLUMNS[1:]  # what editing an open file's entry may change (not its code)


def nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def parse_retention(value: Any) -> Period:
    """Thời hạn bảo quản: "Vĩnh viễn" or a whole number of years (NĐ 30 Phụ lục V, I.4)."""
    text = str(nfc(value) or "").lower().removesuffix(" năm").strip()
    if text in PERMANENT_WORDS:
        return PERMANENT
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise PermanentError(
        f'Thời hạn bảo quản không hợp lệ: {value!r} (số năm hoặc "vĩnh viễn") / '
        "retention must be whole years or permanent"
    )


def retention_label(period: Period) -> str:
    return "Vĩnh viễn" if period == PERMANENT else f"{period} năm"


# --- the danh mục hồ sơ ---------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    title: str
    retention: Period
    unit: str | None = None
    responsible: str | None = None
    heading: str | None = None


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def parse_catalogue(data: Any, source: str = "danh mục") -> tuple[int, list[CatalogueEntry]]:
    """(year, entries) of an already-read danh mục; PermanentError listing every problem."""
    data = _normalised(data)
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message}"
        for e in _validator().iter_errors(data)
    ]
    codes = [f["code"] for f in data["files"]] if not problems else []
    problems += [f"files: code {c} twice" for c in sorted({c for c in codes if codes.count(c) > 1})]
    if problems:
        raise PermanentError(f"{source}: danh mục hồ sơ không hợp lệ:\n  " + "\n  ".join(problems))
    entries = [
        CatalogueEntry(
            code=f["code"],
            title=f["title"],
            retention=parse_retention(f["retention"]),
            unit=f.get("unit"),
            responsible=f.get("responsible"),
            heading=f.get("heading"),
        )
        for f in data["files"]
    ]
    return data["year"], entries


def single_entry(year: Any, fields: Mapping[str, Any]) -> tuple[int, CatalogueEntry]:
    """(year, entry) given field by field (`files create`), checked as a danh mục line is."""
    given = {k: v for k, v in fields.items() if v not in (None, "")}
    year, entries = parse_catalogue({"year": year, "files": [given]}, "hồ sơ")
    return year, entries[0]


def _normalised(data: Any) -> Any:
    """NFC strings throughout (a spreadsheet may hold decomposed Vietnamese)."""
    if isinstance(data, Mapping):
        return {k: _normalised(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_normalised(v) for v in data]
    return nfc(data)


def read_catalogue(name: str, content: bytes) -> tuple[int, list[CatalogueEntry]]:
    """A danh mục from a YAML file or an XLSX workbook (by the file name's extension)."""
    if name.lower().endswith(".xlsx"):
        return parse_catalogue(_xlsx_data(content), name)
    try:
        data = yaml.safe_load(content.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise PermanentError(f"{name}: không đọc được YAML / not valid YAML: {exc}") from exc
    return parse_catalogue(data, name)


def _xlsx_data(content: bytes) -> dict[str, Any]:
    """The first sheet: a `year` cell (A1 label "year"/"năm", B1 the year), then a header row
    naming the columns (code, title, unit, retention, responsible, heading; English or the
    Vietnamese of the form), then one row a file."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    rows = [[nfc(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if len(rows) < 2:
        raise PermanentError("XLSX: cần dòng năm và dòng tiêu đề cột / year and header rows needed")
    year = rows[0][1] if len(rows[0]) > 1 else None
    header = [_column(c) for c in rows[1]]
    files = [
        {h: (str(v) if h != "retention" else v) for h, v in zip(header, row, strict=False)
         if h and v not in (None, "")}
        for row in rows[2:]
    ]  # fmt: skip
    return {"year": int(year) if str(year or "").isdigit() else year, "files": files}


_VI_COLUMNS = {
    "số và ký hiệu hồ sơ": "code",
    "mã hồ sơ": "code",
    "tên đề mục và tiêu đề hồ sơ": "title",
    "tiêu đề hồ sơ": "title",
    "đơn vị": "unit",
    "thời hạn bảo quản": "retention",
    "người lập hồ sơ": "responsible",
    "đề mục": "heading",
}


def _column(cell: Any) -> str | None:
    name = str(cell or "").strip().lower()
    return name if name in XLSX_COLUMNS else _VI_COLUMNS.get(name)


# --- one file and its records ----------------------------------------------------------------


def check_open(file: Mapping[str, Any]) -> None:
    """Records join, and a file is closed, only while it is open (NĐ 30 Điều 29)."""
    if file["status"] != OPEN:
        raise FileStateError(f"Hồ sơ {file['code']} đã kết thúc / File {file['code']} is closed")


def check_closable(file: Mapping[str, Any], record_count: int) -> None:
    check_open(file)
    if record_count == 0:
        raise FileStateError(
            f"Hồ sơ {file['code']} chưa có văn bản nào / File {file['code']} holds no record"
        )


def record_day(meta: Mapping[str, Any], received_at: str | None) -> str | None:
    """The date a record counts for in its file: issued, else received (ISO)."""
    for value in (meta.get("issued_date"), received_at):
        if value:
            try:
                return date.fromisoformat(str(value)[:10]).isoformat()
            except ValueError:
                continue
    return None


def visible_records(records: Iterable[Mapping[str, Any]], clearance: int) -> list[dict]:
    """The records (rows with `meta`) the caller may see: one above their clearance does not
    exist for them, in the file's list, its counts, pages and dates alike."""
    return [dict(r) for r in records if effective_level(r.get("meta")) <= clearance]


def summary(file: Mapping[str, Any], records: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The file as the contract shows it, over `records` (already those the caller sees, in
    the mục lục's order): start, end, records, pages, disposition date."""
    days = sorted(d for d in (record_day(r.get("meta") or {}, r.get("received_at"))
                              for r in records) if d)  # fmt: skip
    period = parse_retention(file["retention"])
    due = file_due(period, file.get("closed_on"))
    return {
        "id": file["id"],
        "code": file["code"],
        "year": file["year"],
        "title": file["title"],
        "heading": file.get("heading"),
        "unit": file.get("unit"),
        "responsible": file.get("responsible"),
        "retention": period,
        "status": file["status"],
        "closed_on": file.get("closed_on"),
        "delivered_on": file.get("delivered_on"),
        "start": days[0] if days else None,
        "end": days[-1] if days else None,
        "pages": sum(int(r.get("pages") or 0) for r in records),
        "records": [r["id"] for r in records],
        "disposition_date": due.isoformat() if due else None,
    }


def contents_item(record: Mapping[str, Any]) -> dict[str, Any]:
    """One line of the mục lục văn bản (Điều 29). A petition's subject and writer are sealed
    (docs/portal.md): its line says only that it is a letter, whoever reads the list."""
    meta = record.get("meta") or {}
    item = {"id": record["id"], "pages": int(record.get("pages") or 0),
            "number_symbol": meta.get("number_symbol"),
            "date": record_day(meta, record.get("received_at"))}  # fmt: skip
    if _petition(record):
        return {**item, "subject": SEALED_SUBJECT, "author": None}
    if (recall_of(meta) or {}).get("direction") == "incoming":  # destroyed: as its register line
        return {**item, "subject": book_note(meta), "author": None}
    return {**item, "subject": meta.get("subject"), "author": meta.get("organ")}


SEALED_SUBJECT = "Đơn thư (nội dung ở sổ đơn thư)"


def _petition(record: Mapping[str, Any]) -> bool:
    return may_be_petition(record.get("register"), record.get("meta"))


def file_due(period: Period, closed_on: str | None) -> date | None:
    """A closed file falls due `period` years after 1 January of the year after it closed;
    an open (or permanent) file never does."""
    if not closed_on:
        return None
    return disposition_date(period, date.fromisoformat(closed_on).year)


def file_action(period: Period) -> str:
    """A permanent file is transferred (nộp lưu lịch sử), a fixed-term one destroyed."""
    return "transfer" if period == PERMANENT else "destroy"


# --- retention by file -------------------------------------------------------------------------


def by_file(candidate: Candidate, file: Mapping[str, Any] | None) -> Candidate | None:
    """The candidate as its file decides: in no file, today's per-record rule (the record is
    "chưa lập hồ sơ"); in an open file, never due (None); in a closed file, the file's period
    from the year it closed, so the whole file falls due on one day and goes in one batch."""
    if file is None:
        return candidate
    if file["status"] != CLOSED:
        return None
    period = parse_retention(file["retention"])
    due = file_due(period, file["closed_on"])
    retention = {
        "class": f"HS {file['year']}/{file['code']}",
        "period": period,
        "action": file_action(period),
        "disposition_date": due.isoformat() if due else None,
    }
    # a permanent file's transfer counts from its closing year too (batches.due_date)
    return Candidate(candidate.record_id, retention, file["closed_on"], None)


def filed_candidates(
    candidates: Iterable[Candidate], membership: Mapping[str, Mapping[str, Any]]
) -> Iterator[Candidate]:
    for candidate in candidates:
        decided = by_file(candidate, membership.get(candidate.record_id))
        if decided is not None:
            yield decided


def file_ref(file: Mapping[str, Any] | None) -> str | None:
    """ "YEAR/CODE", the reference every command takes; None for a record in no file."""
    return f"{file['year']}/{file['code']}" if file else None


def closing_day(end: str | None, today: date) -> str:
    """The day a file is closed: the one given (not in the future), else today."""
    if not end:
        return today.isoformat()
    try:
        day = date.fromisoformat(end)
    except ValueError:
        raise PermanentError(
            "Ngày kết thúc không hợp lệ (YYYY-MM-DD) / Bad end date (YYYY-MM-DD)"
        ) from None
    if day > today:
        raise PermanentError("Ngày kết thúc không được sau hôm nay / End date in the future")
    return day.isoformat()


def closing_note(
    records: int, pages: int, closer: str, closed_on: str, remarks: str | None
) -> dict[str, Any]:
    """Chứng từ kết thúc hồ sơ: how many records and pages the file holds, who closed it, on
    which day, remarks (NĐ 30/2020 Điều 29 and its Phụ lục V name the note; its form is an
    image not read here, so these are the facts common use records on it)."""
    remarks = nfc(remarks) or None
    if remarks and len(remarks) > 2000:
        raise PermanentError("Ghi chú quá dài (tối đa 2000 ký tự) / Remarks too long")
    return {"records": records, "pages": pages, "closed_by": nfc(closer), "closed_on": closed_on,
            "remarks": remarks}  # fmt: skip


def shown_note(note: Mapping[str, Any] | None, seen: Mapping[str, Any]) -> dict[str, Any] | None:
    """The closing note as a caller sees it: a caller who does not see every record of the
    file reads the counts of what they see (a hidden record is not counted for them)."""
    if note is None:
        return None
    shown = {k: note[k] for k in ("records", "pages", "closed_by", "closed_on", "remarks")}
    if len(seen["records"]) < note["records"]:
        shown |= {"records": len(seen["records"]), "pages": seen["pages"]}
    return shown


def catalogue_row(shown: Mapping[str, Any]) -> dict[str, Any]:
    """One line of the danh mục as `files catalogue` answers."""
    keep = ("id", "code", "year", "title", "heading", "unit", "responsible", "retention",
            "status", "start", "end", "pages", "closed_on", "delivered_on")  # fmt: skip
    return {**{k: shown[k] for k in keep}, "records": len(shown["records"])}


def grouped(record_ids: Iterable[str], membership: Mapping[str, Mapping[str, Any]]) -> list[dict]:
    """Records by file (a batch lists files with their records); unfiled ones last."""
    groups: dict[str | None, dict[str, Any]] = {}
    for record_id in record_ids:
        file = membership.get(record_id)
        ref = file_ref(file)
        title = file["title"] if file else UNFILED
        groups.setdefault(ref, {"file": ref, "title": title, "records": []})
        groups[ref]["records"].append(record_id)
    return sorted(groups.values(), key=lambda g: (g["file"] is None, g["file"] or ""))


# --- nộp lưu vào lưu trữ cơ quan (NĐ 30/2020 Điều 30) ------------------------------------------

DELIVERY_MIN_YEARS = 5  # only files kept 5 years or more are delivered (NĐ 30 Điều 30)


def delivery_due(file: Mapping[str, Any]) -> date | None:
    """The last day a closed file may reach the office's archive: one year after the matter
    ended (closed_on); None for an open file, or one kept under 5 years (it stays with the
    unit and is destroyed there). The 3-month rule for capital construction and the 2-year
    keep-back with the head's approval are not modelled."""
    period = parse_retention(file["retention"])
    if not file.get("closed_on") or (period != PERMANENT and period < DELIVERY_MIN_YEARS):
        return None
    closed = date.fromisoformat(file["closed_on"])
    try:
        return closed.replace(year=closed.year + 1)
    except ValueError:  # closed on 29/02
        return date(closed.year + 1, 3, 1)


def awaiting_delivery(files: Iterable[Mapping[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """Closed files to deliver and not delivered, with their `delivery_due` and whether they
    are `late` on `as_of`; oldest due first (the mục lục hồ sơ nộp lưu lists them)."""
    found = []
    for file in files:
        due = delivery_due(file)
        if due and not file.get("delivered_on"):
            found.append({**file, "delivery_due": due.isoformat(), "late": due < as_of})
    return sorted(found, key=lambda f: (f["delivery_due"], f["year"], f["code"]))


# NĐ 30/2020 Phụ lục VI Phần I: the system reminds its users of files due for nộp lưu 30 days
# ahead. Calendar days, counted to the last day of delivery (`delivery_due`).
REMIND_DAYS_AHEAD = 30


def delivery_soon(files: Iterable[Mapping[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """Files awaiting delivery whose last day is at most REMIND_DAYS_AHEAD days after `as_of`
    (the 30th day included), late ones too, each with `days_left` (negative once late);
    oldest due first."""
    horizon = as_of + timedelta(days=REMIND_DAYS_AHEAD)
    found = []
    for file in awaiting_delivery(files, as_of):
        due = date.fromisoformat(file["delivery_due"])
        if due <= horizon:
            found.append({**file, "days_left": (due - as_of).days})
    return found


def delivery_state(days_left: int) -> str:
    """How far a file's last day for nộp lưu is, as the CLI and the reminder mail say it (the
    portal says the same through its translations)."""
    if days_left < 0:
        return f"quá hạn {-days_left} ngày"
    return "hôm nay là ngày cuối" if days_left == 0 else f"còn {days_left} ngày"


def mailable_file_title(
    file: Mapping[str, Any], records: Iterable[Mapping[str, Any]]
) -> str | None:
    """The file's title, only when it may travel by e-mail, as a saved search's mail decides
    for a trích yếu (docs/search.md, "By e-mail"): no record of the file is a state secret (or
    of secrecy not known yet, counted Tuyệt mật; Luật 117/2025/QH15 keeps secrets off
    networks) and none is a petition, whose matter may name its writer (Luật Tố cáo 2018
    Điều 9.1.b). A file titled after its matter would carry either."""
    for record in records:
        if effective_level(record.get("meta")) > 0 or _petition(record):
            return None
    return file["title"]


def check_deliverable(file: Mapping[str, Any]) -> None:
    if file["status"] != CLOSED:
        raise FileStateError(f"Hồ sơ {file['code']} chưa kết thúc / File not closed yet")
    if file.get("delivered_on"):
        raise FileStateError(f"Hồ sơ {file['code']} đã nộp lưu / File already delivered")


def check_delivered(file: Mapping[str, Any]) -> None:
    """A biên bản giao nhận lists only files handed over (Điều 30): one not yet delivered
    has no hand-over to record."""
    if not file.get("delivered_on"):
        raise FileStateError(f"Hồ sơ {file['code']} chưa nộp lưu / File not delivered yet")


def same_unit(file: Mapping[str, Any], unit: str | None) -> bool:
    """Whether the file is the delivering unit's (any unit when none is named); compared
    folded, so "Văn phòng" and "văn phòng" are one unit."""
    return unit is None or fold(file.get("unit") or "") == fold(unit)


def delivered_on(files: Iterable[Mapping[str, Any]], day: str, unit: str | None) -> list[dict]:
    """One delivery: the files a unit handed to the lưu trữ cơ quan on `day` (every unit's
    when none is named), in the danh mục's order (year, code)."""
    found = [dict(f) for f in files if f.get("delivered_on") == day and same_unit(f, unit)]
    return sorted(found, key=lambda f: (f["year"], f["code"]))


def handover_totals(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The biên bản's totals over the rows a caller sees (`catalogue_row`s): files, records,
    pages and the span of years (of the records' dates, else of the danh mục's year)."""
    rows = list(rows)
    years = [int((r["start"] or str(r["year"]))[:4]) for r in rows]
    years += [int((r["end"] or str(r["year"]))[:4]) for r in rows]
    return {
        "files": len(rows),
        "records": sum(int(r["records"]) for r in rows),
        "pages": sum(int(r["pages"]) for r in rows),
        "from_year": min(years) if years else None,
        "to_year": max(years) if years else None,
    }


# --- suggesting a file for a record (a clerk confirms with `files add`) -------------------------

# Words every title and trích yếu share, which say nothing of the matter.
_COMMON_WORDS = frozenset(
    [
        "ve",
        "viec",
        "cua",
        "va",
        "cac",
        "trong",
        "tai",
        "cho",
        "nam",
        "ho",
        "so",
        "tap",
        "van",
        "ban",
        "cong",
        "tac",
        "thuc",
        "hien",
    ]
)
# A kind's name in words a file's title may use ("Báo cáo …" → "bao cao").
KIND_WORDS = {kind: fold(label) for kind, label in KIND_LABELS.items() if kind != "other"}


def _words(text: str | None) -> set[str]:
    return {w for w in tokenize(fold(text or "")) if len(w) > 1} - _COMMON_WORDS


def suggest(
    meta: Mapping[str, Any], open_files: Iterable[Mapping[str, Any]], most: int = 3
) -> list[dict[str, Any]]:
    """Open files of the record's year ranked by the words their title and unit share with
    the record's trích yếu, kind and issuing organ; only files sharing at least one. A
    suggestion, never a filing: the clerk confirms (NĐ 30 Điều 29 leaves lập hồ sơ to them)."""
    record = _words(meta.get("subject")) | _words(meta.get("organ"))
    record |= _words(KIND_WORDS.get(str(meta.get("kind")), ""))
    year = (record_day(meta, None) or "")[:4]
    scored = []
    for file in open_files:
        if file["status"] != OPEN or (year and str(file["year"]) != year):
            continue
        shared = record & (_words(file["title"]) | _words(file.get("unit")))
        if shared:
            scored.append({"file": file_ref(file), "title": file["title"],
                           "score": round(len(shared) / len(record), 2),
                           "words": sorted(shared)})  # fmt: skip
    return sorted(scored, key=lambda s: (-s["score"], s["file"]))[:most]
