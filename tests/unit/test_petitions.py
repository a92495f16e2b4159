"""Petitions: recognising a letter, reading its writer apart from the rest, and the legal
deadlines around weekends, holidays and extensions.

Invariants: a numbered document is never a petition; the identity is only in
`Petition.identity`; a calendar-day deadline never ends on a day off; a working-day deadline
skips weekends and holidays; a denunciation has at most two 30-day extensions; a Party body
does not handle anonymous letters.
"""

from datetime import date

import pytest

from services.registers.deadlines import (
    Body,
    Calendar,
    PetitionRules,
    deadlines,
    load_rules,
    parse_rules,
)
from services.registers.petition_book import due_list, petition_metadata, with_deadlines
from services.registers.petitions import is_petition, read_petition, redact

pytestmark = pytest.mark.unit

DENUNCIATION = "\n".join(
    [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ĐƠN TỐ CÁO",
        "Kính gửi: Ủy ban kiểm tra Tỉnh ủy Bình Định",
        "Tôi tên là Nguyễn Văn An, sinh năm 1970,",
        "CCCD số 052 070 001 234, trú tại thôn 3, xã Cát Hanh, huyện Phù Cát.",
        "Tôi tố cáo ông Trần Văn Bình, cán bộ địa chính xã, đã nhận tiền của dân.",
        "Phù Cát, ngày 10 tháng 3 năm 2026",
        "Người tố cáo",
        "Nguyễn Văn An",
    ]
)
COMPLAINT = "\n".join(
    [
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "ĐƠN KHIẾU NẠI",
        "Kính gửi: Chủ tịch Ủy ban nhân dân huyện Phù Cát",
        "Họ và tên: Lê Thị Cúc",
        "Địa chỉ: tổ 5, phường Ngô Mây, thành phố Quy Nhơn",
        "Số CMND: 211234567",
        "Người bị khiếu nại: Chủ tịch UBND xã Cát Hanh",
        "Nội dung khiếu nại: Quyết định thu hồi đất số 12/QĐ-UBND.",
    ]
)
ANONYMOUS = "\n".join(
    [
        "ĐƠN TỐ CÁO",
        "Kính gửi: Thanh tra tỉnh",
        "Tôi xin giấu tên.",
        "Tôi tố cáo ông Hồ Văn Dũng nhận hối lộ.",
    ]
)


def test_a_letter_with_kinh_gui_and_no_number_is_a_petition():
    assert is_petition(DENUNCIATION, "don_to_cao", None)
    assert is_petition(COMPLAINT, "other", None)


def test_a_numbered_document_is_not_a_petition():
    assert not is_petition(DENUNCIATION, "don_to_cao", "15/QĐ-UBND")
    assert not is_petition("CÔNG VĂN\nV/v họp\nKính gửi: các sở", "cong_van", None)


def test_the_denouncer_is_read_into_the_identity_only():
    petition = read_petition(DENUNCIATION, "don_to_cao")
    identity = {k: petition.identity[k] for k in ("name", "address", "id_number")}
    assert identity == {
        "name": "Nguyễn Văn An",
        "address": "thôn 3, xã Cát Hanh, huyện Phù Cát",
        "id_number": "052070001234",
    }
    assert petition.identity["details"]["births"] == ["1970"]
    assert (petition.category, petition.anonymous, petition.sealed) == ("to_cao", False, True)
    assert petition.accused == "ông Trần Văn Bình"


def test_a_complaint_reads_labelled_fields():
    petition = read_petition(COMPLAINT)
    assert petition.kind == "don_khieu_nai" and not petition.sealed
    assert {k: petition.identity[k] for k in ("name", "address", "id_number")} == {
        "name": "Lê Thị Cúc",
        "address": "tổ 5, phường Ngô Mây, thành phố Quy Nhơn",
        "id_number": "211234567",
    }
    assert petition.accused == "Chủ tịch UBND xã Cát Hanh"


def test_an_unsigned_letter_is_anonymous():
    petition = read_petition(ANONYMOUS, "don_to_cao")
    assert petition.anonymous and petition.identity["name"] is None
    assert petition.accused == "ông Hồ Văn Dũng"


def test_redact_masks_the_identity_in_the_text():
    petition = read_petition(DENUNCIATION, "don_to_cao")
    masked = redact(DENUNCIATION, petition.identity)
    assert "Nguyễn Văn An" not in masked and "thôn 3, xã Cát Hanh" not in masked
    assert "Trần Văn Bình" in masked


# --- deadlines --------------------------------------------------------------------------------

TET = frozenset(date(2026, 2, d) for d in (16, 17, 18, 19, 20))
STATE = PetitionRules(Body("state"), Calendar(TET))


def due(items, step):
    return next(d.due for d in items if d.step == step)


