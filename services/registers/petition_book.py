"""The petitions book (sổ đơn thư): what a petition's metadata holds, its deadlines, the list of
what falls due and the printed book. Domain only.

`metadata.petition` = {"category", "writer", "anonymous", "accused", "received",
"received_source", "instance", "complaint_and_denunciation", "verification", "body",
"procedure", "handled", "note", "warning", "accepted_on", "closed_on", "extensions",
"complexity", "evidence", "deadlines": [...], "next_due"}. `complexity` is None, "phuc_tap" or
"dac_biet_phuc_tap" (vocabulary.COMPLEXITY_LEVELS); a petition stored before it has the boolean
`complex` instead, read as phuc_tap when true (`upgraded`). `evidence` (an anonymous tố cáo
gives concrete evidence, Luật TC 2018 Điều 25.2) is None until an officer decides. The
petitioner's identity is NOT here: it lives in the catalog's `petitioners` table, and the book
prints only whether the writer is named, anonymous or to be confirmed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common.clock import day_first
from services.common.records import shown_number
from services.common.secrecy import KNOWN
from services.common.vocabulary import COMPLEXITY_LEVELS, COMPLEXITY_NAMES
from services.registers.deadlines import (
    NEEDS_COMPLEXITY,
    Body,
    Case,
    PetitionRules,
    handling,
    next_due,
    over_extended,
)
from services.registers.petitions import ANONYMOUS, NAMED, TO_CONFIRM, Petition
from services.registers.reports import (
    RegisterTable,
    book_entries,
    book_number,
    hidden_row,
    render_table,
)

# Where the receipt date comes from: the day the letter was registered (the default), the
# postmark (Quy định 22-QĐ/TW counts from it for posted letters), the reception desk's stamp.
RECEIPT_SOURCES = ("registered", "postmark", "desk")
BOOK = "don"
BOOK_TITLE = "SỔ THEO DÕI ĐƠN THƯ"
# A letter declared secret at intake is numbered in the petitions' secret book, as a secret
# document is (NĐ 30/2020 Điều 16.3, 22.4; reports.book_entries), printed under its own title.
SECRET_BOOK_TITLE = "SỔ THEO DÕI ĐƠN THƯ MẬT"
# The ordinary book's note on a letter read as secret after registration, or whose secrecy is
# not known yet (reports.HIDDEN_NOTES, pointing to the petitions' secret book).
HIDDEN_NOTES = {
    True: "Đơn thư mật: nội dung ghi ở sổ theo dõi đơn thư mật",
    False: "Chưa xác định độ mật: nội dung ghi ở sổ theo dõi đơn thư mật",
}
BOOK_COLUMNS = (
    "Số đến",
    "Ngày nhận",
    "Người viết đơn",
    "Phân loại",
    "Nội dung (trích yếu)",
    "Người bị khiếu nại, tố cáo",
    "Xử lý theo",
    "Ngày thụ lý",
    "Hạn giải quyết",
    "Ngày kết thúc",
    "Ghi chú",
)
BOOK_WIDTHS_MM = (12, 22, 20, 20, 55, 32, 25, 18, 18, 18, 37)  # A4 landscape: 277 mm
WRITER_LABELS = {NAMED: "Có tên", ANONYMOUS: "Nặc danh", TO_CONFIRM: "Cần xác nhận danh tính"}
CATEGORY_LABELS = {
    "khieu_nai": "Khiếu nại",
    "to_cao": "Tố cáo",
    "kien_nghi": "Kiến nghị",
    "phan_anh": "Phản ánh",
}
RECEIPT_LABELS = {"registered": "", "postmark": "theo dấu bưu điện", "desk": "theo bàn tiếp nhận"}
PROCEDURE_LABELS = {
    "khieu_nai": "Luật Khiếu nại",
    "to_cao": "Luật Tố cáo",
    "thong_tin": "Xem xét, kiểm tra (Luật TC Điều 25.2)",
    "luu_don": "Lưu đơn (Luật TC Điều 25)",
    "kien_nghi": "TT 05/2021/TT-TTCP",
    "phan_anh": "TT 05/2021/TT-TTCP",
    "party": "Quy định của Đảng",
    "none": "Không xử lý",
}


def petition_metadata(petition: Petition, received: date, rules: PetitionRules) -> dict[str, Any]:
    """The first `metadata.petition` of a letter just read (no acceptance recorded yet)."""
    base = {
        "category": petition.category,
        "writer": petition.writer,
        "accused": petition.accused,
        "received": received.isoformat(),
        "received_source": "registered",
        "instance": petition.instance,
        "complaint_and_denunciation": petition.complaint_and_denunciation,
        "verification": False,
        "accepted_on": None,
        "closed_on": None,
        "extensions": 0,
        "complexity": None,
        "evidence": None,
    }
    return with_deadlines(base, rules)


def upgraded(petition: dict[str, Any]) -> dict[str, Any]:
    """A stored petition in today's shape: the boolean `complex` of before complexity had
    levels becomes `complexity` (true: phức tạp, the one level it could mean)."""
    if "complex" not in petition:
        return petition
    out = {k: v for k, v in petition.items() if k != "complex"}
    if "complexity" not in out:
        out["complexity"] = "phuc_tap" if petition["complex"] else None
    return out


def case_of(petition: dict[str, Any]) -> Case:
    """The facts of a stored (or just corrected) petition its deadlines depend on."""
    petition = upgraded(petition)
    return Case(
        petition["category"],
        date.fromisoformat(petition["received"]),
        anonymous=_writer(petition) == ANONYMOUS,
        accepted=_day(petition.get("accepted_on")),
        extensions=int(petition.get("extensions") or 0),
        complexity=petition.get("complexity"),
        evidence=petition.get("evidence"),
        instance=int(petition.get("instance") or 1),
        verification=bool(petition.get("verification")),
        complaint_and_denunciation=bool(petition.get("complaint_and_denunciation")),
    )


def with_deadlines(petition: dict[str, Any], rules: PetitionRules) -> dict[str, Any]:
    """`petition` with its handling and deadlines recomputed from its facts; ValueError for
    facts the law does not allow. Extensions over the complexity's limit (stored before it had
    levels) are computed as recorded, with `warning` set."""
    petition = upgraded(petition)
    case = case_of(petition)
    handled = handling(rules, case)
    pending = None if petition.get("closed_on") else next_due(handled.deadlines, case.accepted)
    writer = _writer(petition)
    return {
        **petition,
        "writer": writer,
        "anonymous": writer == ANONYMOUS,
        "body": rules.body.type,
        "procedure": handled.procedure,
        "handled": handled.handled,
        "note": handled.note,
        "warning": handled.warning,
        "deadlines": [d.to_dict() for d in handled.deadlines],
        "next_due": pending.to_dict() if pending else None,
    }


def warning_of(petition: dict[str, Any] | None) -> str | None:
    """The warning of a petition as stored, computed again from its facts: a letter stored
    before complexity had levels (complex: true, two extensions) was never recomputed and
    holds no `warning`, yet must show one (Luật TC 2018 Điều 30)."""
    if not petition or not petition.get("category") or not petition.get("received"):
        return None
    if petition.get("warning"):
        return petition["warning"]
    try:
        case = case_of(petition)
    except (ValueError, TypeError, KeyError):
        return None  # unreadable facts: shown as stored, never a crash on a page or list
    if COMPLEXITY_LEVELS.get(case.complexity) is None:
        return None
    body = Body(petition.get("body") or "state")
    return NEEDS_COMPLEXITY if over_extended(body, case) else None


def shown_facts(petition: dict[str, Any] | None) -> dict[str, Any]:
    """What a record page shows of a stored petition's case: complexity (a stored `complex`
    read as phuc_tap), extensions, the anonymous tố cáo's evidence, note and warning."""
    if not petition:
        return {}
    current = upgraded(petition)
    return {
        "complexity": current.get("complexity"),
        "extensions": int(current.get("extensions") or 0),
        "evidence": current.get("evidence"),
        "anonymous_denunciation": current.get("category") == "to_cao"
        and _writer(current) == ANONYMOUS,
        "note": current.get("note"),
        "warning": warning_of(current),
    }


