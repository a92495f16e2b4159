"""The working copy of a denunciation hides its writer, whatever the OCR did to the spacing.

Invariants: a tố cáo's name, address and ID number never survive in the working copy (also
when the ID is printed in groups or the name is split by two spaces); the accused stays
readable; a complaint (khiếu nại) or a letter without a stored identity is left as it is;
a petition officer reads the letter unmasked.
"""

import pytest

from services.registers.petitions import read_petition
from services.registers.working_copy import MASK, is_sealed, mask_identity, working_copy

pytestmark = pytest.mark.unit

LETTER = "\n".join(
    [
        "ĐƠN TỐ CÁO",
        "Kính gửi: Ủy ban kiểm tra Tỉnh ủy Bình Định",
        "Tôi tên là Nguyễn Văn An, sinh năm 1970,",
        "CCCD số 052 070 001 234, trú tại thôn 3, xã Cát Hanh, huyện Phù Cát.",
        "Tôi tố cáo ông Trần Văn Bình, cán bộ địa chính xã, đã nhận tiền của dân.",
        "Người tố cáo",
        "Nguyễn  Văn An",
    ]
)


@pytest.fixture
def identity():
    petition = read_petition(LETTER, "don_to_cao")
    return {**petition.identity, "sealed": petition.sealed, "anonymous": petition.anonymous}


def test_the_working_copy_masks_name_address_and_grouped_id_number(identity):
    masked = working_copy(LETTER, {"kind": "don_to_cao"}, identity)
    assert identity["id_number"] == "052070001234"
    for secret in ("Nguyễn Văn An", "Nguyễn  Văn An", "052 070 001 234", "thôn 3, xã Cát Hanh"):
        assert secret not in masked
    assert "Trần Văn Bình" in masked and masked.count(MASK) >= 4


def test_a_petition_officer_reads_the_letter_as_written(identity):
    assert working_copy(LETTER, {"kind": "don_to_cao"}, identity, sees_identity=True) == LETTER


def test_a_complaint_is_not_sealed_but_a_letter_corrected_into_a_denunciation_is(identity):
    complaint = {**identity, "sealed": False}
    assert not is_sealed({"kind": "don_khieu_nai"}, complaint)
    assert working_copy(LETTER, {"kind": "don_khieu_nai"}, complaint) == LETTER
    assert is_sealed({"kind": "don_to_cao"}, complaint)
    assert not is_sealed({"kind": "don_to_cao"}, None)


def test_masking_ignores_empty_fields():
    assert mask_identity("Ông A", {"name": None, "address": "", "id_number": None}) == "Ông A"
