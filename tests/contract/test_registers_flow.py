"""Classification's register facts and corrections on the real catalog (SQLite and the local
PostgreSQL) and the filesystem store: what a văn thư sees after each step.

Invariants: a petitioner's identity reaches the restricted table and never the metadata or the
event; reading an outgoing document's text never numbers it (the clerk issues it), and one with
a printed number keeps it; the same số + ký hiệu + organ is flagged as a duplicate
with a history entry; a correction keeps old → new values, survives a re-read of the text, and
an overridden retention class wins over the schedule; register books print Vietnamese; the
receipt date a clerk sets and the desk's decision on who wrote a letter survive a re-read.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date

import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa

from services.classification.corrections import correct_record
from services.classification.handlers import classify_record
from services.classification.petition_desk import set_received
from services.classification.queries import register_rows
from services.common import clock
from services.common.errors import PermanentError
from services.common.objects import FilesystemObjectStore, page_text_key
from services.registers import RegistersConfig, numbering
from services.registers.deadlines import Body, Calendar, PetitionRules
from services.registers.reports import BookCover, RegisterTable, to_csv, to_pdf
from services.registers.series import NumberRequest, parse_series
from services.retention.handlers import recompute_retention
from services.retention.schedule import load_schedule
from tests.fixtures.documents import born_digital_pdf
from tests.postgres import temporary_catalog

CONFIG = RegistersConfig(
    parse_series({"version": 1, "style": "state", "issuer": "UBND"}),
    PetitionRules(Body("state"), Calendar()),
)
SCHEDULE = load_schedule()
CLASSES = frozenset({r.retention.code for r in SCHEDULE.rules} | {SCHEDULE.default.code})

DECISION = [
    "ỦY BAN NHÂN DÂN",
    "TỈNH BÌNH ĐỊNH",
    "Số: 15/QĐ-UBND",
    "Bình Định, ngày 12 tháng 3 năm 2026",
    "QUYẾT ĐỊNH",
    "Về việc ban hành Danh mục hồ sơ năm 2026",
    "Điều 1. Ban hành Danh mục hồ sơ.",
    "Nơi nhận:",
    "- Sở Nội vụ;",
    "- Lưu: VT.",
    "KT. CHỦ TỊCH",
    "PHÓ CHỦ TỊCH",
    "Nguyễn Văn An",
]
UNNUMBERED = [
    "ỦY BAN NHÂN DÂN",
    "TỈNH BÌNH ĐỊNH",
    "Số:     /QĐ-UBND",
    "QUYẾT ĐỊNH",
    "Về việc thành lập tổ công tác",
]
LETTER = [
    "ĐƠN TỐ CÁO",
    "Kính gửi: Thanh tra tỉnh Bình Định",
    "Tôi tên là Nguyễn Văn An, CCCD số 052070001234, trú tại thôn 3, xã Cát Hanh.",
    "Tôi tố cáo ông Trần Văn Bình nhận tiền của dân.",
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def catalog(request, tmp_path_factory):
    with temporary_catalog(request.param, tmp_path_factory.mktemp("cat")) as cat:
        yield cat


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return FilesystemObjectStore(tmp_path_factory.mktemp("objects"))


TOP_SECRET = ["TỐI MẬT", *DECISION]


def ingest(catalog, store, lines: list[str], register: str = "den", salt: str = "") -> dict:
    """A registered record whose OCR is done: page text stored, `record.text_extracted` made."""
    data = ("\n".join(lines) + salt + register).encode()
    sha = hashlib.sha256(data).hexdigest()
    record, _ = catalog.register_new(
        register=register,
        file_name="scan.pdf",
        sha256=sha,
        size=len(data),
        media_type="application/pdf",
        object_key=f"originals/{sha}",
        source="test",
    )
    key = page_text_key(record["id"], 1)
    store.put(key, "\n".join(lines).encode())
    catalog.advance(
        record["id"],
        "ocr",
        "processing",
        "text_extracted",
        pages=1,
        page_info=[{"n": 1, "key": key, "confidence": 90.0, "source": "ocr"}],
    )
    return {"record_id": record["id"], "sha256": sha, "text_keys": [key]}


def classified(catalog, store, event: dict, **kw) -> dict:
    """Classify `event`'s text; the record's metadata as the catalog then holds it (the
    `record.classified` event carries none)."""
    assert classify_record(event, catalog, store, CONFIG, **kw) is not None
    return catalog.get(event["record_id"])["metadata"]


def test_a_petitioners_identity_goes_to_the_restricted_table_only(catalog, store):
    event = ingest(catalog, store, LETTER, register="don")
    payload = classify_record(event, catalog, store, CONFIG)
    record = catalog.get(event["record_id"])
    petition = record["metadata"]["petition"]
    assert (record["metadata"]["kind"], petition["category"], petition["anonymous"]) == (
        "don_to_cao",
        "to_cao",
        False,
    )
    assert petition["accused"] == "ông Trần Văn Bình"
    assert [d["step"] for d in petition["deadlines"]] == ["accept", "resolve"]
    stored = catalog.petitioner(event["record_id"])
    assert (stored["name"], stored["id_number"], stored["sealed"]) == (
        "Nguyễn Văn An",
        "052070001234",
        True,
    )
    for shown in (
        json.dumps(record["metadata"], ensure_ascii=False),
        json.dumps(payload, ensure_ascii=False),
    ):
        assert (
            "Nguyễn Văn An" not in shown and "052070001234" not in shown and "thôn 3" not in shown
        )


HEADED_LETTER = ["NGUYỄN VĂN HÙNG", "Thôn 3, xã Cát Hanh", *LETTER]


def test_a_letters_writer_read_at_the_top_is_not_stored_as_its_organ(catalog, store):
    # Registered đến (a tố cáo forwarded by another office) and in the petitions register.
    for register in ("den", "don"):
        meta = classified(catalog, store, ingest(catalog, store, HEADED_LETTER, register))
        assert meta["kind"] == "don_to_cao"
        assert (meta["organ"], meta["organ_parent"]) == (None, None)
        assert "HÙNG" not in json.dumps(meta, ensure_ascii=False)


def test_a_record_corrected_into_a_letter_loses_the_organ_read_from_it(catalog, store):
    event = ingest(catalog, store, ["NGUYỄN VĂN HÙNG", "Kính gửi: Thanh tra tỉnh", "Tôi trình bày"])
    classified(catalog, store, event)
    catalog.update_metadata(event["record_id"], "classification", {"organ": "NGUYỄN VĂN HÙNG"})
    record, corrected = correct_record(
        catalog, event["record_id"], {"kind": "don_to_cao"}, "lan",
        retention_classes=CLASSES, config=CONFIG,
    )  # fmt: skip
    assert record["metadata"]["organ"] is None and corrected is not None
    # an organ a person enters on a letter is a decision: it stays
    record, _ = correct_record(
        catalog, event["record_id"], {"organ": "Ban Nội chính Tỉnh ủy"}, "lan",
        retention_classes=CLASSES, config=CONFIG,
    )  # fmt: skip
    assert record["metadata"]["organ"] == "Ban Nội chính Tỉnh ủy"
    classify_record(event, catalog, store, CONFIG)  # a re-read keeps it too
    assert catalog.get(event["record_id"])["metadata"]["organ"] == "Ban Nội chính Tỉnh ủy"


def test_events_carry_no_subject_so_none_sits_in_the_broker(catalog, store):
    """A Tối mật record's trích yếu, a denunciation's accused: consumers read the metadata
    from the catalog, so neither is in `record.classified` nor `record.metadata_corrected`
    (a dead letter, the broker's management UI, `luutru dlq show` would show it)."""
    secret = ingest(catalog, store, TOP_SECRET, salt="events")
    letter = ingest(catalog, store, LETTER, register="don", salt="events")
    sent = [classify_record(e, catalog, store, CONFIG) for e in (secret, letter)]
    _, correction = correct_record(
        catalog, secret["record_id"], {"subject": "Kế hoạch phòng thủ"}, "lan",
        retention_classes=CLASSES, config=CONFIG,
    )  # fmt: skip
    sent.append(correction)
    assert catalog.get(secret["record_id"])["metadata"]["secrecy"] == "toi_mat"
    for event in sent:
        shown = json.dumps(event, ensure_ascii=False)
        assert "metadata" not in event and "Danh mục hồ sơ" not in shown
        assert "Trần Văn Bình" not in shown and "phòng thủ" not in shown


def test_reading_the_text_never_numbers_an_outgoing_document(catalog, store):
    """NĐ 30/2020 Điều 15.2: numbers are given in issue order, after signature — not in the
    order OCR happens to finish. The clerk issues it; a redelivered event keeps that number."""
    first = ingest(catalog, store, UNNUMBERED, register="di", salt="1")
    a = classified(catalog, store, first)
    assert a["number_symbol"] is None and catalog.series_number(first["record_id"]) is None
    request = NumberRequest("quyet_dinh")
    issued = numbering.issue(
        catalog, CONFIG.series, first["record_id"], request, on=date(2026, 3, 2), by="lan"
    )
    again = classified(catalog, store, first)  # a redelivery
    assert issued["symbol"] == again["number_symbol"]
    assert again["series"] == {"series": "{}/QĐ-UBND", "scope": "year:2026", "number": 1}


def test_an_outgoing_document_with_a_printed_number_keeps_it(catalog, store):
    event = ingest(catalog, store, DECISION, register="di")
    metadata = classified(catalog, store, event)
    assert metadata["number_symbol"] == "15/QĐ-UBND"
    assert catalog.series_number(event["record_id"]) is None


def test_the_same_number_and_organ_again_is_flagged_as_a_duplicate(catalog, store):
    lines = [line.replace("15/QĐ", "77/QĐ") for line in DECISION]
    first = ingest(catalog, store, lines, salt="a")
    second = ingest(catalog, store, [*lines, "(bản chụp lại)"], salt="b")
    classify_record(first, catalog, store, CONFIG)
    metadata = classified(catalog, store, second)
    assert metadata["duplicate_of"] == first["record_id"]
    actions = [h["action"] for h in catalog.get(second["record_id"])["history"]]
    assert "duplicate_suspected" in actions
    assert catalog.get(first["record_id"])["metadata"].get("duplicate_of") is None


def test_the_book_notes_no_duplicate_the_reader_may_not_see(catalog, store):
    """The first registration of a number may be a secret one: its row is left out for a
    reader below its level, and so is the note on the later copy that would say it exists
    (as the record page leaves out `duplicate_of`)."""
    lines = [line.replace("15/QĐ", "88/QĐ") for line in TOP_SECRET]
    first = ingest(catalog, store, lines, salt="hidden-first")
    assert classified(catalog, store, first)["secrecy"] == "toi_mat"
    copy = ingest(catalog, store, lines[1:], salt="visible-copy")
    assert classified(catalog, store, copy)["duplicate_of"] == first["record_id"]
    today = clock.today().isoformat()
    number = catalog.get(copy["record_id"])["number"]

    def note(clearance: int) -> str:
        book = register_rows(catalog, "den", today, today, clearance=clearance)
        return next(row[-1] for row in book["rows"] if row[1] == number)

    assert "Trùng" in note(3)
    assert "Trùng" not in note(1)


def test_a_correction_is_audited_kept_on_a_re_read_and_emitted(catalog, store):
    event = ingest(catalog, store, DECISION, salt="corr")
    classify_record(event, catalog, store, CONFIG)
    record, corrected = correct_record(
        catalog,
        event["record_id"],
        {"subject": "Danh mục hồ sơ 2026 (sửa)", "retention.class": "VB-01"},
        "lan",
        retention_classes=CLASSES,
        config=CONFIG,
    )
    entry = record["history"][-1]
    assert entry["detail"]["by"] == "lan"
    assert entry["detail"]["changes"]["subject"] == {
        "old": "Về việc ban hành Danh mục hồ sơ năm 2026",
        "new": "Danh mục hồ sơ 2026 (sửa)",
    }
    assert corrected["changed"] == ["retention.class", "subject"]
    assert record["metadata"]["retention"]["override"] is True
    classify_record(event, catalog, store, CONFIG)  # reprocessing the text
    assert catalog.get(event["record_id"])["metadata"]["subject"] == "Danh mục hồ sơ 2026 (sửa)"
    retention = recompute_retention(corrected, catalog, SCHEDULE)
    assert (retention["class"], retention["period"], retention["override"]) == (
        "VB-01",
        "permanent",
        True,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "nghi_quyett"}, "kind"),
        ({"issued_date": "12/03/2026"}, "YYYY-MM-DD"),
        ({"retention.class": "XX-99"}, "retention-schedule.yaml"),
        ({"colour": "red"}, "Không sửa được trường colour"),
        ({"petition.extensions": 1}, "không phải đơn thư"),
        # NĐ 30/2020 Phụ lục VI Phần II: Subject 500 characters, SignerInfo FullName 50
        ({"subject": "Về việc " + "x" * 493}, r"subject \(văn bản tối đa 500 ký tự"),
        ({"signer": "Nguyễn " * 8}, r"signer \(văn bản tối đa 50 ký tự"),
    ],
)
def test_a_bad_correction_is_refused_with_a_clear_message(catalog, store, fields, message):
    event = ingest(catalog, store, DECISION, salt=f"bad{sorted(fields)}")
    with pytest.raises(PermanentError, match=message):
        correct_record(
            catalog,
            event["record_id"],
            fields,
            "lan",
            retention_classes=CLASSES,
            config=CONFIG,
        )


