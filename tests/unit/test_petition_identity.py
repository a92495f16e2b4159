"""A denouncer's identity is read from every common form and masked wherever it recurs.

Invariants: over the labelled set (tests/fixtures/petition_letters.py) at least 98 % of the
writers' values are masked in the working copy and no letter leaves a value findable by a
folded search, or a tố cáo unsealed; the accused stays readable; a letter titled "ĐƠN KHIẾU
NẠI, TỐ CÁO" is sealed; masking is blind to case, diacritics, NFD and number separators; the
index holds neither the writer nor the file name; only a petition officer reads the file name,
history and the desk's subject of a sealed letter.
"""

import json
import re
import unicodedata

import pytest

from services.gateway import access
from services.gateway.accounts import Principal
from services.indexing.handlers import index_document
from services.registers.petitions import read_petition
from services.registers.working_copy import MASK, SEALED_TITLE, mask_identity, working_copy
from services.registers.writer_identity import identity_values, read_identity
from tests.fixtures.petition_letters import identity_leaks, labelled_set

pytestmark = pytest.mark.unit

CAPITALS = "\n".join(
    [
        "ĐƠN TỐ CÁO",
        "Kính gửi: Ủy ban Kiểm tra Huyện ủy",
        "Tôi là ông NGUYỄN VĂN HÙNG, sinh năm 1962, trú tại thôn 3, xã Cát Hanh, điện thoại"
        " 0912 345 678, email hung62@gmail.com.",
        "Tôi tố cáo ông Trần Văn Bình nhận tiền của dân.",
        "Người tố cáo",
        "(Ký, ghi rõ họ tên)",
        "Hùng",
        "Nguyễn Văn Hùng",
    ]
)


def test_the_labelled_set_is_masked_to_98_percent_with_no_leak():
    total, masked, leaking, unsealed = 0, 0, [], []
    for n, letter in enumerate(labelled_set(48), 1):
        petition = read_petition(letter.text)
        working = mask_identity(letter.text, petition.identity)
        leaks = identity_leaks(letter, working)
        count = sum(len(v) for v in letter.values.values())
        total, masked = total + count, masked + count - len(leaks)
        leaking += [n] if leaks else []
        unsealed += [n] if petition.sealed != letter.sealed else []
        assert letter.accused in unicodedata.normalize("NFC", working)  # not over-masked
    assert total >= 150 and masked / total >= 0.98
    assert leaking == [] and unsealed == []


def test_a_writer_in_capitals_with_birth_year_phone_and_email_is_read():
    values = identity_values(read_identity(CAPITALS))
    assert values["names"] == ["NGUYỄN VĂN HÙNG"]
    assert values["births"] == ["1962"] and values["phones"] == ["0912345678"]
    assert values["emails"] == ["hung62@gmail.com"]


@pytest.mark.parametrize(
    "variant",
    [
        "NGUYỄN VĂN HÙNG",
        "nguyen van hung",
        "Nguyen  Van\nHung",
        unicodedata.normalize("NFD", "Nguyễn Văn Hùng"),
        "0912.345.678",
        "+84 912 345 678",
        "(+84) 912-345-678",
        "HUNG62@GMAIL.COM",
    ],
)
def test_every_occurrence_is_masked_whatever_its_case_marks_or_separators(variant):
    identity = read_identity(CAPITALS)
    masked = mask_identity(f"Liên hệ: {variant} (ghi chú)", identity)
    assert masked == f"Liên hệ: {MASK} (ghi chú)"


def test_the_signature_block_and_the_given_name_alone_are_masked():
    masked = working_copy(CAPITALS, {"kind": "don_to_cao"}, read_identity(CAPITALS))
    assert "Hùng" not in masked and "1962" not in masked and "Trần Văn Bình" in masked


