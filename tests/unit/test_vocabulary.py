"""One vocabulary: registers, kinds, secrecy and urgency marks, metadata fields live in
services/common/vocabulary.py, and every list, label, schema enum and form option derives from it.

Invariants: the JSON Schemas' enums equal the module's lists; no other source file or template
spells out a Vietnamese label of a kind or a mark, or lists the kinds, marks or registers again;
every list of metadata fields a service keeps is the vocabulary's.
"""

import json
import re
from pathlib import Path

import pytest

from services.classification import corrections, extract
from services.common import catalog_tables, vocabulary
from services.common.vntext import nfc
from services.formcheck import rules
from services.gateway import i18n, routes_pages
from services.indexing.handlers import SECRECY_PARAM
from services.registers import deadlines, reports, series

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    p
    for p in (ROOT / "services").rglob("*")
    if p.suffix in (".py", ".html") and p.name != "vocabulary.py"
)
# A file naming this many kinds (quoted, or words of a split string) is listing them, not
# applying a rule to one.
MOST_KINDS_NAMED = 7


def _schema(name: str) -> dict:
    return json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))


def _quoted(text: str, word: str) -> bool:
    return f'"{word}"' in text or f"'{word}'" in text


def test_schema_kind_enums_are_the_vocabulary():
    assert _schema("retention-schedule.json")["$defs"]["kind"]["enum"] == list(vocabulary.KINDS)
    outgoing = _schema("number-series.json")["$defs"]["kind"]["enum"]
    assert outgoing == list(vocabulary.OUTGOING_KINDS)


def test_schema_register_enums_are_the_vocabulary():
    ingested = _schema("events/record.ingested.json")["properties"]["register"]["enum"]
    assert ingested == list(vocabulary.REGISTERS)
    scheduled = _schema("retention-schedule.json")["$defs"]["register"]["enum"]
    assert scheduled == list(vocabulary.REGISTERS)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_lists_the_registers_again(path):
    text = path.read_text(encoding="utf-8")
    assert len([code for code in vocabulary.REGISTERS if _quoted(text, code)]) < 3


def test_labels_are_vietnamese_nfc_and_unique():
    labels = [*vocabulary.KIND_LABELS.values(), *vocabulary.MARK_LABELS.values()]
    assert all(label == nfc(label) for label in labels)
    assert len(set(vocabulary.KIND_LABELS.values())) == len(vocabulary.KINDS)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_spells_a_kind_or_mark_label(path):
    text = path.read_text(encoding="utf-8")
    labels = [*vocabulary.KIND_LABELS.values(), *vocabulary.MARK_LABELS.values()]
    assert [label for label in labels if _quoted(text, label)] == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_lists_the_kinds_again(path):
    text = path.read_text(encoding="utf-8")
    named = [kind for kind in vocabulary.KINDS if re.search(rf"(?<![\w.]){kind}(?!\w)", text)]
    assert len(named) < MOST_KINDS_NAMED, named


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_source_lists_the_marks_again(path):
    text = path.read_text(encoding="utf-8")
    codes = [*vocabulary.SECRECY_VALUES, *vocabulary.URGENCY_VALUES]
    named = [code for code in codes if _quoted(text, code) and code != "mat"]
    assert named == []


def test_portal_labels_and_options_come_from_the_vocabulary():
    t = i18n.translator("vi")
    assert [t(f"clear.{level}") for level in vocabulary.SECRECY_NAMES] == [
        "Thường",
        "Mật",
        "Tối mật",
        "Tuyệt mật",
    ]
    assert [t(key) for _, key in i18n.URGENCY_OPTIONS] == [
        "Thường",
        "Khẩn",
        "Thượng khẩn",
        "Hỏa tốc",
    ]
    assert [value for value, _ in i18n.SECRECY_OPTIONS] == ["", *vocabulary.SECRECY_VALUES]
    assert [value for value, _ in i18n.URGENCY_OPTIONS] == ["", *vocabulary.URGENCY_VALUES]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_shown_field_and_mark_has_a_label(lang):
    t = i18n.translator(lang)
    keys = [f"meta.{f}" for f in vocabulary.SHOWN_FIELDS]
    keys += [key for _, key in (*i18n.SECRECY_OPTIONS, *i18n.URGENCY_OPTIONS)]
    keys += [f"reg.{code}" for code in vocabulary.REGISTERS]
    assert [key for key in keys if t(key) == key] == []


def test_metadata_fields_are_one_list():
    assert catalog_tables.METADATA_KEYS == vocabulary.RECORD_FIELDS
    assert (*extract.FIELDS, *extract.MORE_FIELDS) == vocabulary.DOCUMENT_FIELDS
    assert set(vocabulary.DOCUMENT_FIELDS) <= set(corrections.CHECKS)
    assert set(routes_pages.FORM_FIELDS) <= set(vocabulary.DOCUMENT_FIELDS)


def test_choices_accept_exactly_the_vocabulary():
    assert set(vocabulary.KINDS) == corrections.KINDS
    assert set(vocabulary.SECRECY_VALUES) == corrections.SECRECY
    assert set(vocabulary.URGENCY_VALUES) == corrections.URGENCY
    assert set(vocabulary.OUTGOING_KINDS) == series.OUTGOING_KINDS
    assert set(deadlines.CATEGORIES) == set(vocabulary.PETITION_KINDS)
    assert {k for k in SECRECY_PARAM if not k.isdigit()} == {"thuong", *vocabulary.SECRECY_VALUES}


def test_abbreviations_are_shared():
    assert rules.STATE_ABBREVIATIONS == vocabulary.STATE_ABBREVIATIONS
    assert rules.PARTY_ABBREVIATIONS == vocabulary.PARTY_ABBREVIATIONS
    read = {kind for kind in extract.TYPE_ABBREVIATIONS.values()}
    # "TT" is a Party thông tri or a state thông tư: a rule in extract decides, not the table.
    received = set(vocabulary.RECEIVED_ABBREVIATIONS)
    assert read | {"thong_tri"} == set(vocabulary.PARTY_ABBREVIATIONS) | received


def test_register_book_names_kinds_and_marks():
    meta = {"kind": "to_trinh", "subject": "Về việc X", "secrecy": "toi_mat", "urgency": "khan"}
    assert reports.type_and_subject(meta) == "Tờ trình – Về việc X"
    assert reports.type_and_subject({"kind": "other", "subject": "X"}) == "X"
    assert reports._notes(meta) == "Tối mật; Khẩn"


def test_classifier_reads_titles_and_stamps_by_the_vocabulary():
    text = "ỦY BAN NHÂN DÂN\nTỈNH BÌNH ĐỊNH\nSố: 15/TTr-UBND\nTHƯỢNG KHẨN\nTỜ TRÌNH\nVề việc X"
    result = extract.classify(text)
    assert (result["kind"], result["urgency"]) == ("to_trinh", "thuong_khan")
    assert re.fullmatch(r"[a-z_]+", result["kind"])
