# ruff: noqa: E501 (the rules table keeps one rule a row)
"""Petitions to the letter of the law: one table per rule, each row citing its article.

Invariants: deadlines count on Vietnam's calendar (the `holidays` package, Government notices
in deploy/calendar.yaml), never on weekends only — a year it does not know is an error; the
Party's 90/180 days apply only to a tố cáo (QĐ 22-QĐ/TW Điều 20); an anonymous tố cáo is
information, not a tố cáo (Luật TC 2018 Điều 25), kept without a duty to handle it unless it
gives concrete evidence (Điều 25.2); a tố cáo is extended once if phức tạp, twice if đặc biệt
phức tạp, never otherwise (Điều 30), and extensions stored before that rule are computed with a
warning, never a crash; a second complaint has its own limits
(Luật KN 2011 Điều 37); the verification days apply only to accepting a tố cáo (Luật TC 2018
Điều 29.1); a signed letter without a readable name is "identity to confirm", never silently
anonymous; the receipt date a clerk sets moves the deadlines.
"""

from datetime import date

import pytest

from services.common.calendar import UnknownYear, WorkCalendar, load_calendar, parse_calendar
from services.registers.deadlines import (
    COMPLEXITY_BELOW_EXTENSIONS,
    EVIDENCE_OF_ANONYMOUS,
    NEEDS_COMPLEXITY,
    TOO_MANY_EXTENSIONS,
    Body,
    Case,
    PetitionRules,
    check_correction,
    handling,
)
from services.registers.petition_book import (
    book_table,
    due_list,
    petition_metadata,
    set_received,
    shown_facts,
    warning_of,
    with_deadlines,
)
from services.registers.petitions import ANONYMOUS, NAMED, TO_CONFIRM, read_petition

pytestmark = pytest.mark.unit

CAL = load_calendar()
STATE = PetitionRules(Body("state"), CAL)
REMOTE = PetitionRules(Body("state", remote=True), CAL)
PARTY = PetitionRules(Body("party"), CAL)
CENTRAL = PetitionRules(Body("party", "central"), CAL)
D = date


# --- the calendar (Bộ luật Lao động 2019 Điều 112; Government notices) ------------------------
@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (D(2025, 4, 26), True, "Saturday worked for 2/5/2025 (TB 6150/TB-BLĐTBXH, in the package)"),
        (D(2025, 5, 2), False, "swapped with 26/4/2025"),
        (D(2025, 4, 7), False, "Giỗ Tổ Hùng Vương 10/3 âm lịch"),
        (D(2025, 4, 30), False, "30/4"),
        (D(2025, 5, 1), False, "1/5"),
        (D(2025, 9, 1), False, "Quốc khánh: the second day (BLLĐ 2019 Điều 112, since 2021)"),
        (D(2026, 8, 22), True, "Saturday worked for 31/8/2026"),
        (D(2026, 8, 31), False, "Quốc khánh 2026 break 29/8–2/9"),
        (D(2026, 9, 1), False, "Quốc khánh 2026"),
        (D(2026, 9, 2), False, "Quốc khánh 2026"),
        (D(2026, 9, 3), True, "back to work"),
        (D(2026, 1, 2), False, "12729/VPCP-KGVX: Friday off (deploy/calendar.yaml)"),
        (D(2026, 1, 10), True, "12729/VPCP-KGVX: Saturday worked (deploy/calendar.yaml)"),
        (D(2027, 2, 5), False, "Tết Đinh Mùi 2027: 30 Tết (mùng 1 is Saturday 6/2)"),
        (D(2027, 2, 8), False, "Tết 2027: mùng 3"),
        (D(2027, 2, 10), False, "Tết 2027: a day off for mùng 1 on a Saturday"),
        (D(2027, 2, 11), True, "after Tết 2027"),
    ],
)
def test_the_calendar_knows_vietnams_days_off(day, working, why):
    assert CAL.is_working_day(day) is working, why