def test_a_refused_text_is_not_quoted_back(catalog, store):
    """The refusal is logged by the classification service (nameko logs an RPC's error), and
    a trích yếu or a recipient list is the record's content."""
    event = ingest(catalog, store, DECISION, salt="long-subject")
    refused_values = {"subject": "Phương án bảo vệ đê điều " * 60, "recipients": ["Đê điều", 5]}
    for field, value in refused_values.items():
        with pytest.raises(PermanentError, match=field) as refused:
            correct_record(catalog, event["record_id"], {field: value}, "lan",
                           retention_classes=CLASSES, config=CONFIG)  # fmt: skip
        assert "đê điều" not in refused.value.message.casefold()


def test_the_incoming_register_prints_its_rows_in_csv_and_pdf(catalog, store):
    event = ingest(catalog, store, DECISION, salt="book")
    classify_record(event, catalog, store, CONFIG)
    with catalog.engine.begin() as conn:  # received on a known day
        conn.execute(
            sa.text(
                "UPDATE records SET received_at = '2026-03-13T02:00:00.000+00:00' WHERE id = :id"
            ),
            {"id": event["record_id"]},
        )
    book = register_rows(catalog, "den", "2026-03-13", "2026-03-13")
    [row] = book["rows"]
    assert row[:6] == [
        "13/03/2026",
        row[1],
        "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
        "15/QĐ-UBND",
        "12/03/2026",
        "Quyết định – Về việc ban hành Danh mục hồ sơ năm 2026",
    ]
    table = RegisterTable(
        "den", date(2026, 3, 13), date(2026, 3, 13), tuple(book["columns"]), book["rows"]
    )
    assert to_csv(table).decode("utf-8-sig").splitlines()[0].startswith("Ngày đến,Số đến,Tác giả")
    # NĐ 30/2020 Phụ lục IV (cover, columns numbered (1)…(10)); Điều 22.3.b (printed, closed).
    cover = BookCover("Văn phòng Tỉnh ủy", "Tỉnh ủy Bình Định", 3, date(2026, 4, 1))
    pdf = pdfium.PdfDocument(io.BytesIO(to_pdf(table, cover=cover)))
    first, book = (pdf[i].get_textpage().get_text_range() for i in (0, 1))
    for line in (
        "TỈNH ỦY BÌNH ĐỊNH",
        "VĂN PHÒNG TỈNH ỦY",
        "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
        "Năm: 2026",
        "Từ ngày 13/03/2026 đến ngày 13/03/2026",
        f"Từ số {row[1]} đến số {row[1]}",
        "Quyển số: 03",
    ):
        assert line in first
    assert "Danh mục hồ sơ" in book and "(1) (2) (3)" in book and "Trang 1" in book
    assert f"Sổ này đăng ký 1 văn bản, từ số {row[1]} đến số {row[1]}, gồm 2 trang" in book
    assert "Đóng sổ ngày 01/04/2026" in book
    unclosed = pdfium.PdfDocument(io.BytesIO(to_pdf(table, cover=BookCover())))
    closing = unclosed[1].get_textpage().get_text_range()
    assert f"Đóng sổ ngày {clock.today():%d/%m/%Y}" in closing  # the office's day, UTC+7


