"""Saved searches' daily notice by e-mail, through a real SMTP receiver (aiosmtpd) and the
shared SMTP sender, on SQLite and the real PostgreSQL: only records the owner may see when
the mail is sent are counted and named, one mail per notice, a failed relay retried."""

from __future__ import annotations

import uuid

from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore
from services.common.secrecy import KNOWN
from services.gateway import saved_searches as saved
from services.gateway.accounts import SqlAccountStore, users
from services.ingest.records import visible_ids
from services.retention.recall import recall_incoming
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import Recorder, add_record, disposer
from tests.smtp_relay import unreachable_relay

PORTAL = "https://luutru.example.vn:8443"
PLAIN_TITLE = "Kế hoạch phòng, chống lụt bão năm 2026"
SECRET_TITLE = "Phương án bảo vệ đê điều trọng điểm"


def _record(
    catalog: SqlCatalog, subject: str, secrecy: str | None, register: str = "den", **more
) -> str:
    sha = uuid.uuid4().hex * 2
    record, _ = catalog.register_new(
        register=register, file_name=f"{sha[:8]}.pdf", sha256=sha, size=1,
        media_type="application/pdf", object_key=sha, source="upload",
    )  # fmt: skip
    meta = {"subject": subject, KNOWN: True, "secrecy": secrecy, **more}
    catalog.update_metadata(record["id"], "classification", meta)
    return record["id"]


def _owners(accounts: SqlAccountStore):
    def owner(user: str) -> saved.Owner | None:
        account = accounts.user(user)
        if account["disabled"] or not account["email"]:
            return None
        return saved.Owner(account["clearance"], account["email"])

    return owner


def _mail(catalog: SqlCatalog, store, accounts, mailer) -> int:
    return saved.mail_notices(
        store,
        _owners(accounts),
        # as the gateway's daily run asks ingest: visible now and still in the archive's care
        lambda ids, clearance: set(visible_ids(catalog, ids, clearance, in_care=True)),
        catalog.get,
        mailer,
        PORTAL,
    )


def _searching(catalog: SqlCatalog, ids: list[str]):
    """A saved search that matches `ids` at any clearance (the index is not under test; the
    notice and the mail filter by clearance themselves)."""
    return lambda params, clearance: visible_ids(catalog, ids, clearance)


def test_one_mail_names_only_what_the_owner_may_see_and_is_not_sent_twice(catalog, relay):
    box, mailer = relay
    accounts = SqlAccountStore(catalog.engine)
    accounts.add_user("an", "reader", 3, email="an@example.vn")
    store = saved.SavedSearchStore(catalog.engine)
    old = _record(catalog, "Báo cáo lụt bão năm 2025", None)
    search = store.add("an", "Lụt bão", {"q": "lụt bão"}, True, [old])
    plain = _record(catalog, PLAIN_TITLE, None)
    secret = _record(catalog, SECRET_TITLE, "mat")
    matching = _searching(catalog, [old, plain, secret])
    assert saved.notify(store, {"an": 3}.get, matching, force=True) == 1
    assert store.get("an", search["id"])["new"] == [plain, secret]

    with catalog.engine.begin() as conn:  # lowered after the check: the mail goes by now
        conn.execute(users.update().where(users.c.name == "an").values(clearance=0))
    assert _mail(catalog, store, accounts, mailer) == 1
    assert len(box.messages) == 1
    to, subject, body = box.messages[0]
    assert to == ["an@example.vn"]
    assert "«Lụt bão»" in subject and "1 văn bản mới" in subject
    assert PLAIN_TITLE in body and f"{PORTAL}/records/{plain}" in body
    assert SECRET_TITLE not in body and secret not in body

    assert _mail(catalog, store, accounts, mailer) == 0  # the same notice: mailed already
    fresh = saved.SavedSearchStore(catalog.engine)  # a restart changes nothing
    assert _mail(catalog, fresh, accounts, mailer) == 0
    saved.notify(store, {"an": 0}.get, matching, force=True)  # checked again: nothing new
    assert _mail(catalog, store, accounts, mailer) == 0
    assert len(box.messages) == 1


def test_a_cleared_owner_is_counted_the_secret_record_but_never_mailed_its_title(catalog, relay):
    box, mailer = relay
    accounts = SqlAccountStore(catalog.engine)
    accounts.add_user("binh", "reader", 3, email="binh@example.vn")
    store = saved.SavedSearchStore(catalog.engine)
    store.add("binh", "Đê điều", {"q": "đê"}, True, [])
    plain = _record(catalog, PLAIN_TITLE, None)
    secret = _record(catalog, SECRET_TITLE, "toi_mat")
    petition = _record(catalog, "Đơn tố cáo của ông Nguyễn Văn A", None, register="don")
    saved.notify(store, {"binh": 3}.get, _searching(catalog, [plain, secret, petition]), True)
    assert _mail(catalog, store, accounts, mailer) == 1
    _, subject, body = box.messages[0]
    assert "3 văn bản mới" in subject
    assert PLAIN_TITLE in body and f"/records/{secret}" in body
    assert SECRET_TITLE not in body and "Nguyễn Văn A" not in body


