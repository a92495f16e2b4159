"""A tố cáo's complexity and extensions, and an anonymous one's evidence, where a person sets
them (corrections) and where they are read (the desk's due list, the petitions book, the
receipt date, a re-read of the text), on the real catalog (SQLite and the local PostgreSQL).

Invariants: a tố cáo is extended once if phức tạp, twice if đặc biệt phức tạp, never otherwise
(Luật Tố cáo 2018 Điều 30): more is refused, as is a complexity lowered below the extensions
granted, with the article and no value; a letter stored before complexity had levels
(`complex: true`, two extensions) is read as phức tạp, its deadline kept as decided, and
shown with a warning on every path — never a crash; an anonymous tố cáo without concrete
evidence is kept (lưu đơn) off the desk, with evidence it is examined or forwarded within the
handling step (Điều 25.2), and a Party body handles neither (Quy định 22-QĐ/TW Điều 20);
the denouncer's name never reaches the book.
"""

from __future__ import annotations

import pytest

from services.classification.corrections import correct_record
from services.classification.handlers import classify_record
from services.classification.petition_desk import set_received
from services.classification.queries import petition_book, petitions_due
from services.common.errors import PermanentError
from services.common.objects import FilesystemObjectStore, page_text_key
from services.ingest.intake import Declared, ingest_file
from services.registers import RegistersConfig
from services.registers.deadlines import (
    COMPLEXITY_BELOW_EXTENSIONS,
    EVIDENCE_OF_ANONYMOUS,
    NEEDS_COMPLEXITY,
    TOO_MANY_EXTENSIONS,
    Body,
    Calendar,
    PetitionRules,
)
from services.registers.petition_book import with_deadlines
from tests.contract.test_registers_flow import CLASSES, CONFIG, LETTER, ingest
from tests.postgres import temporary_catalog

pytestmark = pytest.mark.contract


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalog(request, tmp_path_factory):
    with temporary_catalog(request.param, tmp_path_factory.mktemp("cat")) as cat:
        yield cat


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return FilesystemObjectStore(tmp_path_factory.mktemp("objects"))


PARTY = RegistersConfig(CONFIG.series, PetitionRules(Body("party"), Calendar()))
WRITER, ID_NUMBER = "Nguyễn Văn An", "052070001234"  # LETTER's denouncer: sealed
ANONYMOUS = [
    "ĐƠN TỐ CÁO",
    "Kính gửi: Thanh tra tỉnh Bình Định",
    "Tôi xin giấu tên.",
    "Tôi tố cáo ông Trần Văn Bình nhận tiền của dân, có biên lai kèm theo.",
]
EVERY_DAY = ("2000-01-01", "2100-12-31")


def correct(catalog, record_id: str, fields: dict, config: RegistersConfig = CONFIG) -> dict:
    record, _ = correct_record(
        catalog, record_id, fields, "hoa", retention_classes=CLASSES, config=config
    )
    return record["metadata"]["petition"]


def refusal(catalog, record_id: str, fields: dict) -> str:
    with pytest.raises(PermanentError) as refused:
        correct(catalog, record_id, fields)
    return refused.value.message


def letter(catalog, store, lines: list[str], salt: str) -> str:
    event = ingest(catalog, store, lines, register="don", salt=salt)
    assert classify_record(event, catalog, store, CONFIG) is not None
    return event["record_id"]


def due_row(catalog, record_id: str) -> dict | None:
    rows = petitions_due(catalog, "2026-03-05", False)
    return next((r for r in rows if r["id"] == record_id), None)


def test_a_denunciation_is_extended_only_as_far_as_its_complexity(catalog, store):
    record_id = letter(catalog, store, LETTER, "levels")
    correct(catalog, record_id, {"petition.accepted_on": "2026-03-04"})
    # Điều 30: a case of no complexity is not extended
    assert refusal(catalog, record_id, {"petition.extensions": 1}) == TOO_MANY_EXTENSIONS
    petition = correct(
        catalog, record_id, {"petition.complexity": "phuc_tap", "petition.extensions": 1}
    )
    assert (petition["complexity"], petition["warning"]) == ("phuc_tap", None)
    assert petition["next_due"]["days"] == 60 and "complex" not in petition
    assert refusal(catalog, record_id, {"petition.extensions": 2}) == TOO_MANY_EXTENSIONS
    assert refusal(catalog, record_id, {"petition.complexity": ""}) == COMPLEXITY_BELOW_EXTENSIONS
    correct(catalog, record_id, {"petition.complexity": "dac_biet_phuc_tap"})
    petition = correct(catalog, record_id, {"petition.extensions": 2})
    assert (petition["next_due"]["days"], petition["next_due"]["due"]) == (90, "2026-06-02")
    bad = refusal(catalog, record_id, {"petition.complexity": "rat_phuc_tap"})
    assert "petition.complexity" in bad and "rat_phuc_tap" not in bad  # the value not quoted
    assert refusal(catalog, record_id, {"petition.evidence": True}) == EVIDENCE_OF_ANONYMOUS
    [*_, last] = [h for h in catalog.get(record_id)["history"] if h["action"] == "corrected"]
    change = last["detail"]["changes"]["petition"]
    assert (change["old"]["extensions"], change["new"]["extensions"]) == (1, 2)
    event = {"record_id": record_id, "sha256": catalog.row(record_id)["sha256"]}
    event["text_keys"] = [p["key"] for p in catalog.row(record_id)["page_info"]]
    classify_record(event, catalog, store, CONFIG)  # a re-read keeps the person's facts
    petition = catalog.get(record_id)["metadata"]["petition"]
    assert (petition["complexity"], petition["extensions"]) == ("dac_biet_phuc_tap", 2)