def test_a_secret_document_is_registered_in_the_secret_book_only(catalog, store):
    """NĐ 30/2020 Điều 16.3, 22.4: secret documents are registered apart (state-secret law):
    the ordinary book shows nothing of one, not even its trích yếu."""
    lines = [
        "MẬT",
        *DECISION[:2],
        "Số: 31/QĐ-UBND",
        *DECISION[3:4],
        "QUYẾT ĐỊNH",
        "Về việc kho mật",
    ]
    event = ingest(catalog, store, lines, salt="secret-book")  # not declared: ordinary book
    classify_record(event, catalog, store, CONFIG)
    declared = _upload_declared(catalog, store, born_digital_pdf([["mật đến"]]), "toi_mat")
    after = _upload_declared(catalog, store, born_digital_pdf([["thường đến"]]), "thuong")
    today = clock.today().isoformat()  # the office's day, as registration dates
    ordinary = register_rows(catalog, "den", today, today)
    secret = register_rows(catalog, "den", today, today, secret=True)
    assert "31/QĐ-UBND" not in repr(ordinary) and "kho mật" not in repr(ordinary)
    assert secret["title"] == "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐẾN"
    # Read as secret after registration: its ordinary number stays, with nothing else printed
    # (no gap); the secret book shows its content, the ordinary number marked.
    number = catalog.get(event["record_id"])["number"]
    [hidden] = [row for row in ordinary["rows"] if row[1] == number]
    assert hidden[2:-1] == [""] * 7 and hidden[-1] == "Văn bản mật: nội dung ghi ở sổ văn bản mật"
    [read_later] = [row for row in secret["rows"] if row[3] == "31/QĐ-UBND"]
    assert read_later[1] == f"{number} (sổ thường)" and "Mật" in read_later[-1]
    # Declared secret at intake: in the secret book only, numbered there from 01; neither
    # book has a gap.
    assert [row[1] for row in secret["rows"] if row[1].isdigit()] == ["01"] == [declared["number"]]
    assert int(after["number"]) == int(number) + 1
    assert [row[1] for row in ordinary["rows"]][-2:] == [number, after["number"]]
    assert all(row[-1] != "Tối mật" for row in ordinary["rows"])


