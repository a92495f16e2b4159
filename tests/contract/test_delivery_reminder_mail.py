"""The nộp lưu reminder 30 days ahead (NĐ 30/2020 Phụ lục VI Phần I, Điều 30) on the real
catalog (SQLite and PostgreSQL) through a real SMTP receiver (aiosmtpd) and the shared SMTP
sender: files closed through the store, listed by retention's RPCs, mailed by the gateway's
rules. Each file is mailed once (claimed before sending; a restart or a second runner sends
nothing again), a failed relay puts the claim back for the next run, and the title of a file
holding a secret record never travels by e-mail."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.common.objects import FilesystemObjectStore
from services.common.secrecy import HIGHEST
from services.gateway import delivery_reminders as dr
from services.gateway.accounts import SqlAccountStore
from services.retention import files as rules
from services.retention.file_operations import FileOperations
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import add_record
from tests.smtp_relay import unreachable_relay

PORTAL = "https://luutru.example.vn:8443"
AS_OF = "2026-05-10"
# Closed a year before their last day (Điều 30): 01 due in 30 days, 02 late (a Mật record),
# 03 due in 31 days (not yet), 04 due in 5 days with nobody of its unit known.
DANH_MUC = """
year: 2025
files:
  - {code: "01.VP", title: "Tập công văn trao đổi về phòng chống lụt bão", retention: 10,
     unit: "Văn phòng", responsible: "lan"}
  - {code: "02.VP", title: "Hồ sơ phương án bảo vệ mục tiêu trọng điểm", retention: 10,
     unit: "Văn phòng", responsible: "Nguyễn Văn Minh"}
  - {code: "03.VP", title: "Hồ sơ hội nghị tổng kết", retention: vĩnh viễn, unit: "Văn phòng"}
  - {code: "04.TC", title: "Hồ sơ tuyển dụng", retention: 10, unit: "Phòng Tổ chức"}
"""
CLOSED_ON = {"01.VP": "2025-06-09", "02.VP": "2025-05-01", "03.VP": "2025-06-10",
             "04.TC": "2025-05-15"}  # fmt: skip
SECRET_TITLE = "Hồ sơ phương án bảo vệ mục tiêu trọng điểm"


@pytest.fixture
def office(catalog, tmp_path):
    """The four files closed (02.VP holding a Mật record), retention's RPCs over the real
    store, and the office's accounts: lan (named as 01.VP's keeper), the Văn phòng's clerk
    and archivist, a reader of the unit, an archivist of the archive."""
    objects = FilesystemObjectStore(tmp_path / "objects")
    store = RetentionStore(catalog.engine)
    store.import_catalogue(*rules.read_catalogue("dm.yaml", DANH_MUC.encode()), by="lan")
    for code, closed_on in CLOSED_ON.items():
        record_id = add_record(catalog, objects, issued="2025-03-02")
        if code == "02.VP":
            catalog.update_metadata(record_id, "classification", {"secrecy": "mat"})
        store.add_to_file(f"2025/{code}", [record_id], "lan")
        store.close_file(f"2025/{code}", closed_on, "lan")
    ops = FileOperations()
    ops.retention = SimpleNamespace(store=store)
    accounts = SqlAccountStore(catalog.engine)
    for name, role, unit in (("lan", "clerk", "Văn phòng"), ("binh", "clerk", "Văn phòng"),
                             ("minh", "archivist", "Văn phòng"), ("hoa", "reader", "Văn phòng"),
                             ("tuan", "archivist", "Lưu trữ")):  # fmt: skip
        accounts.add_user(name, role, 0, email=f"{name}@example.vn", unit=unit)
    return ops, accounts


def remind(ops: FileOperations, accounts: SqlAccountStore, mailer) -> int:
    """What the gateway's hourly timer does (routes_delivery.remind_delivery)."""
    users = accounts.list_users()
    return dr.mail_reminders(
        ops.files_delivery_unreminded(AS_OF),
        lambda file: dr.recipients(file, users),
        ops.files_claim_delivery_reminder,
        ops.files_release_delivery_reminder,
        mailer,
        PORTAL,
    )