@pytest.mark.parametrize(
    ("kind", "received", "accept_by"),
    [
        # received Thu 2026-03-05: 10 days later is Sun 2026-03-15 -> Mon 2026-03-16
        pytest.param(
            "khieu_nai", date(2026, 3, 5), date(2026, 3, 16), id="calendar-sunday-to-monday"
        ),
        # received Fri 2026-02-06: 10 days later is Mon 2026-02-16 (Tết) -> Mon 2026-02-23
        pytest.param("khieu_nai", date(2026, 2, 6), date(2026, 2, 23), id="calendar-past-tet"),
        # received Fri 2026-02-13: 7 working days skip the weekend and Tết week -> Tue 2026-03-03
        pytest.param(
            "to_cao", date(2026, 2, 13), date(2026, 3, 3), id="working-days-skip-weekends-tet"
        ),
    ],
)
def test_an_acceptance_deadline_never_ends_on_a_day_off(
    kind: str, received: date, accept_by: date
) -> None:
    """A calendar-day deadline that ends on a day off moves to the next working day; a
    working-day deadline skips weekends and holidays."""
    items = deadlines(STATE, kind, received=received)
    assert due(items, "accept") == accept_by


def test_a_complaint_is_decided_30_days_after_acceptance_or_45_if_complex():
    simple = deadlines(STATE, "khieu_nai", received=date(2026, 3, 2), accepted=date(2026, 3, 6))
    hard = deadlines(
        STATE,
        "khieu_nai",
        received=date(2026, 3, 2),
        accepted=date(2026, 3, 6),
        complexity="phuc_tap",
    )
    assert due(simple, "resolve") == date(2026, 4, 6)  # Sun 2026-04-05 -> Mon
    assert due(hard, "resolve") == date(2026, 4, 20)


def test_a_denunciation_gets_up_to_two_extensions_of_30_days():
    # đặc biệt phức tạp: two extensions allowed (Luật TC 2018 Điều 30)
    base = dict(
        received=date(2026, 3, 2), accepted=date(2026, 3, 4), complexity="dac_biet_phuc_tap"
    )
    got = [due(deadlines(STATE, "to_cao", extensions=n, **base), "resolve") for n in (0, 1, 2)]
    assert got == [date(2026, 4, 3), date(2026, 5, 4), date(2026, 6, 2)]  # 2026-05-03 is a Sunday
    with pytest.raises(ValueError, match="tối đa 2 lần"):
        deadlines(STATE, "to_cao", extensions=3, **base)


def test_without_an_acceptance_date_the_decision_counts_from_the_acceptance_deadline():
    items = deadlines(STATE, "khieu_nai", received=date(2026, 3, 5))
    resolve = next(d for d in items if d.step == "resolve")
    assert resolve.counted_from == "accept_due"
    assert resolve.due == date(2026, 4, 15)  # 2026-03-16 + 30


@pytest.mark.parametrize(("level", "days"), [("local", 90), ("central", 180)])
def test_a_party_body_resolves_in_90_or_180_days_from_receipt(level, days):
    rules = PetitionRules(Body("party", level), Calendar())
    [only] = deadlines(rules, "to_cao", received=date(2026, 1, 5))
    assert (only.step, only.days, only.counted_from) == ("resolve", days, "received")


def test_a_party_body_does_not_handle_anonymous_letters():
    rules = PetitionRules(Body("party"), Calendar())
    assert deadlines(rules, "to_cao", received=date(2026, 1, 5), anonymous=True) == []
    meta = petition_metadata(read_petition(ANONYMOUS, "don_to_cao"), date(2026, 1, 5), rules)
    assert (meta["handled"], meta["next_due"]) == (False, None)


def test_petitions_due_lists_the_next_step_and_flags_the_overdue():
    petition = petition_metadata(read_petition(COMPLAINT), date(2026, 3, 5), STATE)
    accepted = with_deadlines({**petition, "accepted_on": "2026-03-06"}, STATE)
    closed = with_deadlines({**petition, "closed_on": "2026-03-20"}, STATE)
    entries = [
        {"id": "a", "register": "don", "number": 1, "meta": {"petition": petition}},
        {"id": "b", "register": "don", "number": 2, "meta": {"petition": accepted}},
        {"id": "c", "register": "don", "number": 3, "meta": {"petition": closed}},
    ]
    rows = due_list(entries, date(2026, 3, 20))
    assert [(r["id"], r["step"], r["overdue"]) for r in rows] == [
        ("a", "accept", True),
        ("b", "resolve", False),
    ]
    assert [r["id"] for r in due_list(entries, date(2026, 3, 20), overdue_only=True)] == ["a"]


def test_the_shipped_settings_are_valid_and_a_bad_body_is_refused():
    assert load_rules().calendar.working_days  # deploy/calendar.yaml's make-up days
    with pytest.raises(ValueError, match=r"body\.type: 'ministry' is not one of"):
        parse_rules({"version": 1, "body": {"type": "ministry"}})
