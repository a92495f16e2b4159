"""Legal deadlines of petitions (đơn thư): what a letter is handled as, and by when. Domain only.

Every limit below cites its article ("(summary)": read in a secondary source, not the text
itself; "(common reading)": commonly cited, the article's text not read here). Days are counted
on `services.common.calendar.WorkCalendar` (Bộ luật Dân sự 2015 Điều 147–148): a
period starts the day after its event; a calendar-day period ending on a day off ends on the
next working day; a working-day period skips weekends, holidays and swapped days.

State body (Luật Khiếu nại 2011, Luật Tố cáo 2018, TT 05/2021/TT-TTCP):
- khiếu nại lần đầu: accept within 10 days of receipt (Luật KN Điều 27); decide within 30
  days of acceptance, 45 if complex; remote areas 45 / 60 (Điều 28).
- khiếu nại lần hai: accept within 10 days (Điều 36 (common reading)); decide within 45 days, 60 if
  complex; remote areas 60 / 70 (Điều 37). The law has no "đặc biệt phức tạp" level for a
  complaint: both complexity levels take the longer period.
- tố cáo: accept within 7 working days of receipt, 10 when it must be verified at several
  places (Luật TC Điều 29.1 (common reading)); resolve within 30 days of acceptance (Điều 30
  (summary)); a phức tạp case may be extended once, an đặc biệt phức tạp case twice, each by
  at most 30 days, each decided in writing; a case of neither level is not extended.
- tố cáo without a name, or whose writer cannot be identified: not handled as a tố cáo (Luật
  TC Điều 25.1 (summary)). If it names the wrongdoer and gives concrete evidence that can be
  checked (`evidence`), the body examines it within its powers or forwards it (Điều 25.2
  (summary)); TT 05/2021/TT-TTCP lists such letters as eligible for processing, so its
  handling step (10 working days) applies. Without that evidence it is information kept
  (lưu đơn), with no duty to handle it. Until an officer decides (`evidence` None) it keeps
  the handling step: a letter that may be eligible never silently loses its deadline.
- kiến nghị / phản ánh: handled within 10 working days of receipt (TT 05/2021/TT-TTCP).
Party body:
- tố cáo: resolved within 90 days of receipt (province, district and below) or 180 (central)
  (Quy định 22-QĐ/TW 2021 Điều 20 (summary)). QĐ 22 was replaced by Quy định 296-QĐ/TW of
  30/5/2025, whose text could not be read: check the limits against it.
- anonymous, false-name or no-address letters: not handled, with or without evidence (Quy định
  22-QĐ/TW Điều 20 (summary)).
- khiếu nại, kiến nghị, phản ánh: the Party rules read name no limit for them, so
  none is computed (`note` says so); the 90/180 days are not applied to them.
- a letter that both complains and denounces: the Party body resolves the complaint only and
  tells the writer how to make the denunciation properly (Hướng dẫn 02-HD/TW (summary)),
  whichever category its title names first; so no 90/180 days either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from services.common.calendar import DEFAULT_PATH as CALENDAR_PATH
from services.common.calendar import WorkCalendar, load_calendar
from services.common.vocabulary import COMPLEXITY_LEVELS, COMPLEXITY_VALUES, PETITION_KINDS
from services.registers.config import REPO_ROOT, load_yaml, validate

SCHEMA_PATH = REPO_ROOT / "schemas" / "petitions.json"
DEFAULT_PATH = REPO_ROOT / "deploy" / "petitions.yaml"
# Petition kind → its rules' key ("don_to_cao" → "to_cao").
CATEGORIES = {kind: kind.removeprefix("don_") for kind in PETITION_KINDS}
# Luật TC 2018 Điều 30: a tố cáo is extended once per complexity rank (phức tạp 1, đặc biệt
# phức tạp 2), so at most twice.
MAX_EXTENSIONS = max(COMPLEXITY_LEVELS.values())
Calendar = WorkCalendar  # the name older callers use

# (instance, remote, complex) → days to decide a complaint (Luật KN 2011 Điều 28, 37).
COMPLAINT_DAYS = {
    (1, False, False): 30,
    (1, False, True): 45,
    (1, True, False): 45,
    (1, True, True): 60,
    (2, False, False): 45,
    (2, False, True): 60,
    (2, True, False): 60,
    (2, True, True): 70,
}
COMPLAINT_BASIS = {
    1: ("Luật KN 2011 Điều 27", "Luật KN 2011 Điều 28"),
    2: ("Luật KN 2011 Điều 36", "Luật KN 2011 Điều 37"),
}
BOTH_AT_PARTY = (
    "Đơn vừa khiếu nại vừa tố cáo: tổ chức đảng chỉ giải quyết nội dung khiếu nại, hướng dẫn"
    " người viết tố cáo đúng quy định (Hướng dẫn 02-HD/TW); không áp dụng 90/180 ngày"
    " / Complaint and denunciation in one letter: the Party body resolves the complaint only"
)
TOO_MANY_EXTENSIONS = (
    "Luật Tố cáo 2018 Điều 30: vụ việc phức tạp được gia hạn một lần, đặc biệt phức tạp hai"
    " lần, vụ việc khác không được gia hạn; số lần gia hạn vượt mức độ phức tạp đã ghi, ghi"
    " petition.complexity trước / Điều 30: more extensions than the case's complexity allows"
)
COMPLEXITY_BELOW_EXTENSIONS = (
    "Luật Tố cáo 2018 Điều 30: không hạ mức độ phức tạp dưới số lần gia hạn đã quyết định"
    " / Điều 30: the complexity cannot go below the extensions already granted"
)
NEEDS_COMPLEXITY = (
    "Cần xác định mức độ phức tạp: số lần gia hạn đã ghi vượt mức Luật Tố cáo 2018 Điều 30 cho"
    " phép / Set the complexity: more extensions recorded than Điều 30 allows for it"
)
EVIDENCE_OF_ANONYMOUS = (
    "Chỉ tố cáo nặc danh mới ghi có tài liệu, chứng cứ cụ thể (Luật Tố cáo 2018 Điều 25.2)"
    " / Only an anonymous denunciation carries the evidence flag"
)
NO_PARTY_LIMIT = (
    "Quy định của Đảng (QĐ 22-QĐ/TW) không nêu thời hạn cho loại đơn này; không áp dụng 90/180"
    " ngày / The Party rules read name no limit for this category"
)


@dataclass(frozen=True)
class Body:
    type: str = "state"  # "state" | "party"
    level: str = "local"  # "local" | "central"
    remote: bool = False


@dataclass(frozen=True)
class PetitionRules:
    body: Body
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


@dataclass(frozen=True)
class Deadline:
    step: str  # "accept" | "resolve" | "handle"
    due: date
    days: int
    unit: str  # "calendar" | "working"
    counted_from: str  # "received" | "accepted" | "accept_due" (acceptance not yet recorded)
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "due": self.due.isoformat(),
            "days": self.days,
            "unit": self.unit,
            "counted_from": self.counted_from,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Handling:
    """What the letter is handled as (`procedure`), whether at all, and its deadlines."""

    procedure: str  # khieu_nai | to_cao | thong_tin | kien_nghi | phan_anh | party | none
    handled: bool
    deadlines: list[Deadline]
    basis: str
    note: str | None = None
    # Stored facts the law does not allow together but which are kept and computed, for a
    # person to settle (extensions recorded before complexity had levels: NEEDS_COMPLEXITY).
    warning: str | None = None


@dataclass(frozen=True)
class Case:
    """The facts of one letter that its deadlines depend on."""

    category: str
    received: date
    anonymous: bool = False
    accepted: date | None = None
    extensions: int = 0
    complexity: str | None = None  # None | vocabulary.COMPLEXITY_VALUES
    # An anonymous tố cáo with concrete evidence (Luật TC 2018 Điều 25.2); None: not decided yet.
    evidence: bool | None = None
    instance: int = 1  # khiếu nại lần đầu (1) or lần hai (2)
    verification: bool = False  # tố cáo to verify at several places (Luật TC Điều 29.1)
    # The letter both complains and denounces ("ĐƠN KHIẾU NẠI, TỐ CÁO", "ĐƠN TỐ CÁO, KHIẾU NẠI").
    complaint_and_denunciation: bool = False


def handling(rules: PetitionRules, case: Case) -> Handling:
    """How the body handles the letter and by when; ValueError for facts the law does not
    allow (a third extension, a second instance of a tố cáo, verification days elsewhere).
    Extensions beyond the case's complexity are computed as recorded, with a `warning`: they
    may have been stored before complexity had levels (`check_correction` refuses new ones)."""
    _check(rules, case)
    if rules.body.type == "party":
        return _party(rules, case)
    if case.category == "khieu_nai":
        return Handling(
            "khieu_nai", True, _complaint(rules, case), COMPLAINT_BASIS[case.instance][1]
        )
    if case.category == "to_cao" and case.anonymous:
        return _anonymous(rules, case)
    if case.category == "to_cao":
        warning = NEEDS_COMPLEXITY if over_extended(rules.body, case) else None
        deadlines = _denunciation(rules, case)
        return Handling("to_cao", True, deadlines, "Luật TC 2018 Điều 29, 30", warning=warning)
    basis = "TT 05/2021/TT-TTCP"
    return Handling(case.category, True, [_handle(rules, case, basis)], basis)


def deadlines(
    rules: PetitionRules, category: str, *, received: date, **facts: Any
) -> list[Deadline]:
    """The deadlines alone, in order (see `handling`)."""
    return handling(rules, Case(category, received, **facts)).deadlines


def extensions_allowed(body: Body, case: Case) -> int | None:
    """How many extensions Luật TC 2018 Điều 30 allows this case (one per complexity rank);
    None where Điều 30's extensions do not apply (see `_check`). A Party body's tố cáo keeps
    its 90/180 days whatever is recorded (Quy định 22-QĐ/TW Điều 20 (summary)), so Điều 30's
    limit is not applied there."""
    if body.type != "state" or case.category != "to_cao" or case.anonymous:
        return None
    return COMPLEXITY_LEVELS[case.complexity]


def over_extended(body: Body, case: Case) -> bool:
    allowed = extensions_allowed(body, case)
    return allowed is not None and case.extensions > allowed


def check_correction(rules: PetitionRules, case: Case, changed: set[str]) -> None:
    """ValueError when a person's correction (`changed`: the petition's fields it sets) makes
    the case what the law does not allow: more extensions than its complexity allows, or a
    complexity lowered below the extensions granted (Luật TC 2018 Điều 30); the evidence flag
    on anything but an anonymous tố cáo (Điều 25.2). Stored state is not checked here: it is
    computed with a warning (`handling`)."""
    if {"extensions", "complexity"} & changed and over_extended(rules.body, case):
        lowered = "complexity" in changed and "extensions" not in changed
        raise ValueError(COMPLEXITY_BELOW_EXTENSIONS if lowered else TOO_MANY_EXTENSIONS)
    if "evidence" in changed and not (case.category == "to_cao" and case.anonymous):
        raise ValueError(EVIDENCE_OF_ANONYMOUS)


def _check(rules: PetitionRules, case: Case) -> None:
    if case.complexity is not None and case.complexity not in COMPLEXITY_VALUES:
        raise ValueError(
            f"Mức độ phức tạp phải là {', '.join(COMPLEXITY_VALUES)} hoặc trống"
            " / Unknown complexity"
        )
    if not 0 <= case.extensions <= MAX_EXTENSIONS:
        raise ValueError(
            f"Tố cáo chỉ được gia hạn tối đa {MAX_EXTENSIONS} lần (Luật TC 2018 Điều 30) / "
            f"A denunciation has at most {MAX_EXTENSIONS} extensions"
        )
    extended_denunciation = case.category == "to_cao" and not (
        rules.body.type == "state" and case.anonymous
    )
    if case.extensions and not extended_denunciation:
        # Luật TC 2018 Điều 30 extends a tố cáo's resolution; Luật KN 2011 Điều 28, 37 give a
        # complex complaint its longer period instead (`complexity`); TT 05/2021 none; an
        # anonymous tố cáo is information, not a tố cáo (Điều 25).
        raise ValueError(
            "Chỉ tố cáo mới được gia hạn giải quyết (Luật TC 2018 Điều 30); khiếu nại phức tạp"
            " ghi petition.complexity / Only a denunciation's resolution is extended"
        )
    if case.instance not in (1, 2) or (case.instance == 2 and case.category != "khieu_nai"):
        raise ValueError(
            "Chỉ khiếu nại mới có lần hai (Luật KN 2011 Điều 37) / Only a complaint has a"
            " second instance"
        )
    named_state_denunciation = (
        rules.body.type == "state" and case.category == "to_cao" and not case.anonymous
    )
    if case.verification and not named_state_denunciation:
        raise ValueError(
            "Thời hạn 10 ngày làm việc để xác minh chỉ áp dụng cho việc thụ lý tố cáo"
            " (Luật TC 2018 Điều 29.1) / The verification days apply to accepting a tố cáo only"
        )


def _anonymous(rules: PetitionRules, case: Case) -> Handling:
    """A state body's anonymous tố cáo: not a tố cáo (Luật TC 2018 Điều 25.1 (summary)).
    With concrete evidence it is examined or forwarded within TT 05/2021's handling step
    (Điều 25.2 (summary)); without, it is kept (lưu đơn), with no duty to handle it; until an
    officer decides, it keeps the handling step."""
    if case.evidence is False:
        return Handling(
            "luu_don",
            False,
            [],
            "Luật TC 2018 Điều 25",
            "Tố cáo nặc danh không có tài liệu, chứng cứ cụ thể: lưu đơn, không có nghĩa vụ xử lý"
            " (Luật TC 2018 Điều 25) / Anonymous without concrete evidence: kept, not handled",
        )
    basis = "Luật TC 2018 Điều 25.2; TT 05/2021/TT-TTCP"
    note = (
        "Tố cáo nặc danh có tài liệu, chứng cứ cụ thể: xem xét, kiểm tra theo thẩm quyền hoặc"
        " chuyển cơ quan có thẩm quyền (Luật TC 2018 Điều 25.2) / Anonymous with concrete"
        " evidence: examine within powers or forward"
        if case.evidence
        else "Tố cáo nặc danh: cần xác định có tài liệu, chứng cứ cụ thể hay không (Luật TC 2018"
        " Điều 25.2); đến khi đó xử lý như có / Anonymous: decide whether it gives concrete"
        " evidence; until then handled as if it does"
    )
    return Handling("thong_tin", True, [_handle(rules, case, basis)], basis, note)


def _party(rules: PetitionRules, case: Case) -> Handling:
    basis = "Quy định 22-QĐ/TW Điều 20"
    if case.anonymous:  # with or without evidence (Quy định 22-QĐ/TW Điều 20 (summary))
        return Handling(
            "none",
            False,
            [],
            basis,
            "Tổ chức đảng không xử lý đơn nặc danh, mạo danh, không rõ địa chỉ"
            " / Party bodies do not handle anonymous letters",
        )
    if case.complaint_and_denunciation and case.category in ("khieu_nai", "to_cao"):
        # Hướng dẫn 02-HD/TW: the complaint only, whichever the title names first.
        return Handling("party", True, [], "Hướng dẫn 02-HD/TW", BOTH_AT_PARTY)
    if case.category != "to_cao":
        return Handling("party", True, [], basis, NO_PARTY_LIMIT)
    days = 180 if rules.body.level == "central" else 90
    due = rules.calendar.calendar_days_after(case.received, days)
    return Handling(
        "party", True, [Deadline("resolve", due, days, "calendar", "received", basis)], basis
    )


def _complaint(rules: PetitionRules, case: Case) -> list[Deadline]:
    accept_basis, decide_basis = COMPLAINT_BASIS[case.instance]
    cal = rules.calendar
    accept = Deadline(
        "accept",
        cal.calendar_days_after(case.received, 10),
        10,
        "calendar",
        "received",
        accept_basis,
    )
    # Luật KN 2011 Điều 28, 37 have one "phức tạp" level: đặc biệt phức tạp takes it too.
    complex_case = COMPLEXITY_LEVELS[case.complexity] > 0
    days = COMPLAINT_DAYS[(case.instance, rules.body.remote, complex_case)]
    start, source = _start(case, accept)
    resolve = Deadline(
        "resolve", cal.calendar_days_after(start, days), days, "calendar", source, decide_basis
    )
    return [accept, resolve]


def _denunciation(rules: PetitionRules, case: Case) -> list[Deadline]:
    cal = rules.calendar
    intake = 10 if case.verification else 7
    basis = "Luật TC 2018 Điều 29.1" + (" (xác minh nhiều địa điểm)" if case.verification else "")
    accept = Deadline(
        "accept",
        cal.working_days_after(case.received, intake),
        intake,
        "working",
        "received",
        basis,
    )
    days = 30 * (1 + case.extensions)
    start, source = _start(case, accept)
    # Extensions are counted as recorded (each decided in writing), even over the complexity's
    # limit: a stored case keeps its decided deadline and `handling` warns.
    basis = "Luật TC 2018 Điều 30" + (f", gia hạn {case.extensions} lần" if case.extensions else "")
    due = cal.calendar_days_after(start, days)
    return [accept, Deadline("resolve", due, days, "calendar", source, basis)]


def _handle(rules: PetitionRules, case: Case, basis: str) -> Deadline:
    due = rules.calendar.working_days_after(case.received, 10)
    return Deadline("handle", due, 10, "working", "received", basis)


def _start(case: Case, accept: Deadline) -> tuple[date, str]:
    """Until the acceptance date is recorded, a period that counts from acceptance counts from
    the acceptance deadline (the latest it may start), so it is never too late."""
    return (case.accepted, "accepted") if case.accepted else (accept.due, "accept_due")


def next_due(items: list[Deadline], accepted: date | None) -> Deadline | None:
    """The step now running: acceptance until it is recorded, then the resolution."""
    pending = [d for d in items if not (d.step == "accept" and accepted)]
    return pending[0] if pending else None


# --- loading -----------------------------------------------------------------------------


def load_rules(
    path: str | Path = DEFAULT_PATH, calendar_path: str | Path = CALENDAR_PATH
) -> PetitionRules:
    """Read and validate `deploy/petitions.yaml` and the calendar; ValueError otherwise."""
    return parse_rules(load_yaml(path), source=str(path), calendar=load_calendar(calendar_path))


def parse_rules(
    data: Any, *, source: str = "petitions", calendar: WorkCalendar | None = None
) -> PetitionRules:
    data = validate(data, SCHEMA_PATH, source, "petition settings")
    body = data["body"]
    return PetitionRules(
        body=Body(body["type"], body.get("level", "local"), body.get("remote", False)),
        calendar=calendar or WorkCalendar(),
    )
