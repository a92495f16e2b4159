"""Secrecy rules as plain functions: the effective level, declared marks, who may change what.

Invariants: an unknown secrecy is Tuyệt mật; a stamp read may raise a declared level, never
lower it; nobody sets or lowers a level above their own clearance or the ceiling; lowering is
told apart from raising so that it can wait for a second person.
"""

import pytest

from services.classification.handlers import keep_declared_marks
from services.common.errors import PermanentError
from services.common.secrecy import (
    KNOWN,
    above_ceiling,
    ceiling_reason,
    effective_level,
    secrecy_code,
    urgency_code,
)
from services.gateway import access
from services.gateway.accounts import Forbidden, Principal
from services.indexing.handlers import index_document
from services.ingest.intake import Declared

pytestmark = pytest.mark.unit


def who(role: str, clearance: int) -> Principal:
    return Principal(f"{role}{clearance}", role, clearance)


@pytest.mark.parametrize(
    ("meta", "level"),
    [
        (None, 3),
        ({}, 3),
        ({"secrecy": None}, 3),  # not read yet: unknown, whatever the key says
        ({"secrecy": "mat"}, 3),
        ({"secrecy": None, KNOWN: True}, 0),
        ({"secrecy": "mat", KNOWN: True}, 1),
        ({"secrecy": "tuyet_mat", KNOWN: True}, 3),
        ({"secrecy": "bi_mat", KNOWN: True}, 3),  # off the scale (a damaged row): hidden
        ({"secrecy": "", KNOWN: True}, 3),
    ],
)
def test_an_unknown_secrecy_counts_as_tuyet_mat(meta, level):
    assert effective_level(meta) == level


@pytest.mark.parametrize(
    ("meta", "level"),
    [({KNOWN: True}, 0), ({"secrecy": "mat", KNOWN: True}, 1), ({"secrecy": "mat"}, 3),
     ({"secrecy": "bi_mat", KNOWN: True}, 3)],
)  # fmt: skip
def test_the_index_holds_a_record_at_its_effective_level(meta, level):
    record = {"id": "r1", "register": "den", "number": "01", "file": "cv.pdf"}
    assert index_document(record, meta, "Văn bản", None).secrecy == level


def test_a_mark_off_the_scale_is_above_every_ceiling_but_the_highest():
    assert above_ceiling("bi_mat", 2) and not above_ceiling("bi_mat", 3)
    assert not above_ceiling(None, 0) and above_ceiling("mat", 0)
    assert ceiling_reason("bi_mat", 2).startswith("Tài liệu Tuyệt mật vượt mức")


@pytest.mark.parametrize(("raw", "code"), [("mat", "mat"), (" TOI_MAT ", "toi_mat"), ("", None),
                                           ("thuong", None), (None, None)])  # fmt: skip
def test_declared_secrecy_values(raw, code):
    assert secrecy_code(raw) == code


@pytest.mark.parametrize("raw", ["bi_mat", "1", "tuyệt mật", 3])
def test_a_bad_declared_value_names_the_field_in_both_languages(raw):
    with pytest.raises(PermanentError) as caught:
        secrecy_code(raw)
    assert "Giá trị không hợp lệ cho secrecy" in caught.value.message
    assert " / Bad value for secrecy" in caught.value.message
    with pytest.raises(PermanentError):
        urgency_code("gap")


def test_declaring_thuong_on_purpose_makes_the_level_known():
    assert Declared.parse("thuong").metadata() == {
        "secrecy": None, KNOWN: True, "secrecy_declared": None,
    }  # fmt: skip
    assert Declared.parse(None, "khan").metadata() == {"urgency": "khan"}
    assert Declared.parse().metadata() == {}


@pytest.mark.parametrize(
    ("read", "declared", "kept"),
    [(None, "toi_mat", "toi_mat"), ("mat", "toi_mat", "toi_mat"), ("tuyet_mat", "mat", "tuyet_mat"),
     ("mat", None, "mat"), (None, None, None)],
)  # fmt: skip
def test_the_classifier_raises_a_declared_level_but_never_lowers_it(read, declared, kept):
    meta = {"secrecy": declared, KNOWN: True} if declared else {}
    marks = keep_declared_marks({"secrecy": read, "urgency": None}, meta)
    assert marks["secrecy"] == kept and marks[KNOWN] is True


def test_an_unknown_level_is_not_taken_as_a_declaration():
    marks = keep_declared_marks({"secrecy": None, "urgency": "khan"}, {"secrecy": "tuyet_mat"})
    assert marks["secrecy"] is None and marks["urgency"] == "khan"


MAT = {"metadata": {"secrecy": "mat", KNOWN: True}}
PLAIN = {"metadata": {"secrecy": None, KNOWN: True}}
UNKNOWN = {"metadata": {}}


@pytest.mark.parametrize(
    ("record", "to", "change"),
    [(PLAIN, "mat", "raise"), (MAT, None, "lower"), (MAT, "mat", "same"),
     (UNKNOWN, "tuyet_mat", "same"), (UNKNOWN, None, "lower")],
)  # fmt: skip
def test_raising_and_lowering_are_told_apart(record, to, change):
    assert access.secrecy_change(who("clerk", 3), record, to, ceiling=3) == change


@pytest.mark.parametrize(
    ("person", "record", "to", "ceiling"),
    [
        (who("clerk", 0), PLAIN, "mat", 3),  # above own clearance
        (who("clerk", 1), PLAIN, "toi_mat", 3),
        (who("archivist", 0), MAT, None, 3),  # lowering a record above own clearance
        (who("clerk", 3), PLAIN, "toi_mat", 1),  # above the ceiling
        (who("reader", 3), MAT, None, 3),  # a role that may not
    ],
)
def test_nobody_changes_secrecy_beyond_their_clearance_role_or_the_ceiling(
    person, record, to, ceiling
):
    with pytest.raises(Forbidden):
        access.secrecy_change(person, record, to, ceiling)


def test_an_upload_form_declares_only_what_it_holds_and_refuses_bad_values():
    assert access.declared_marks({"secrecy": "mat", "urgency": ""}) == {"secrecy": "mat"}
    with pytest.raises(PermanentError):
        access.declared_marks({"urgency": "rat_gap"})


def test_a_persons_approved_lowering_stands_against_a_stamp_read_again():
    meta = {"secrecy": None, KNOWN: True, "corrected": ["secrecy"]}
    assert keep_declared_marks({"secrecy": "mat", "urgency": None}, meta)["secrecy"] is None