def test_a_year_the_calendar_does_not_know_is_an_error_not_weekends_only():
    with pytest.raises(UnknownYear, match="2101"):
        CAL.working_days_after(D(2100, 12, 28), 7)
    with pytest.raises(ValueError, match="does not know"):
        parse_calendar({"version": 1, "days_off": [{"date": "2101-01-02", "notice": "x/y"}]})
    with pytest.raises(ValueError, match="notice"):
        parse_calendar({"version": 1, "days_off": [{"date": "2026-01-02"}]})


@pytest.mark.parametrize(
    ("start", "n", "due", "why"),
    [
        (
            D(2025, 4, 24),
            7,
            D(2025, 5, 7),
            "tố cáo of 24/4/2025: counts Saturday 26/4, skips 30/4–2/5",
        ),
        (D(2026, 8, 27), 3, D(2026, 9, 4), "over Quốc khánh 2026: 28/8, 3/9, 4/9"),
        (D(2027, 2, 3), 2, D(2027, 2, 12), "over Tết 2027: 11/2, 12/2"),
    ],
)
def test_working_days_after(start, n, due, why):
    assert CAL.working_days_after(start, n) == due, why


def test_a_calendar_period_ending_in_quoc_khanh_2026_ends_after_it():
    # BLDS 2015 Điều 148.5: 30 days after 31/7/2026 is Sun 30/8, in the break → Thu 3/9
    assert CAL.calendar_days_after(D(2026, 7, 31), 30) == D(2026, 9, 3)


# --- limits, rule by rule ---------------------------------------------------------------------
def steps(rules, **facts):
    got = handling(rules, Case(**facts))
    return got.procedure, [(d.step, d.days, d.unit, d.due) for d in got.deadlines]


