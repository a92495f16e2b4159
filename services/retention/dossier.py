"""The destruction dossier (hồ sơ hủy tài liệu) of a destroy batch, as plain rules.

TT 06/2025/TT-BNV (detailing Luật Lưu trữ 2024 Điều 16) sets the papers a destruction needs.
Its text could not be read here; the steps below follow the summary we have of it (list and
explanatory note; decision forming the council; the council's minutes; appraisal by the
competent archive where required; the head's decision; hand-over record; biên bản hủy,
destruction within 15 days of the decision) and the older practice it continues (Luật Lưu trữ
2011 Điều 28, Công văn 879/VTLTNN-NVĐP). docs/retention.md, "Destruction dossier", says what
was read and what was chosen.

No database and no framework here: entries are plain dicts `{"step", "by", "role", "at",
"kind", "sha256", "data"}`, as the store returns them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.retention.errors import DossierIncomplete, DossierStepError, StepRefused, WindowPassed

ARCHIVIST, ADMIN = "archivist", "admin"
SCAN, FORM = "scan", "form"
AGREE, DISAGREE = "agree", "disagree"
OPINIONS = {AGREE: "Đồng ý hủy", DISAGREE: "Không đồng ý hủy"}


@dataclass(frozen=True)
class Step:
    name: str
    title: str  # the paper's Vietnamese name, printed on its form
    roles: tuple[str, ...]  # who records it (accounts' roles; admin always may)
    fields: tuple[str, ...]  # what a generated form needs in `data`


# In order. Papers the head signs (the council's and the destruction decision) are recorded by
# an admin, the account standing for the head's office; the archive's own papers by an
# archivist (the archive keeps the dossier and is the council's secretary).
STEPS = (
    Step("proposal", "Danh mục tài liệu đề nghị hủy và bản thuyết minh", (ARCHIVIST,), ("note",)),
    Step("council_decision", "Quyết định thành lập Hội đồng xác định giá trị tài liệu",
         (ADMIN,), ("members",)),
    Step("council_minutes", "Biên bản họp Hội đồng xác định giá trị tài liệu", (ARCHIVIST,),
         ("opinions",)),
    Step("appraisal", "Văn bản thẩm định của cơ quan lưu trữ có thẩm quyền", (ARCHIVIST,),
         ("authority",)),
    Step("head_decision", "Quyết định hủy tài liệu hết giá trị", (ADMIN,), ("decided_on",)),
    Step("handover", "Biên bản giao nhận tài liệu để hủy", (ARCHIVIST,), ("receiver",)),
)  # fmt: skip
BY_NAME = {s.name: s for s in STEPS}
PLACE = {s.name: n for n, s in enumerate(STEPS)}  # steps are recorded in this order, once
APPRAISAL = "appraisal"
HEAD_DECISION = "head_decision"
# The last paper, written by the destruction itself (certificate.py), never recorded by hand.
FINAL_TITLE = "Biên bản hủy tài liệu hết giá trị"
# Free fields any step may carry besides its own: the paper's number and a remark.
EXTRA = ("number", "note")


def required_steps(appraisal_required: bool) -> list[Step]:
    """The steps a batch's dossier needs, in order (the appraisal only where required)."""
    return [s for s in STEPS if appraisal_required or s.name != APPRAISAL]


def step_named(name: str, appraisal_required: bool) -> Step:
    names = [s.name for s in required_steps(appraisal_required)]
    if name not in names:
        raise DossierStepError(
            f"Không có bước {name!r} trong hồ sơ hủy; các bước: {', '.join(names)} / "
            f"No dossier step {name!r}"
        )
    return BY_NAME[name]


def missing(entries: Iterable[Mapping[str, Any]], appraisal_required: bool) -> list[str]:
    done = {e["step"] for e in entries}
    return [s.name for s in required_steps(appraisal_required) if s.name not in done]


def check_next(entries: Iterable[Mapping[str, Any]], name: str, appraisal_required: bool) -> Step:
    """The step `name`, if it is the next one to record: steps go in order, and a recorded
    step is never recorded again (no silent change: the dossier is evidence)."""
    step = step_named(name, appraisal_required)
    todo = missing(entries, appraisal_required)
    if name not in todo:
        raise DossierStepError(
            f"Bước {name} đã được ghi, không sửa được / Step {name} is already recorded"
        )
    if todo[0] != name:
        raise DossierStepError(
            f"Phải ghi bước {todo[0]} trước bước {name} / Record {todo[0]} before {name}"
        )
    return step


def check_role(step: Step, role: str | None) -> None:
    """`role` None: no account exists yet, so nothing to check (as approvals do)."""
    if role is not None and role != ADMIN and role not in step.roles:
        raise StepRefused(
            f"Bước {step.name} do người có vai trò {'/'.join(step.roles)} ghi / "
            f"Step {step.name} is recorded by: {'/'.join(step.roles)}"
        )