def _store_legacy(catalog, record_id: str) -> None:
    """The petition as the code before complexity levels stored it: `complex: true` and two
    extensions (then allowed), its deadlines computed then, no `complexity` or `warning`."""
    petition = catalog.get(record_id)["metadata"]["petition"]
    then = with_deadlines(
        {
            **petition,
            "received": "2026-03-02",
            "accepted_on": "2026-03-04",
            "extensions": 2,
            "complexity": "dac_biet_phuc_tap",  # the 90 days the old code gave
        },
        CONFIG.petitions,
    )
    legacy = {k: v for k, v in then.items() if k not in ("complexity", "evidence", "warning")}
    subject = f"Đơn tố cáo của ông {WRITER}, CCCD {ID_NUMBER}"  # a clerk's trích yếu
    catalog.update_metadata(
        record_id, "classification", {"petition": {**legacy, "complex": True}, "subject": subject}
    )


def test_a_letter_stored_with_complex_true_and_two_extensions_is_read_with_a_warning(
    catalog, store
):
    record_id = letter(catalog, store, LETTER, "legacy")
    _store_legacy(catalog, record_id)
    # read as stored: the desk and the book warn, the deadline is the one decided
    row = due_row(catalog, record_id)
    assert (row["due"], row["complexity"], row["extensions"]) == ("2026-06-02", "phuc_tap", 2)
    assert row["warning"] == NEEDS_COMPLEXITY
    book = petition_book(catalog, *EVERY_DAY)
    [printed] = [r for r in book["rows"] if "Cần xác định mức độ phức tạp" in r[10]]
    assert printed[10].startswith("Phức tạp, gia hạn 2 lần; Cần xác định mức độ phức tạp")
    assert printed[2] == "Có tên" and printed[8] == "02/06/2026"
    assert not [c for r in book["rows"] for c in r if WRITER in c or ID_NUMBER in c]
    # recomputed by the desk, a correction of another fact, a re-read: no refusal, no crash
    answer = set_received(
        catalog, record_id, "2026-03-03", "postmark", "Dấu bưu điện", "lan", CONFIG.petitions
    )
    petition = answer["petition"]
    assert (petition["complexity"], petition["warning"]) == ("phuc_tap", NEEDS_COMPLEXITY)
    assert "complex" not in petition and petition["next_due"]["due"] == "2026-06-02"
    petition = correct(catalog, record_id, {"petition.accepted_on": "2026-03-05"})
    assert (petition["warning"], petition["next_due"]["due"]) == (NEEDS_COMPLEXITY, "2026-06-03")
    event = {"record_id": record_id, "sha256": catalog.row(record_id)["sha256"]}
    event["text_keys"] = [p["key"] for p in catalog.row(record_id)["page_info"]]
    classify_record(event, catalog, store, CONFIG)
    petition = catalog.get(record_id)["metadata"]["petition"]
    assert (petition["complexity"], petition["extensions"]) == ("phuc_tap", 2)
    assert petition["warning"] == NEEDS_COMPLEXITY
    # setting phức tạp again is a complexity below the extensions; the higher level settles it
    message = refusal(catalog, record_id, {"petition.complexity": "phuc_tap"})
    assert message == COMPLEXITY_BELOW_EXTENSIONS
    petition = correct(catalog, record_id, {"petition.complexity": "dac_biet_phuc_tap"})
    assert petition["warning"] is None and due_row(catalog, record_id)["warning"] is None
    book = petition_book(catalog, *EVERY_DAY)
    assert not [r for r in book["rows"] if "Cần xác định" in r[10]]
    assert not [c for r in book["rows"] for c in r if WRITER in c or ID_NUMBER in c]