ACCEPTED = D(2026, 3, 4)
RULES = [
    # (article, rules, facts, procedure, [(step, days, unit, due)])
    ("Luật TC 2018 Điều 29.1, 30 (24/4/2025)", STATE, dict(category="to_cao", received=D(2025, 4, 24)),
     "to_cao", [("accept", 7, "working", D(2025, 5, 7)), ("resolve", 30, "calendar", D(2025, 6, 6))]),
    ("Luật TC 2018 Điều 29.1: 10 working days to verify at several places", STATE,
     dict(category="to_cao", received=D(2025, 4, 24), verification=True),
     "to_cao", [("accept", 10, "working", D(2025, 5, 12)), ("resolve", 30, "calendar", D(2025, 6, 11))]),
    ("Luật TC 2018 Điều 30: phức tạp, one extension", STATE,
     dict(category="to_cao", received=D(2026, 3, 2), accepted=ACCEPTED, extensions=1, complexity="phuc_tap"),
     "to_cao", [("accept", 7, "working", D(2026, 3, 11)), ("resolve", 60, "calendar", D(2026, 5, 4))]),
    ("Luật TC 2018 Điều 30: đặc biệt phức tạp, two extensions", STATE,
     dict(category="to_cao", received=D(2026, 3, 2), accepted=ACCEPTED, extensions=2, complexity="dac_biet_phuc_tap"),
     "to_cao", [("accept", 7, "working", D(2026, 3, 11)), ("resolve", 90, "calendar", D(2026, 6, 2))]),
    ("Luật TC 2018 Điều 30: complexity alone extends nothing", STATE,
     dict(category="to_cao", received=D(2026, 3, 2), accepted=ACCEPTED, complexity="dac_biet_phuc_tap"),
     "to_cao", [("accept", 7, "working", D(2026, 3, 11)), ("resolve", 30, "calendar", D(2026, 4, 3))]),
    ("Luật TC 2018 Điều 25.2: anonymous, evidence not decided yet = handling step kept", STATE,
     dict(category="to_cao", received=D(2025, 4, 24), anonymous=True),
     "thong_tin", [("handle", 10, "working", D(2025, 5, 12))]),
    ("Luật TC 2018 Điều 25.2: anonymous with concrete evidence = examine or forward (TT 05/2021 handling)", STATE,
     dict(category="to_cao", received=D(2025, 4, 24), anonymous=True, evidence=True),
     "thong_tin", [("handle", 10, "working", D(2025, 5, 12))]),
    ("Luật TC 2018 Điều 25: anonymous without evidence = kept (lưu đơn), no deadline", STATE,
     dict(category="to_cao", received=D(2025, 4, 24), anonymous=True, evidence=False),
     "luu_don", []),
    ("Luật KN 2011 Điều 27, 28: first complaint", STATE,
     dict(category="khieu_nai", received=D(2026, 3, 2), accepted=ACCEPTED),
     "khieu_nai", [("accept", 10, "calendar", D(2026, 3, 12)), ("resolve", 30, "calendar", D(2026, 4, 3))]),
    ("Luật KN 2011 Điều 28: remote area, complex", REMOTE,
     dict(category="khieu_nai", received=D(2026, 3, 2), accepted=ACCEPTED, complexity="phuc_tap"),
     "khieu_nai", [("accept", 10, "calendar", D(2026, 3, 12)), ("resolve", 60, "calendar", D(2026, 5, 4))]),
    ("Luật KN 2011 Điều 28: no 'đặc biệt' level for a complaint, the complex period", STATE,
     dict(category="khieu_nai", received=D(2026, 3, 2), accepted=ACCEPTED, complexity="dac_biet_phuc_tap"),
     "khieu_nai", [("accept", 10, "calendar", D(2026, 3, 12)), ("resolve", 45, "calendar", D(2026, 4, 20))]),
    ("Luật KN 2011 Điều 37: second complaint", STATE,
     dict(category="khieu_nai", received=D(2026, 3, 2), accepted=ACCEPTED, instance=2),
     "khieu_nai", [("accept", 10, "calendar", D(2026, 3, 12)), ("resolve", 45, "calendar", D(2026, 4, 20))]),
    ("Luật KN 2011 Điều 37: second, complex", STATE,
     dict(category="khieu_nai", received=D(2026, 3, 2), accepted=ACCEPTED, instance=2, complexity="phuc_tap"),
     "khieu_nai", [("accept", 10, "calendar", D(2026, 3, 12)), ("resolve", 60, "calendar", D(2026, 5, 4))]),
    ("Luật KN 2011 Điều 37: second, remote", REMOTE,
     dict(category="khieu_nai", received=D(2026, 3, 2), accepted=ACCEPTED, instance=2),
     "khieu_nai", [("accept", 10, "calendar", D(2026, 3, 12)), ("resolve", 60, "calendar", D(2026, 5, 4))]),
    ("Luật KN 2011 Điều 37: second, remote, complex", REMOTE,
     dict(category="khieu_nai", received=D(2026, 3, 2), accepted=ACCEPTED, instance=2, complexity="phuc_tap"),
     "khieu_nai", [("accept", 10, "calendar", D(2026, 3, 12)), ("resolve", 70, "calendar", D(2026, 5, 13))]),
    ("TT 05/2021/TT-TTCP: kiến nghị in Tết 2027", STATE, dict(category="kien_nghi", received=D(2027, 2, 1)),
     "kien_nghi", [("handle", 10, "working", D(2027, 2, 22))]),
    ("QĐ 22-QĐ/TW Điều 20: Party tố cáo, 90 days", PARTY, dict(category="to_cao", received=D(2026, 6, 3)),
     "party", [("resolve", 90, "calendar", D(2026, 9, 3))]),  # 1/9 → after Quốc khánh
    ("QĐ 22-QĐ/TW Điều 20: central, 180 days", CENTRAL, dict(category="to_cao", received=D(2026, 1, 5)),
     "party", [("resolve", 180, "calendar", D(2026, 7, 6))]),
    ("QĐ 22-QĐ/TW names no limit for a complaint: no 90/180", PARTY,
     dict(category="khieu_nai", received=D(2026, 1, 5)), "party", []),
    ("QĐ 22-QĐ/TW names no limit for a kiến nghị", PARTY, dict(category="kien_nghi", received=D(2026, 1, 5)),
     "party", []),
    ("Hướng dẫn 02-HD/TW: complaint and denunciation, the Party resolves the complaint only", PARTY,
     dict(category="to_cao", received=D(2026, 6, 3), complaint_and_denunciation=True), "party", []),
    ("Luật TC 2018 Điều 29.1, 30: a state body keeps the tố cáo's limits", STATE,
     dict(category="to_cao", received=D(2025, 4, 24), complaint_and_denunciation=True),
     "to_cao", [("accept", 7, "working", D(2025, 5, 7)), ("resolve", 30, "calendar", D(2025, 6, 6))]),
    ("QĐ 22-QĐ/TW Điều 20: anonymous not handled", PARTY,
     dict(category="to_cao", received=D(2026, 1, 5), anonymous=True), "none", []),
    ("QĐ 22-QĐ/TW Điều 20: anonymous not handled, evidence or not", PARTY,
     dict(category="to_cao", received=D(2026, 1, 5), anonymous=True, evidence=True), "none", []),
]  # fmt: skip