def test_a_group_letter_gives_every_writer():
    text = "\n".join(
        [
            "ĐƠN TỐ CÁO",
            "Kính gửi: Thanh tra huyện",
            "Chúng tôi gồm: ông Lê Văn Tám và bà Võ Thị Lệ, cùng trú tại xóm 2, xã An Nhơn,",
            "- phạm văn lợi, SN 1970, SĐT 0905 111 222",
            "Chúng tôi tố cáo ông Hồ Văn Dũng.",
        ]
    )
    values = identity_values(read_identity(text))
    assert values["names"] == ["Lê Văn Tám", "Võ Thị Lệ", "phạm văn lợi"]
    assert values["phones"] == ["0905111222"] and values["births"] == ["1970"]
    assert read_petition(text).accused == "ông Hồ Văn Dũng"


@pytest.mark.parametrize(
    "title", ["ĐƠN KHIẾU NẠI, TỐ CÁO", "ĐƠN TỐ CÁO, KHIẾU NẠI", "ĐƠN KHIẾU NẠI - TỐ CÁO"]
)
def test_a_letter_that_also_denounces_is_sealed(title):
    petition = read_petition(f"{title}\nKính gửi: Thanh tra\nHọ và tên: Lê Thị Cúc")
    assert petition.sealed and petition.kind in ("don_khieu_nai", "don_to_cao")


def test_a_plain_complaint_is_not_sealed():
    assert not read_petition("ĐƠN KHIẾU NẠI\nKính gửi: UBND\nHọ và tên: Lê Thị Cúc").sealed


def test_a_title_or_job_after_toi_la_is_not_a_name():
    assert read_identity("Tôi là người dân ở xã Cát Hanh, tôi là cán bộ hưu trí")["name"] is None


def sealed_identity() -> dict:
    return {**read_identity(CAPITALS), "sealed": True, "anonymous": False}


def test_the_index_holds_neither_the_writer_nor_the_file_name():
    record = {"id": "r1", "register": "don", "number": "01", "file": "don-nguyen-van-hung.pdf"}
    doc = index_document(record, {"kind": "don_to_cao"}, CAPITALS, sealed_identity())
    indexed = f"{doc.title} {doc.subject} {doc.text}"
    assert doc.title == SEALED_TITLE and "Trần Văn Bình" in doc.text
    assert not {"HÙNG", "Hùng", "hung", "0912", "1962"} & set(re.findall(r"\w+", indexed))
    subject = {"kind": "don_to_cao", "subject": "V/v ông Nguyễn Văn Hùng tố cáo cán bộ"}
    assert (
        index_document(record, subject, "", sealed_identity()).title
        == f"V/v ông {MASK} tố cáo cán bộ"
    )
    # an organ entered by hand, or read from the header before letters kept none
    organ = {"kind": "don_to_cao", "organ": "NGUYỄN VĂN HÙNG"}
    assert index_document(record, organ, "", sealed_identity()).organ == MASK


@pytest.mark.parametrize(
    ("role", "clearance", "sees"),
    [("petition_officer", 1, True), ("petition_officer", 0, False), ("admin", 3, False)],
)
def test_record_file_name_history_and_desk_subject_only_for_petition_officers(
    role, clearance, sees
):
    record = {
        "id": "r1",
        "file": "don-nguyen-van-hung.pdf",
        "metadata": {
            "kind": "don_to_cao",
            "subject": "V/v ông Nguyễn Văn Hùng",
            "organ": "NGUYỄN VĂN HÙNG",
        },
        "history": [{"detail": {"file": "don-nguyen-van-hung.pdf", "subject": "Nguyễn Văn Hùng"}}],
    }
    principal = Principal(role, role, clearance)
    shown = access.working_record(principal, record, sealed_identity())
    desk = access.desk_rows(principal, [{"id": "r1", "subject": "V/v ông Nguyễn Văn Hùng"}])
    seen = json.dumps([shown, desk], ensure_ascii=False)
    assert ("Hùng" in seen, "HÙNG" in seen, "don-nguyen-van-hung" in seen) == (sees,) * 3


def test_an_identity_stored_before_details_existed_still_masks_phone_and_birth():
    old_row = {"name": "Nguyễn Văn Hùng", "address": None, "id_number": None, "sealed": True}
    masked = working_copy(CAPITALS, {"kind": "don_to_cao"}, {**old_row, "details": None})
    assert "0912" not in masked and "1962" not in masked and "HÙNG" not in masked