def _upload_declared(catalog, store, data: bytes, secrecy: str) -> dict:
    from services.ingest.intake import Declared, ingest_file

    result = ingest_file(
        catalog,
        store,
        data=data,
        file_name="mat.pdf",
        register="den",
        source="test",
        max_bytes=2**20,
        declared=Declared.parse(secrecy),
    )
    return result.record


def test_a_kind_given_at_upload_numbers_an_outgoing_document_at_once(catalog, store):
    from services.ingest.intake import ingest_file

    def upload(data: bytes, kind: str | None, secret: bool = False):
        return ingest_file(
            catalog,
            store,
            data=data,
            file_name="di.pdf",
            register="di",
            source="test",
            max_bytes=2**20,
            kind=kind,
            secret=secret,
            series=CONFIG.series,
        )

    first, second = born_digital_pdf([["Chỉ thị 1"]]), born_digital_pdf([["Chỉ thị 2"]])
    plain = upload(first, "chi_thi").record
    secret = upload(second, "chi_thi", secret=True).record
    again = upload(first, "chi_thi").record  # the same file twice
    # NĐ 30/2020 Điều 15.2 (own series) and 15.1 (unique symbol): the secret one is marked.
    assert (plain["metadata"]["number_symbol"], secret["metadata"]["number_symbol"]) == (
        "01/CT-UBND",
        "01/CT-UBND-M",
    )
    assert catalog.series_number(secret["id"])["series"] == "{}/CT-UBND-M"
    assert again["id"] == plain["id"] and again["metadata"]["number_symbol"] == "01/CT-UBND"
    assert plain["metadata"]["corrected"] == ["kind", "number_symbol"]
    refused = upload(born_digital_pdf([["x"]]), "nghiquyet").record
    assert refused["status"] == "rejected" and "Loại văn bản không hợp lệ" in refused["error"]