@pytest.mark.parametrize(("article", "rules", "facts", "procedure", "expected"), RULES)
def test_limits_follow_the_article(article, rules, facts, procedure, expected):
    assert steps(rules, **facts) == (procedure, expected), article


@pytest.mark.parametrize(
    ("rules", "facts", "article"),
    [
        (STATE, dict(category="khieu_nai", verification=True), "Luật TC 2018 Điều 29.1"),
        (
            STATE,
            dict(category="to_cao", anonymous=True, verification=True),
            "Luật TC 2018 Điều 29.1",
        ),
        (PARTY, dict(category="to_cao", verification=True), "Luật TC 2018 Điều 29.1"),
        (STATE, dict(category="to_cao", instance=2), "Luật KN 2011 Điều 37"),
        (STATE, dict(category="to_cao", extensions=3), "tối đa 2 lần"),
        (STATE, dict(category="to_cao", complexity="rat_phuc_tap"), "phuc_tap, dac_biet_phuc_tap"),
        (STATE, dict(category="khieu_nai", extensions=1), "Luật TC 2018 Điều 30"),
        (REMOTE, dict(category="kien_nghi", extensions=1), "Luật TC 2018 Điều 30"),
        (STATE, dict(category="to_cao", anonymous=True, extensions=1), "Luật TC 2018 Điều 30"),
        (PARTY, dict(category="khieu_nai", extensions=1), "Luật TC 2018 Điều 30"),
    ],
)
def test_facts_the_law_does_not_allow_are_refused(rules, facts, article):
    with pytest.raises(ValueError, match=article):
        handling(rules, Case(received=D(2026, 3, 2), **facts))


def test_the_party_handling_says_why_there_is_no_deadline():
    got = handling(PARTY, Case("khieu_nai", D(2026, 1, 5)))
    assert got.handled and not got.deadlines and "90/180" in got.note


@pytest.mark.parametrize("title", ["ĐƠN TỐ CÁO, KHIẾU NẠI", "ĐƠN KHIẾU NẠI, TỐ CÁO"])
def test_a_party_body_resolves_only_the_complaint_of_a_letter_that_also_denounces(title):
    """Hướng dẫn 02-HD/TW (summary): whichever category the title names first, a Party body
    resolves the complaint and guides the denunciation, so QĐ 22's 90 days do not run."""
    text = (
        f"{title}\nKính gửi: Ban Thường vụ Tỉnh ủy\nTôi là Lê Văn Tám.\nTôi tố cáo ông Hồ Văn Dũng."
    )
    petition = read_petition(text)
    assert petition.sealed and petition.complaint_and_denunciation
    meta = petition_metadata(petition, D(2026, 6, 3), PARTY)
    assert (meta["procedure"], meta["deadlines"], meta["next_due"]) == ("party", [], None)
    assert "02-HD/TW" in meta["note"]