def test_an_anonymous_denunciation_is_kept_without_evidence_and_examined_with_it(catalog, store):
    record_id = letter(catalog, store, ANONYMOUS, "evidence")
    petition = catalog.get(record_id)["metadata"]["petition"]
    # not decided yet: the handling step stays (Điều 25.2 may apply)
    assert (petition["writer"], petition["evidence"], petition["procedure"]) == (
        "anonymous",
        None,
        "thong_tin",
    )
    assert due_row(catalog, record_id)["step"] == "handle"
    petition = correct(catalog, record_id, {"petition.evidence": False})
    assert (petition["procedure"], petition["handled"], petition["next_due"]) == (
        "luu_don",
        False,
        None,
    )
    assert due_row(catalog, record_id) is None
    event = {"record_id": record_id, "sha256": catalog.row(record_id)["sha256"]}
    event["text_keys"] = [p["key"] for p in catalog.row(record_id)["page_info"]]
    classify_record(event, catalog, store, CONFIG)  # the officer's "no evidence" is kept
    petition = catalog.get(record_id)["metadata"]["petition"]
    assert (petition["evidence"], petition["procedure"]) == (False, "luu_don")
    book = petition_book(catalog, *EVERY_DAY)
    [kept] = [r for r in book["rows"] if r[6] == "Lưu đơn (Luật TC Điều 25)"]
    assert kept[2] == "Nặc danh" and kept[8] == ""
    petition = correct(catalog, record_id, {"petition.evidence": True})
    assert (petition["procedure"], petition["handled"]) == ("thong_tin", True)
    assert (
        "xem xét, kiểm tra theo thẩm quyền hoặc chuyển cơ quan có thẩm quyền" in (petition["note"])
    )
    assert (petition["next_due"]["step"], petition["next_due"]["days"]) == ("handle", 10)
    assert due_row(catalog, record_id)["step"] == "handle"
    # Quy định 22-QĐ/TW Điều 20: a Party body handles no anonymous letter, evidence or not
    petition = correct(catalog, record_id, {"petition.evidence": True}, PARTY)
    assert (petition["procedure"], petition["handled"], petition["next_due"]) == (
        "none",
        False,
        None,
    )


SECRET_WRITER = "Lê Thị Cúc"  # the Mật letter's denouncer: sealed too
SECRET_LETTER = [
    "ĐƠN TỐ CÁO",
    "Kính gửi: Thanh tra tỉnh Bình Định",
    f"Tôi tên là {SECRET_WRITER}, CCCD số 052070009999, trú tại thôn 5, xã Cát Hanh.",
    "Tôi tố cáo ông Phan Văn Đức làm lộ tài liệu mật.",
]


def declared_letter(catalog, store, lines: list[str], secrecy: str) -> str:
    """A letter uploaded in the petitions register with its độ mật declared at intake (the
    upload form's Độ mật), its text stored and read, as `letter` does for an ordinary one."""
    text = "\n".join(lines).encode()
    result = ingest_file(
        catalog, store, data=text, file_name="don-mat.txt", register="don", source="test",
        max_bytes=2**20, declared=Declared.parse(secrecy),
    )  # fmt: skip
    record_id = result.record["id"]
    key = page_text_key(record_id, 1)
    store.put(key, text)
    page = {"n": 1, "key": key, "confidence": 90.0, "source": "text"}
    catalog.advance(record_id, "ocr", "processing", "text_extracted", pages=1, page_info=[page])
    event = {"record_id": record_id, "sha256": result.record["sha256"], "text_keys": [key]}
    assert classify_record(event, catalog, store, CONFIG) is not None
    return record_id


def test_a_letter_declared_secret_at_intake_is_numbered_in_the_petitions_secret_book(
    catalog, store
):
    """As a secret document (NĐ 30/2020 Điều 16.3, 22.4; docs/registers.md): the letter is
    numbered in the petitions' secret book from 01, the next ordinary letter takes the next
    ordinary số đến (no gap), the ordinary book prints nothing of it, the secret book does
    (titled apart), and the desk marks its number as the secret book's. No writer's name."""
    before = letter(catalog, store, LETTER, "before-secret")
    secret = declared_letter(catalog, store, SECRET_LETTER, "mat")
    after = letter(catalog, store, LETTER, "after-secret")
    numbers = {i: catalog.get(i)["number"] for i in (before, secret, after)}
    assert numbers[secret] == "01" and int(numbers[after]) == int(numbers[before]) + 1
    ordinary = petition_book(catalog, *EVERY_DAY)
    assert "Phan Văn Đức" not in repr(ordinary) and ordinary["secret"] is False
    shown = sorted(int(row[0]) for row in ordinary["rows"])
    assert shown == list(range(1, len(shown) + 1))  # the ordinary numbers run on
    book = petition_book(catalog, *EVERY_DAY, secret=True)
    assert book["title"] == "SỔ THEO DÕI ĐƠN THƯ MẬT" and book["secret"] is True
    [row] = book["rows"]
    assert row[0] == "01" and "Phan Văn Đức" in row[5]
    for printed in (ordinary, book):
        assert not [c for r in printed["rows"] for c in r if SECRET_WRITER in c or WRITER in c]
    assert due_row(catalog, secret)["number"] == "01 (sổ mật)"
    assert due_row(catalog, after)["number"] == numbers[after]
    assert secret not in [r["id"] for r in petitions_due(catalog, "2026-03-05", False, 0)]