def complexity_label(petition: dict[str, Any]) -> str:
    """The complexity as the book and the pages print it ("" when none)."""
    level = COMPLEXITY_LEVELS.get(upgraded(petition).get("complexity"), 0)
    return COMPLEXITY_NAMES[level] if level else ""


def set_received(
    petition: dict[str, Any], received: date, source: str, today: date, rules: PetitionRules
) -> dict[str, Any]:
    """The petition with the receipt date a clerk set (postmark, reception desk) and its
    deadlines recomputed; ValueError for a date in the future or after the acceptance."""
    if source not in RECEIPT_SOURCES:
        raise ValueError(f"Nguồn ngày nhận phải là {', '.join(RECEIPT_SOURCES)} / Bad source")
    accepted = _day(petition.get("accepted_on"))
    if received > today or (accepted and received > accepted):
        raise ValueError(
            f"Ngày nhận {received:%d/%m/%Y} sau hôm nay hoặc sau ngày thụ lý / Receipt date after"
            " today or after the acceptance"
        )
    return with_deadlines(
        {**petition, "received": received.isoformat(), "received_source": source}, rules
    )


def _writer(petition: dict[str, Any]) -> str:
    """NAMED, ANONYMOUS or TO_CONFIRM; a petition stored before `writer` has only `anonymous`."""
    return petition.get("writer") or (ANONYMOUS if petition.get("anonymous") else NAMED)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def due_list(
    entries: list[dict[str, Any]], as_of: date, *, overdue_only: bool = False
) -> list[dict[str, Any]]:
    """Open petitions by their next deadline, soonest first; `days_left` < 0 when overdue.

    `entries` are catalog rows (`petition_records`): id, register, number, year, meta.
    """
    out = []
    for e in entries:
        petition = (e.get("meta") or {}).get("petition") or {}
        due = petition.get("next_due")
        if not due:
            continue
        days_left = (date.fromisoformat(due["due"]) - as_of).days
        if overdue_only and days_left >= 0:
            continue
        out.append(
            {
                "id": e["id"],
                "register": e["register"],
                # letters of both books listed together: "01 (sổ mật)" never reads as "01"
                "number": shown_number(e.get("number"), e.get("book")),
                "category": petition["category"],
                "writer": petition.get("writer"),
                "received": petition.get("received"),
                "received_source": petition.get("received_source"),
                "step": due["step"],
                "due": due["due"],
                "days_left": days_left,
                "overdue": days_left < 0,
                "subject": (e.get("meta") or {}).get("subject"),
                "accused": petition.get("accused"),
                "complexity": upgraded(petition).get("complexity"),
                "extensions": int(petition.get("extensions") or 0),
                "warning": warning_of(petition),
            }
        )
    return sorted(out, key=lambda r: (r["due"], r["id"]))