# --- who wrote it -------------------------------------------------------------------------------
HEAD = "ĐƠN TỐ CÁO\nKính gửi: Thanh tra tỉnh\n"
WRITERS = [
    (HEAD + "Tôi là Lê Văn Tám, trú tại thôn 3, xã Cát Hanh.\nTôi tố cáo ông Hồ Văn Dũng.", NAMED),
    (HEAD + "Tôi xin giấu tên.\nTôi tố cáo ông Hồ Văn Dũng.", ANONYMOUS),
    (HEAD + "Tôi tố cáo ông Hồ Văn Dũng nhận hối lộ.", ANONYMOUS),
    (HEAD + "Tôi tố cáo ông Hồ Văn Dũng.\nNgười tố cáo\n(Ký, ghi rõ họ tên)\n~ ~", TO_CONFIRM),
    (HEAD + "Trú tại thôn 3, xã Cát Hanh.\nTôi tố cáo ông Hồ Văn Dũng.", TO_CONFIRM),
    # named without an address (Luật TC 2018 Điều 25: name AND address): the desk confirms
    (HEAD + "Tôi là Lê Văn Tám.\nTôi tố cáo ông Hồ Văn Dũng.", TO_CONFIRM),
]


@pytest.mark.parametrize(("text", "writer"), WRITERS)
def test_a_signed_letter_without_a_readable_name_is_identity_to_confirm(text, writer):
    petition = read_petition(text, "don_to_cao")
    assert petition.writer == writer
    meta = petition_metadata(petition, D(2025, 4, 24), STATE)
    # Luật TC 2018 Điều 25: only a letter known to be anonymous leaves the tố cáo procedure.
    assert meta["procedure"] == ("thong_tin" if writer == ANONYMOUS else "to_cao")


def test_a_second_complaint_is_read_from_the_letter():
    text = "ĐƠN KHIẾU NẠI (lần hai)\nKính gửi: UBND tỉnh\nTôi là Lê Văn Tám, khiếu nại lần hai."
    assert read_petition(text).instance == 2


# --- the receipt date -------------------------------------------------------------------------
def test_the_receipt_date_a_clerk_sets_moves_the_deadlines():
    petition = petition_metadata(read_petition(WRITERS[0][0], "don_to_cao"), D(2025, 4, 28), STATE)
    assert petition["next_due"]["due"] == "2025-05-12"  # from 28/4: 29/4, 5/5 … 12/5
    moved = set_received(petition, D(2025, 4, 24), "postmark", D(2025, 5, 1), STATE)
    assert (moved["received"], moved["received_source"]) == ("2025-04-24", "postmark")
    assert moved["next_due"]["due"] == "2025-05-07"
    with pytest.raises(ValueError, match="sau hôm nay"):
        set_received(petition, D(2025, 5, 2), "desk", D(2025, 5, 1), STATE)
    with pytest.raises(ValueError, match="Nguồn"):
        set_received(petition, D(2025, 4, 24), "scan", D(2025, 5, 1), STATE)


def test_the_book_prints_no_identity_and_dates_as_dd_mm_yyyy():
    petition = petition_metadata(read_petition(WRITERS[3][0], "don_to_cao"), D(2025, 4, 24), STATE)
    entry = {"id": "a", "number": 7, "meta": {"subject": "Tố cáo […]", "petition": petition}}
    table = book_table(D(2025, 4, 1), D(2025, 4, 30), [entry])
    assert table.rows[0][:4] == ["07", "24/04/2025", "Cần xác nhận danh tính", "Tố cáo"]
    assert table.rows[0][8] == "06/06/2025" and table.title == "SỔ THEO DÕI ĐƠN THƯ"


def test_an_empty_calendar_still_knows_vietnams_holidays():
    assert not WorkCalendar().is_working_day(D(2026, 2, 17))  # Tết Bính Ngọ