def test_correcting_the_kind_does_not_number_a_document(catalog, store):
    event = ingest(
        catalog, store, ["ỦY BAN NHÂN DÂN", "TỈNH BÌNH ĐỊNH", "Số:    /UBND"], register="di"
    )
    assert classified(catalog, store, event)["kind"] == "other"
    record, _ = correct_record(
        catalog,
        event["record_id"],
        {"kind": "ke_hoach"},
        "lan",
        retention_classes=CLASSES,
        config=CONFIG,
    )
    assert record["metadata"]["number_symbol"] is None
    assert catalog.series_number(event["record_id"]) is None


def test_a_record_above_the_secrecy_ceiling_is_refused_and_leaves_no_copy(catalog, store):
    """Invariant: nothing above the installation's ceiling stays stored, not even its text."""
    event = ingest(catalog, store, TOP_SECRET, salt="ceiling")
    row = catalog.row(event["record_id"])
    store.put(row["object_key"], b"original bytes")
    store.put(f"pages/{row['id']}/page-0001.png", b"png")
    assert classify_record(event, catalog, store, CONFIG, secrecy_ceiling=1) is None
    record = catalog.get(row["id"])
    assert record["status"] == "rejected"
    assert "Tối mật" in record["error"] and " / " in record["error"]
    assert record["metadata"]["subject"] is None  # nothing read from the text is kept
    for prefix in (row["object_key"], f"text/{row['id']}/", f"pages/{row['id']}/"):
        assert store.list(prefix) == []
    assert record["history"][-1]["action"] == "refused_above_ceiling"