def test_each_file_due_within_30_days_or_late_is_mailed_once_to_who_keeps_it(office, relay):
    ops, accounts = office
    box, mailer = relay
    soon = ops.files_delivery_soon(AS_OF, HIGHEST)
    assert [(f["code"], f["days_left"], f["late"]) for f in soon["files"]] == [
        ("02.VP", -9, True), ("04.TC", 5, False), ("01.VP", 30, False),
    ]  # fmt: skip
    assert soon["within_days"] == 30 and all(f["reminded_at"] is None for f in soon["files"])

    assert remind(ops, accounts, mailer) == 3
    mails = {subject.split(": ")[1].split(",")[0]: (to, body) for to, subject, body in box.messages}
    assert sorted(mails) == ["2025/01.VP", "2025/02.VP", "2025/04.TC"]
    to, body = mails["2025/01.VP"]
    assert to == ["lan@example.vn"]  # the account the danh mục names
    assert "Tập công văn trao đổi về phòng chống lụt bão" in body and "còn 30 ngày" in body
    assert f"{PORTAL}/hoso/2025/01.VP" in body
    to, body = mails["2025/02.VP"]  # a name, no account: the unit's clerks and archivist
    assert to == ["binh@example.vn", "lan@example.vn", "minh@example.vn"]
    assert SECRET_TITLE not in body and dr.WITHHELD_TITLE in body and "quá hạn 9 ngày" in body
    assert mails["2025/04.TC"][0] == ["minh@example.vn", "tuan@example.vn"]  # the archivists

    assert remind(ops, accounts, mailer) == 0  # once
    fresh = FileOperations()  # a restart, or a second gateway on the same catalog
    fresh.retention = SimpleNamespace(store=RetentionStore(ops.retention.store.engine))
    assert remind(fresh, accounts, mailer) == 0
    assert len(box.messages) == 3
    reminded = ops.files_delivery_soon(AS_OF, HIGHEST)["files"]
    assert all(f["reminded_at"] for f in reminded)


def test_a_failed_relay_puts_the_claim_back_and_the_next_run_mails(office, relay):
    ops, accounts = office
    box, mailer = relay
    assert remind(ops, accounts, unreachable_relay()) == 0
    assert [f["reminded_at"] for f in ops.files_delivery_soon(AS_OF, 0)["files"]] == [None] * 3
    assert remind(ops, accounts, mailer) == 3 and len(box.messages) == 3


def test_a_claim_is_taken_once_and_only_its_own_is_put_back(office):
    ops, _ = office
    file_id = ops.files_delivery_unreminded(AS_OF)[0]["id"]
    claimed = ops.files_claim_delivery_reminder(file_id)
    assert claimed is not None and ops.files_claim_delivery_reminder(file_id) is None
    ops.files_release_delivery_reminder(file_id, "2026-01-01T00:00:00.000+07:00")  # not its own
    assert ops.files_claim_delivery_reminder(file_id) is None
    ops.files_release_delivery_reminder(file_id, claimed)
    assert ops.files_claim_delivery_reminder(file_id) is not None


def test_nobody_to_tell_claims_nothing_and_a_delivered_file_is_not_reminded(office, relay):
    ops, accounts = office
    box, mailer = relay
    for name in ("lan", "binh", "minh", "hoa", "tuan"):
        accounts.set_contact(name, email="")
    assert remind(ops, accounts, mailer) == 0 and box.messages == []
    ops.retention.store.deliver_file("2025/02.VP", "2026-05-09", "lan")
    accounts.set_contact("tuan", email="tuan@example.vn")
    assert remind(ops, accounts, mailer) == 2  # 01.VP and 04.TC, to the archivist now
    assert {to[0] for to, _, _ in box.messages} == {"tuan@example.vn"}
    assert [f["code"] for f in ops.files_delivery_soon(AS_OF, 0)["files"]] == ["04.TC", "01.VP"]


def test_the_list_counts_records_within_the_callers_clearance(office):
    ops, _ = office
    rows = {f["code"]: f for f in ops.files_delivery_soon(AS_OF, 0)["files"]}
    full = {f["code"]: f for f in ops.files_delivery_soon(AS_OF, HIGHEST)["files"]}
    assert (rows["02.VP"]["records"], full["02.VP"]["records"]) == (0, 1)