def test_the_unusual_days_of_2026_are_those_of_the_notices():
    """Every weekday off and weekend worked in 2026, as `luutru petitions days-off 2026` lists
    them: Tết Dương lịch (12729/VPCP-KGVX), Tết Bính Ngọ 16–20/2, Giỗ Tổ (Sunday 26/4) off on
    27/4, 30/4–1/5, Quốc khánh 29/8–2/9 with 22/8 worked, 24/11 (Ngày Văn hóa Việt Nam, as
    the package has it). A change of the package's data fails here, for a person to check."""
    off = [(1, 1), (1, 2), (2, 16), (2, 17), (2, 18), (2, 19), (2, 20), (4, 27), (4, 30),
           (5, 1), (8, 31), (9, 1), (9, 2), (11, 24)]  # fmt: skip
    worked = [(1, 10), (8, 22)]
    expected = sorted(
        [(D(2026, m, d), False) for m, d in off] + [(D(2026, m, d), True) for m, d in worked]
    )
    assert CAL.unusual_days(2026) == expected


# --- complexity and extensions (Luật TC 2018 Điều 30) -------------------------------------------
@pytest.mark.parametrize(
    ("complexity", "extensions", "allowed"),
    [
        (None, 0, True),
        (None, 1, False),
        ("phuc_tap", 1, True),
        ("phuc_tap", 2, False),
        ("dac_biet_phuc_tap", 2, True),
    ],
)
def test_a_denunciation_is_extended_once_per_complexity_level(complexity, extensions, allowed):
    case = Case("to_cao", D(2026, 3, 2), extensions=extensions, complexity=complexity)
    got = handling(STATE, case)
    assert got.warning == (None if allowed else NEEDS_COMPLEXITY)
    # the stored extensions still count (each was decided in writing): 30 days each
    assert got.deadlines[-1].days == 30 * (1 + extensions)
    if allowed:
        check_correction(STATE, case, {"extensions", "complexity"})
    else:
        with pytest.raises(ValueError, match="Điều 30") as refused:
            check_correction(STATE, case, {"extensions"})
        assert str(refused.value) == TOO_MANY_EXTENSIONS  # a rule, no value of the case


def test_lowering_the_complexity_below_the_extensions_is_refused_by_its_own_message():
    case = Case("to_cao", D(2026, 3, 2), extensions=2, complexity="phuc_tap")
    with pytest.raises(ValueError) as refused:
        check_correction(STATE, case, {"complexity"})
    assert str(refused.value) == COMPLEXITY_BELOW_EXTENSIONS
    assert str(refused.value).startswith("Luật Tố cáo 2018 Điều 30: không hạ mức độ phức tạp")
    # a correction of something else leaves stored extensions to the warning
    check_correction(STATE, case, {"closed_on"})


def test_the_evidence_flag_belongs_to_an_anonymous_denunciation_only():
    check_correction(STATE, Case("to_cao", D(2026, 3, 2), anonymous=True), {"evidence"})
    for case in (Case("to_cao", D(2026, 3, 2)), Case("kien_nghi", D(2026, 3, 2), anonymous=True)):
        with pytest.raises(ValueError) as refused:
            check_correction(STATE, case, {"evidence"})
        assert str(refused.value) == EVIDENCE_OF_ANONYMOUS


def test_a_party_body_keeps_its_90_days_and_no_article_30_warning():
    got = handling(PARTY, Case("to_cao", D(2026, 6, 3), extensions=2))
    assert got.warning is None and [d.days for d in got.deadlines] == [90]


LEGACY = {  # as stored before complexity had levels: complex true, two extensions
    "category": "to_cao", "writer": "named", "anonymous": False, "accused": "ông Hồ Văn Dũng",
    "received": "2026-03-02", "received_source": "registered", "instance": 1,
    "complaint_and_denunciation": False, "verification": False, "body": "state",
    "procedure": "to_cao", "handled": True, "note": None, "accepted_on": "2026-03-04",
    "closed_on": None, "extensions": 2, "complex": True,
    "deadlines": [
        {"step": "accept", "due": "2026-03-11", "days": 7, "unit": "working", "counted_from": "received", "basis": "Luật TC 2018 Điều 29.1"},
        {"step": "resolve", "due": "2026-06-02", "days": 90, "unit": "calendar", "counted_from": "accepted", "basis": "Luật TC 2018 Điều 30, gia hạn 2 lần"},
    ],
    "next_due": {"step": "resolve", "due": "2026-06-02", "days": 90, "unit": "calendar", "counted_from": "accepted", "basis": "Luật TC 2018 Điều 30, gia hạn 2 lần"},
}  # fmt: skip


