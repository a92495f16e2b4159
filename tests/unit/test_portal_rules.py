"""The gateway's access rules and portal helpers, as plain functions.

Invariants: clearance k sees levels 0..k only; a denunciation's writer is seen by petition
officers alone (not admins) — everyone else gets masked text, subject and history and no
scan; the correction form sends only what changed; overdue petitions come first; the
language switch keeps the right half of a bilingual message.
"""

import pytest

from services.gateway import access, i18n
from services.gateway.accounts import Forbidden, Principal
from services.gateway.routes_desks import shown_withheld
from services.gateway.routes_pages import changed_fields, decision_field, declassified_at
from services.gateway.routes_petitions import overdue_first

pytestmark = pytest.mark.unit

IDENTITY = {
    "name": "Nguyễn Văn An",
    "address": "thôn 3, xã Cát Hanh",
    "id_number": "052070001234",
    "anonymous": False,
    "sealed": True,
}
LETTER = {
    "id": "r1",
    "register": "don",
    "metadata": {"kind": "don_to_cao", "subject": "Tố cáo của Nguyễn Văn An"},
    "history": [
        {
            "stage": "classification",
            "action": "corrected",
            "detail": {"changes": {"subject": {"old": None, "new": "Nguyễn Văn An"}}},
        }
    ],
}
TEXT = {
    "id": "r1",
    "pages": [
        {"n": 1, "text": "Tôi tên là Nguyễn Văn An, CCCD 052 070 001 234", "confidence": None}
    ],
}


def who(role: str, clearance: int = 3) -> Principal:
    return Principal(role, role, clearance)


@pytest.mark.parametrize("clearance", [0, 1, 2, 3])
def test_a_reader_sees_exactly_the_levels_up_to_their_clearance(clearance):
    for level, secrecy in enumerate([None, "mat", "toi_mat", "tuyet_mat"]):
        record = {"metadata": {"secrecy": secrecy, "secrecy_known": True}}
        assert access.visible(record, who("reader", clearance)) == (level <= clearance)


@pytest.mark.parametrize("role", ["reader", "clerk", "archivist", "admin"])
def test_everyone_but_petition_officers_gets_the_working_copy(role):
    person = who(role)
    record = access.working_record(person, LETTER, IDENTITY)
    text = access.working_text(person, LETTER, IDENTITY, TEXT)
    shown = str(record) + str(text)
    assert "Nguyễn Văn An" not in shown and "052 070 001 234" not in shown
    assert record["working_copy"] and text["working_copy"]
    with pytest.raises(Forbidden):
        access.require_scan_access(person, LETTER, IDENTITY)
    with pytest.raises(Forbidden):
        access.require_identity_role(person)


@pytest.mark.parametrize("person", [who("petition_officer", 0), *map(who, ["clerk", "admin"])])
def test_the_writer_is_a_mat_secret_even_for_a_petition_officer_of_clearance_thuong(person):
    """QĐ 774/QĐ-TTg (2020), Luật Tố cáo 2018 Điều 56.2: an officer of clearance 0 reads what
    a clerk reads; clearance 1 (Mật) is what sees_identity asks for."""
    record = access.working_record(person, LETTER, IDENTITY)
    text = access.working_text(person, LETTER, IDENTITY, TEXT)
    desk = access.desk_rows(person, [{"id": "r1", "subject": "Đơn của Nguyễn Văn An"}])
    shown = str(record) + str(text) + str(desk)
    assert "Nguyễn Văn An" not in shown and "052 070 001 234" not in shown
    assert not access.sees_identity(person)
    with pytest.raises(Forbidden):
        access.require_scan_access(person, LETTER, IDENTITY)
    with pytest.raises(Forbidden):
        access.require_identity_role(person)
    assert access.sees_identity(who("petition_officer", access.IDENTITY_CLEARANCE))


def test_a_petition_officer_reads_the_letter_and_its_scan():
    officer = who("petition_officer", 1)
    assert access.working_record(officer, LETTER, IDENTITY) is LETTER
    assert access.working_text(officer, LETTER, IDENTITY, TEXT) is TEXT
    access.require_scan_access(officer, LETTER, IDENTITY)
    access.require_identity_role(officer)


def test_a_complaint_is_read_as_written_by_everyone():
    complaint = {**LETTER, "metadata": {"kind": "don_khieu_nai", "subject": "Khiếu nại"}}
    identity = {**IDENTITY, "sealed": False}
    assert access.working_text(who("reader"), complaint, identity, TEXT) is TEXT
    access.require_scan_access(who("reader"), complaint, identity)


def test_the_correction_form_sends_only_changed_fields():
    metadata = {"kind": "cong_van", "subject": "Về  việc A", "organ": None, "issued_date": None}
    form = {
        "kind": "cong_van",
        "subject": "Về việc B",
        "organ": "",
        "issued_date": "2026-01-02",
        "csrf": "x",
    }
    assert changed_fields(form, metadata) == {"subject": "Về việc B", "issued_date": "2026-01-02"}
    assert changed_fields({"subject": "[…]"}, {"subject": "[…]"}) == {}


def test_the_decision_goes_with_a_lowering_only_when_typed():
    assert decision_field("  Quyết định số 7-QĐ/TU\n ngày 01/12/2026 ") == {
        "secrecy_decision": "Quyết định số 7-QĐ/TU ngày 01/12/2026"
    }
    assert decision_field("   ") == {}
    assert declassified_at({"metadata": None}) is None
    assert declassified_at({"metadata": {"declassification": {"at": "2026-12-03T10:00"}}})


def test_withheld_transfers_show_their_days_day_first():
    rows = [
        {"id": "a", "level": 1, "issued": "2024-01-05", "free_on": "2034-01-05"},
        {"id": "b", "level": 3, "issued": None, "free_on": None},  # only a decision frees it
    ]
    shown = shown_withheld(rows)
    assert (shown[0]["issued_day"], shown[0]["free_day"]) == ("05/01/2024", "05/01/2034")
    assert (shown[1]["issued_day"], shown[1]["free_day"]) == ("", "")


def test_overdue_petitions_come_first():
    rows = [
        {"id": "b", "due": "2026-03-01", "overdue": False},
        {"id": "a", "due": "2026-02-01", "overdue": True},
        {"id": "c", "due": "2026-01-01", "overdue": True},
    ]
    assert [r["id"] for r in overdue_first(rows)] == ["c", "a", "b"]


def test_the_language_switch_keeps_the_right_half_of_a_message():
    assert i18n.localize("Không tìm thấy / Not found", "en") == "Not found"
    assert i18n.localize("Không tìm thấy / Not found", "vi") == "Không tìm thấy"
    assert i18n.choose("en", "vi") == "en" and i18n.choose("xx", None) == "vi"
    assert i18n.translator("en")("nav.search") == "Search"
    assert i18n.translator("en")("kind.unknown") == "kind.unknown"
    assert set(i18n._EN) == set(i18n._VI)  # every string has both languages