# --- the printed book ---------------------------------------------------------------------


def _received(e: dict[str, Any]) -> str:
    return ((e.get("meta") or {}).get("petition") or {}).get("received") or ""


def in_period(
    entries: list[dict[str, Any]], first: date, last: date, *, secret: bool = False
) -> list[dict[str, Any]]:
    """The petitions whose receipt date falls in [first, last] that one book prints, in
    receipt then number order: the ordinary book, or with `secret` the secret book, each
    numbered on its own (`reports.book_entries`, the documents' rule: the ordinary book keeps
    only the number and date of a letter read as secret later, the secret book lists it too
    with its ordinary number marked)."""
    chosen = [e for e in entries if first.isoformat() <= _received(e) <= last.isoformat()]
    ordered = sorted(chosen, key=lambda e: (_received(e), e.get("number") or 0, e["id"]))
    return book_entries([{**e, "received_at": _received(e)} for e in ordered], secret=secret)


def book_table(
    first: date, last: date, entries: list[dict[str, Any]], *, secret: bool = False
) -> RegisterTable:
    """The petitions book for a period, printable by `reports.render_table`. `entries`
    (from `in_period`) must already show the subject as the reader may see it (masked for a
    sealed letter)."""
    rows = [_hidden_row(e) if e.get("hidden") else _book_row(e) for e in entries]
    title = SECRET_BOOK_TITLE if secret else BOOK_TITLE
    return RegisterTable(
        BOOK, first, last, BOOK_COLUMNS, rows, secret=secret, book_title=title,
        widths_mm=BOOK_WIDTHS_MM,
    )  # fmt: skip


def _received_cell(p: dict[str, Any]) -> str:
    return " ".join(
        x
        for x in (day_first(p.get("received")), RECEIPT_LABELS.get(p.get("received_source"), ""))
        if x
    )


def _hidden_row(e: dict[str, Any]) -> list[str]:
    """The number and date received of a letter whose content only the secret book shows
    (read as secret after registration, or its secrecy not known yet)."""
    meta = e.get("meta") or {}
    first = [book_number(e), _received_cell(meta.get("petition") or {})]
    return hidden_row(first, len(BOOK_COLUMNS), HIDDEN_NOTES[bool(meta.get(KNOWN))])


def _book_row(e: dict[str, Any]) -> list[str]:
    meta = e.get("meta") or {}
    p = meta.get("petition") or {}
    category = CATEGORY_LABELS.get(p.get("category"), p.get("category") or "")
    if p.get("instance") == 2:
        category += " (lần hai)"
    resolve = next((d for d in p.get("deadlines") or [] if d["step"] != "accept"), None)
    return [
        book_number(e),
        _received_cell(p),
        WRITER_LABELS[_writer(p)],
        category,
        meta.get("subject") or "",
        p.get("accused") or "",
        PROCEDURE_LABELS.get(p.get("procedure"), ""),
        day_first(p.get("accepted_on")),
        day_first(resolve["due"]) if resolve else "",
        day_first(p.get("closed_on")),
        _remarks(p),
    ]


def _remarks(p: dict[str, Any]) -> str:
    """Ghi chú: the complexity and extensions, why no deadline or not handled, and the warning
    (the Vietnamese half of each "vi / en")."""
    extensions = int(p.get("extensions") or 0)
    case = ", ".join(
        x for x in (complexity_label(p), f"gia hạn {extensions} lần" if extensions else "") if x
    )
    notes = (p.get("note"), warning_of(p))
    return "; ".join(x for x in (case, *((n or "").split(" / ")[0] for n in notes)) if x)


def render_book(book: dict[str, Any], fmt: str) -> bytes:
    """The petitions book as the `petition_book` RPC answers it, rendered by the register
    books' exporter (`reports.render_table`: csv, pdf, xlsx); ValueError for another format."""
    table = RegisterTable(
        BOOK,
        date.fromisoformat(book["from"]),
        date.fromisoformat(book["to"]),
        tuple(book["columns"]),
        book["rows"],
        secret=book.get("secret", False),
        book_title=book["title"],
        widths_mm=BOOK_WIDTHS_MM,
    )
    return render_table(table, fmt)