def test_a_letter_stored_with_complex_true_and_two_extensions_is_read_with_a_warning():
    """Read as it lies (never recomputed): the book, the desk and the record page warn."""
    assert warning_of(LEGACY) == NEEDS_COMPLEXITY
    assert shown_facts(LEGACY) | {"note": None} == {
        "complexity": "phuc_tap", "extensions": 2, "evidence": None,
        "anonymous_denunciation": False, "note": None, "warning": NEEDS_COMPLEXITY,
    }  # fmt: skip
    entry = {
        "id": "a",
        "register": "don",
        "number": 3,
        "meta": {"subject": "S", "petition": LEGACY},
    }
    [row] = due_list([entry], D(2026, 5, 1))
    assert (row["due"], row["complexity"], row["extensions"]) == ("2026-06-02", "phuc_tap", 2)
    assert row["warning"] == NEEDS_COMPLEXITY
    [printed] = book_table(D(2026, 3, 1), D(2026, 3, 31), [entry]).rows
    assert (
        printed[10] == "Phức tạp, gia hạn 2 lần; Cần xác định mức độ phức tạp: số lần gia hạn"
        " đã ghi vượt mức Luật Tố cáo 2018 Điều 30 cho phép"
    )


def test_a_letter_stored_with_complex_true_is_recomputed_as_phuc_tap_with_its_extensions():
    got = with_deadlines(LEGACY, STATE)
    assert "complex" not in got and got["complexity"] == "phuc_tap"
    assert (got["warning"], got["next_due"]["due"]) == (NEEDS_COMPLEXITY, "2026-06-02")
    settled = with_deadlines({**got, "complexity": "dac_biet_phuc_tap"}, STATE)
    assert settled["warning"] is None and warning_of(settled) is None
    one = with_deadlines({**LEGACY, "extensions": 1}, STATE)  # complex: true allows one
    assert (one["complexity"], one["warning"]) == ("phuc_tap", None)
    plain = with_deadlines({**LEGACY, "complex": False, "extensions": 1}, STATE)
    assert (plain["complexity"], plain["warning"]) == (None, NEEDS_COMPLEXITY)


def test_an_anonymous_denunciation_without_evidence_is_kept_off_the_desk():
    petition = petition_metadata(read_petition(WRITERS[1][0], "don_to_cao"), D(2025, 4, 24), STATE)
    assert (petition["evidence"], petition["procedure"], petition["handled"]) == (
        None,
        "thong_tin",
        True,
    )
    assert "cần xác định có tài liệu, chứng cứ cụ thể" in petition["note"]
    kept = with_deadlines({**petition, "evidence": False}, STATE)
    assert (kept["procedure"], kept["handled"], kept["deadlines"], kept["next_due"]) == (
        "luu_don", False, [], None,
    )  # fmt: skip
    entry = {"id": "a", "register": "don", "number": 1, "meta": {"subject": "S", "petition": kept}}
    assert due_list([entry], D(2025, 4, 25)) == []
    [printed] = book_table(D(2025, 4, 1), D(2025, 4, 30), [entry]).rows
    assert printed[2] == "Nặc danh" and printed[6] == "Lưu đơn (Luật TC Điều 25)"
    assert printed[10].startswith("Tố cáo nặc danh không có tài liệu, chứng cứ cụ thể: lưu đơn")
    examined = with_deadlines({**petition, "evidence": True}, STATE)
    assert examined["next_due"]["due"] == "2025-05-12"
    assert "xem xét, kiểm tra theo thẩm quyền hoặc chuyển cơ quan có thẩm quyền" in examined["note"]