def test_a_record_at_the_ceiling_is_kept(catalog, store):
    event = ingest(catalog, store, ["MẬT", *DECISION], salt="at-ceiling")
    assert classified(catalog, store, event, secrecy_ceiling=1)["secrecy"] == "mat"
    assert catalog.get(event["record_id"])["status"] != "rejected"


def test_the_desks_receipt_date_and_writer_decision_survive_a_re_read(catalog, store):
    """Luật TC 2018 Điều 30: deadlines count from receipt; the clerk's date and the officer's
    decision on an "identity to confirm" are kept when the text is read again."""
    signed = [*LETTER[:2], LETTER[3], "Người tố cáo", "(Ký, ghi rõ họ tên)", "~ ~"]
    event = ingest(catalog, store, signed, register="don", salt="desk")
    classify_record(event, catalog, store, CONFIG)
    record_id = event["record_id"]
    assert catalog.get(record_id)["metadata"]["petition"]["writer"] == "to_confirm"
    answer = set_received(
        catalog, record_id, "2025-04-24", "postmark", "Dấu bưu điện", "lan", CONFIG.petitions
    )
    assert answer["petition"]["next_due"]["due"] == "2025-05-07"  # 7 working days, 26/4 worked
    correct_record(
        catalog,
        record_id,
        {"petition.anonymous": True},
        "hoa",
        retention_classes=CLASSES,
        config=CONFIG,
    )
    classify_record(event, catalog, store, CONFIG)  # reprocessing the text
    petition = catalog.get(record_id)["metadata"]["petition"]
    assert (petition["received"], petition["writer"], petition["procedure"]) == (
        "2025-04-24",
        "anonymous",
        "thong_tin",  # Luật TC 2018 Điều 25
    )
    assert catalog.petitioner(record_id)["anonymous"] is True
    [entry] = [h for h in catalog.get(record_id)["history"] if h["action"] == "receipt_date_set"]
    detail = {k: entry["detail"][k] for k in ("by", "new", "source", "reason")}
    assert detail == {
        "by": "lan",
        "new": "2025-04-24",
        "source": "postmark",
        "reason": "Dấu bưu điện",
    }


COMPLAINT = [
    "ĐƠN KHIẾU NẠI",
    "Kính gửi: Chủ tịch UBND huyện Tuy Phước",
    "Tôi tên là Lê Văn Tám, trú tại thôn 5, xã Phước Lộc.",
    "Tôi khiếu nại Quyết định số 12/QĐ-UBND về thu hồi đất.",
]


def test_a_letter_corrected_into_a_denunciation_takes_the_deadlines_of_a_denunciation(
    catalog, store
):
    """A clerk who corrects a complaint into a tố cáo moves it from Luật KN 2011 Điều 27–28
    (10 calendar days to accept) to Luật TC 2018 Điều 29–30 (7 working days, then 30 days);
    the petition's category followed the kind only after the text was read again."""
    event = ingest(catalog, store, COMPLAINT, register="don", salt="kind")
    assert classified(catalog, store, event)["petition"]["procedure"] == "khieu_nai"
    record, _ = correct_record(
        catalog, event["record_id"], {"kind": "don_to_cao"}, "lan",
        retention_classes=CLASSES, config=CONFIG,
    )  # fmt: skip
    petition = record["metadata"]["petition"]
    assert (petition["category"], petition["procedure"]) == ("to_cao", "to_cao")
    accept = petition["deadlines"][0]
    assert (accept["step"], accept["days"], accept["unit"]) == ("accept", 7, "working")
    assert accept["basis"].startswith("Luật TC 2018 Điều 29.1")