def test_a_letter_registered_as_incoming_is_a_petition_too_and_its_title_is_not_mailed(
    catalog, relay
):
    """Classification reads a letter as a petition in whatever register it came in (a tố cáo
    forwarded by another office is registered đến): its trích yếu may name the writer."""
    box, mailer = relay
    accounts = SqlAccountStore(catalog.engine)
    accounts.add_user("chi", "reader", 3, email="chi@example.vn")
    store = saved.SavedSearchStore(catalog.engine)
    store.add("chi", "Tố cáo", {"q": "tố cáo"}, True, [])
    facts = {"kind": "don_to_cao", "petition": {"category": "to_cao", "anonymous": False}}
    letter = _record(catalog, "Tố cáo của bà Trần Thị Bích", None, **facts)
    saved.notify(store, {"chi": 3}.get, _searching(catalog, [letter]), True)
    assert _mail(catalog, store, accounts, mailer) == 1
    _, subject, body = box.messages[0]
    assert "1 văn bản mới" in subject and f"/records/{letter}" in body
    assert "Trần Thị Bích" not in body


def test_a_failed_relay_is_retried_and_no_news_or_no_address_sends_nothing(catalog, relay):
    box, mailer = relay
    accounts = SqlAccountStore(catalog.engine)
    accounts.add_user("an", "reader", 0, email="an@example.vn")
    accounts.add_user("chi", "reader", 3)  # no address
    store = saved.SavedSearchStore(catalog.engine)
    store.add("an", "Lụt", {"q": "lụt"}, True, [])
    store.add("chi", "Lụt", {"q": "lụt"}, True, [])
    secret = _record(catalog, SECRET_TITLE, "mat")
    saved.notify(store, {"an": 3, "chi": 3}.get, _searching(catalog, [secret]), True)
    assert _mail(catalog, store, accounts, mailer) == 0  # an sees none of it; chi: no address
    assert box.messages == []

    plain = _record(catalog, PLAIN_TITLE, None)
    saved.notify(store, {"an": 0, "chi": 3}.get, _searching(catalog, [secret, plain]), True)
    down = unreachable_relay()
    assert _mail(catalog, store, accounts, down) == 0
    assert _mail(catalog, store, accounts, mailer) == 1  # retried on the next run
    assert PLAIN_TITLE in box.messages[0][2]
    saved.notify(store, {"an": 0, "chi": 3}.get, _searching(catalog, [plain, _record(
        catalog, "Kế hoạch trồng cây", None)]), True)  # fmt: skip
    assert _mail(catalog, store, accounts, mailer) == 0  # a second notice the same day waits
    with store.engine.begin() as conn:  # a day later
        conn.execute(saved.table.update().values(mailed_at=saved._now() - saved.NOTICE_INTERVAL))
    assert _mail(catalog, store, accounts, mailer) == 1
    assert len(box.messages) == 2


def test_a_record_recalled_since_the_check_is_neither_named_nor_counted(catalog, relay, tmp_path):
    """NĐ 30/2020 Phụ lục VI, Phần I, III.8: an incoming document its sender recalls is
    destroyed with its metadata; a notice found before the recall and mailed after it must
    not name it (nor say "1 new record"), and the list no longer shows it."""
    box, mailer = relay
    accounts = SqlAccountStore(catalog.engine)
    accounts.add_user("an", "reader", 3, email="an@example.vn")
    store = saved.SavedSearchStore(catalog.engine)
    search = store.add("an", "Lụt bão", {"q": "lụt bão"}, True, [])
    objects = FilesystemObjectStore(tmp_path / "objects")
    gone = add_record(catalog, objects, subject=PLAIN_TITLE)
    saved.notify(store, {"an": 3}.get, _searching(catalog, [gone]), force=True)
    assert store.get("an", search["id"])["new"] == [gone]
    retention = RetentionStore(catalog.engine)
    recall_incoming(disposer(retention, objects, Recorder()), gone, "Nhầm", "25/UBND-VP", "lan")
    assert _mail(catalog, store, accounts, mailer) == 0 and box.messages == []
    assert visible_ids(catalog, [gone], 3, in_care=True) == []  # what the list shows