def members_of(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    for e in entries:
        if e["step"] == "council_decision":
            return list(e["data"].get("members") or [])
    return []


def clean_data(
    step: Step, data: Mapping[str, Any], entries: list[Mapping[str, Any]], today: date
) -> dict[str, Any]:
    """The entry's `data`, checked: every field its form needs; the minutes give one opinion
    (agree/disagree, remark) for each member of the council and no one else; the head's
    decision has a date not after today."""
    kept = {k: str(data[k]).strip() for k in EXTRA if data.get(k)}
    if step.name == "council_decision":
        return {**kept, "members": _members(data.get("members"))}
    if step.name == "council_minutes":
        return {**kept, "opinions": _opinions(data.get("opinions"), members_of(entries))}
    if step.name == HEAD_DECISION:
        return {**kept, "decided_on": _decided_on(data.get("decided_on"), today)}
    for field in step.fields:
        if not str(data.get(field) or "").strip():
            raise DossierStepError(f"Bước {step.name} cần {field!r} / Step needs {field!r}")
        kept[field] = str(data[field]).strip()
    return kept


def _members(value: Any) -> list[dict[str, str]]:
    members = [
        {"name": str(m.get("name") or "").strip(), "position": str(m.get("position") or "")}
        for m in value or []
        if isinstance(m, Mapping)
    ]
    names = [m["name"] for m in members]
    if not names or "" in names or len(set(names)) != len(names):
        raise DossierStepError(
            "Cần danh sách thành viên hội đồng, mỗi người một tên / Council members required"
        )
    return members


def _opinions(value: Any, members: list[dict[str, str]]) -> list[dict[str, str]]:
    given = {str(o.get("name") or ""): o for o in value or [] if isinstance(o, Mapping)}
    names = [m["name"] for m in members]
    if set(given) != set(names):
        raise DossierStepError(
            "Biên bản phải ghi ý kiến của đúng từng thành viên hội đồng: "
            f"{', '.join(names)} / The minutes need each member's opinion"
        )
    if any(given[n].get("opinion") not in OPINIONS for n in names):
        raise DossierStepError("Ý kiến là agree hoặc disagree / Opinion must be agree|disagree")
    return [
        {"name": n, "opinion": given[n]["opinion"], "remark": str(given[n].get("remark") or "")}
        for n in names
    ]


def _decided_on(value: Any, today: date) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise DossierStepError(
            "Cần ngày quyết định hủy (YYYY-MM-DD) / decided_on (YYYY-MM-DD) required"
        ) from None
    if day > today:
        raise DossierStepError("Ngày quyết định hủy ở tương lai / decided_on is in the future")
    return day.isoformat()


def window_end(entries: Iterable[Mapping[str, Any]], window_days: int) -> date | None:
    """The last day destruction may run: `window_days` after the head's decision."""
    for e in entries:
        if e["step"] == HEAD_DECISION:
            return date.fromisoformat(e["data"]["decided_on"]) + timedelta(days=window_days)
    return None


def check_ready(
    entries: list[Mapping[str, Any]], appraisal_required: bool, window_days: int, today: date
) -> None:
    """Refuse a destruction whose dossier is not complete, or whose window after the head's
    decision (TT 06/2025, as summarised: 15 days) has passed."""
    if todo := missing(entries, appraisal_required):
        titles = "; ".join(BY_NAME[n].title for n in todo)
        raise DossierIncomplete(
            f"Hồ sơ hủy chưa đủ, còn thiếu: {titles} / The destruction dossier is incomplete, "
            f"missing: {', '.join(todo)}"
        )
    end = window_end(entries, window_days)
    if end is not None and today > end:
        raise WindowPassed(
            f"Đã quá hạn hủy {window_days} ngày sau quyết định hủy (hết ngày "
            f"{end:%d/%m/%Y}) / The destruction window closed on {end.isoformat()}"
        )


def view(
    entries: list[Mapping[str, Any]], appraisal_required: bool, window_days: int
) -> dict[str, Any]:
    """The dossier as its readers see it: each step in order, recorded or missing."""
    recorded = {e["step"]: e for e in entries}
    steps = [
        {"step": s.name, "title": s.title, "roles": list(s.roles),
         "entry": _shown(recorded.get(s.name))}
        for s in required_steps(appraisal_required)
    ]  # fmt: skip
    end = window_end(entries, window_days)
    return {
        "steps": steps,
        "missing": missing(entries, appraisal_required),
        "complete": not missing(entries, appraisal_required),
        "appraisal_required": appraisal_required,
        "window_days": window_days,
        "window_end": end.isoformat() if end else None,
        "final": FINAL_TITLE,
    }


def _shown(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    keys = ("by", "role", "at", "kind", "sha256", "media_type", "data")
    return {k: entry.get(k) for k in keys}
