"""The audit trail on SQLite and the real PostgreSQL: chained with a keyed HMAC whose key is a
file outside the database. An altered entry (even re-chained by someone without the key), a
deleted entry, a cut-off tail (with or without a forged head) and an emptied table are all
detected; concurrent appends from many connections still form one unbroken chain."""

from __future__ import annotations

import stat
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from services.common import audit
from services.common.audit_key import AuditKeyMissing, load_key, pending_key
from services.common.catalog import SqlCatalog
from services.common.config import process_settings
from services.ingest import trail
from tests.postgres import temporary_catalog, temporary_database

WRONG_KEY = b"k" * 32


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """The catalog's engine, as ingest opens it (migrated: the audit tables are there)."""
    if request.param == "sqlite":
        catalog = SqlCatalog(f"sqlite:///{tmp_path / 'a.db'}")
        yield catalog.engine
        catalog.engine.dispose()
        return
    with temporary_database() as dsn:
        catalog = SqlCatalog(dsn)
        yield catalog.engine
        catalog.engine.dispose()


@pytest.fixture(autouse=True)
def settings_read_again():
    """Some tests point LUUTRU_AUDIT_KEY_FILE elsewhere: the process's settings (read once)
    are read again for them, and again after them."""
    process_settings.cache_clear()
    yield
    process_settings.cache_clear()


@pytest.fixture
def key_file(tmp_path):
    return tmp_path / "secrets" / "audit.key"


@pytest.fixture
def key(engine, key_file):
    """Set-up done: the key made and the trail started with `audit.started`."""
    assert audit.set_up(key_file, engine)
    return load_key(key_file)


def write(engine, key: bytes, n: int) -> None:
    for i in range(n):
        with engine.begin() as conn:
            audit.append(
                conn,
                actor="lan",
                action="read",
                record_id=f"r{i}",
                origin="127.0.0.1",
                detail={"trang": i, "ghi_chú": "đọc"},
                key=key,
            )


def codes(engine, key: bytes) -> list[tuple[int, str]]:
    return [(p.seq, p.code) for p in audit.verify(engine, key)]


def rechain(engine, from_seq: int, forged_key: bytes | None) -> None:
    """The attacker's move: recompute every hash from `from_seq` (plain SHA-256, or HMAC with a
    key of his own) and write a head that matches them under that scheme."""
    rows = audit.audit_log
    with engine.begin() as conn:
        prev = conn.execute(sa.select(rows.c.hash).where(rows.c.seq == from_seq - 1)).scalar()
        for row in conn.execute(sa.select(rows).where(rows.c.seq >= from_seq).order_by("seq")):
            digest = audit.entry_hash(
                forged_key, prev, row.seq, row.at, row.actor, row.action, row.record_id,
                row.origin, row.detail,
            )  # fmt: skip
            conn.execute(
                rows.update().where(rows.c.seq == row.seq).values(prev_hash=prev, hash=digest)
            )
            prev, count = digest, row.seq
        head = audit.head_mac(forged_key, count, prev) if forged_key else prev
        conn.execute(audit.audit_head.update().values(count=count, hash=head))


def delete(engine, table: sa.Table, where=None) -> None:
    with engine.begin() as conn:
        conn.execute(table.delete() if where is None else table.delete().where(where))


def test_set_up_makes_a_private_key_once_and_starts_the_trail(engine, key_file):
    assert audit.set_up(key_file, engine)
    key = key_file.read_bytes()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert not audit.set_up(key_file, engine), "a second set-up changes nothing"
    assert key_file.read_bytes() == key
    [started] = audit.entries(engine)
    assert (started["seq"], started["action"], started["detail"]) == (
        1,
        "audit.started",
        {"scheme": "hmac-sha256"},
    )


@pytest.mark.parametrize("committed", [False, True], ids=["before-commit", "after-commit"])
def test_a_set_up_interrupted_is_completed_by_the_next(engine, key_file, committed):
    """A crash between making the key and putting it in place leaves `<key>.new`; the next
    set-up takes that key, so the trail is started under the key that ends in place."""
    key = pending_key(key_file)
    if committed:
        with engine.begin() as conn:
            audit.append(conn, actor="lan", action=audit.STARTED, key=key)
    assert not key_file.exists()
    assert audit.set_up(key_file, engine)
    assert load_key(key_file) == key
    assert audit.verify(engine, key) == []
    assert not key_file.with_name("audit.key.new").exists()


def test_an_untouched_trail_verifies(engine, key):
    write(engine, key, 5)
    assert audit.verify(engine, key) == []
    assert [e["seq"] for e in audit.entries(engine)] == [1, 2, 3, 4, 5, 6]


def test_an_altered_entry_is_detected(engine, key):
    write(engine, key, 5)
    with engine.begin() as conn:
        conn.execute(
            audit.audit_log.update().where(audit.audit_log.c.seq == 3).values(actor="mallory")
        )
    assert codes(engine, key) == [(3, "entry_altered")]


@pytest.mark.parametrize("forged_key", [None, WRONG_KEY], ids=["plain-sha256", "wrong-key"])
def test_an_entry_edited_and_rechained_without_the_key_is_detected(engine, key, forged_key):
    write(engine, key, 5)
    with engine.begin() as conn:
        conn.execute(
            audit.audit_log.update().where(audit.audit_log.c.seq == 3).values(actor="mallory")
        )
    rechain(engine, 3, forged_key)
    found = codes(engine, key)
    assert (3, "entry_altered") in found
    assert (7, "tail_cut") in found  # the head, too, needs the key


def test_a_deleted_entry_is_detected(engine, key):
    write(engine, key, 5)
    delete(engine, audit.audit_log, audit.audit_log.c.seq == 2)
    assert {"entry_missing", "chain_broken"} <= {code for _, code in codes(engine, key)}


def test_entries_cut_from_the_end_are_detected(engine, key):
    write(engine, key, 5)
    delete(engine, audit.audit_log, audit.audit_log.c.seq >= 5)
    assert codes(engine, key) == [(5, "tail_cut")]


@pytest.mark.parametrize("forged_key", [None, WRONG_KEY], ids=["row-hash", "wrong-key"])
def test_a_cut_tail_with_a_forged_head_is_detected(engine, key, forged_key):
    write(engine, key, 5)
    delete(engine, audit.audit_log, audit.audit_log.c.seq >= 5)
    with engine.begin() as conn:
        last = conn.execute(sa.select(audit.audit_log.c.hash).where(audit.audit_log.c.seq == 4))
        last = last.scalar()
        forged = audit.head_mac(forged_key, 4, last) if forged_key else last
        conn.execute(audit.audit_head.update().values(count=4, hash=forged))
    assert codes(engine, key) == [(5, "tail_cut")]


def test_a_cut_tail_with_its_head_deleted_is_detected(engine, key):
    write(engine, key, 5)
    delete(engine, audit.audit_log, audit.audit_log.c.seq >= 5)
    delete(engine, audit.audit_head)
    assert codes(engine, key) == [(5, "head_missing")]


def test_an_emptied_trail_is_detected(engine, key):
    write(engine, key, 3)
    delete(engine, audit.audit_log)
    delete(engine, audit.audit_head)
    assert codes(engine, key) == [(1, "trail_emptied")]


def test_an_emptied_trail_refilled_without_the_key_is_detected(engine, key):
    write(engine, key, 3)
    delete(engine, audit.audit_log)
    delete(engine, audit.audit_head)
    legacy_trail(engine, 3)
    assert codes(engine, key) == [(1, "not_started")]


def test_appends_are_refused_without_the_key(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("LUUTRU_AUDIT_KEY_FILE", str(tmp_path / "none" / "audit.key"))
    with pytest.raises(AuditKeyMissing, match="Thiếu khóa"), engine.begin() as conn:
        audit.append(conn, actor="lan", action="read")
    assert list(audit.entries(engine)) == []


def test_verify_without_the_key_says_so_rather_than_passing(engine, key, tmp_path, monkeypatch):
    monkeypatch.setenv("LUUTRU_AUDIT_KEY_FILE", str(tmp_path / "none" / "audit.key"))
    with pytest.raises(AuditKeyMissing, match="Audit key missing"):
        audit.verify(engine)


def test_a_key_others_can_read_is_refused(engine, key, key_file, monkeypatch):
    monkeypatch.setenv("LUUTRU_AUDIT_KEY_FILE", str(key_file))
    with engine.begin() as conn:
        audit.append(conn, actor="lan", action="read")  # the default key: the setting's file
    key_file.chmod(0o644)
    with pytest.raises(AuditKeyMissing, match="chmod 600"), engine.begin() as conn:
        audit.append(conn, actor="lan", action="read")
    assert len(list(audit.entries(engine))) == 2


def legacy_trail(engine, n: int) -> None:
    """Entries as the code before the key wrote them: plain SHA-256, the head the last hash."""
    prev = audit.GENESIS
    with engine.begin() as conn:
        for seq in range(1, n + 1):
            fields = dict(at=f"2026-01-0{seq}T00:00:00", actor="lan", action="read",
                          record_id=None, origin="api", detail="{}")  # fmt: skip
            digest = audit.entry_hash(None, prev, seq, **fields)
            conn.execute(
                audit.audit_log.insert().values(seq=seq, prev_hash=prev, hash=digest, **fields)
            )
            prev = digest
        conn.execute(audit.audit_head.insert().values(id=1, count=n, hash=prev))


def test_a_plain_trail_is_continued_under_the_key_from_its_audit_started(engine, key_file):
    legacy_trail(engine, 3)
    assert audit.set_up(key_file, engine)
    key = load_key(key_file)
    write(engine, key, 2)
    assert audit.verify(engine, key) == []
    assert [e["action"] for e in audit.entries(engine)][3] == "audit.started"


def test_an_edited_plain_part_rechained_is_detected_at_audit_started(engine, key_file):
    legacy_trail(engine, 3)
    audit.set_up(key_file, engine)
    key = load_key(key_file)
    with engine.begin() as conn:
        conn.execute(
            audit.audit_log.update().where(audit.audit_log.c.seq == 2).values(actor="mallory")
        )
    rechain(engine, 2, None)
    assert (4, "entry_altered") in codes(engine, key)


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path):
    with temporary_catalog(request.param, tmp_path) as cat:
        yield cat


def letter(catalog, register: str, kind: str | None) -> str:
    """A record classified Thường (visible to every clearance) of `kind`."""
    record, _ = catalog.register_new(
        register=register, file_name="don.pdf", sha256=f"{uuid.uuid4().hex:0>64}", size=16,
        media_type="application/pdf", object_key=f"originals/{uuid.uuid4().hex}", source="test",
    )  # fmt: skip
    values = {"secrecy": None, "secrecy_known": True, "kind": kind}
    catalog.update_metadata(record["id"], "classification", values)
    return record["id"]


@pytest.mark.parametrize("kind", ["don_to_cao", "don_khieu_nai"])
def test_reading_a_petition_registered_as_incoming_writes_an_entry(
    catalog, key_file, monkeypatch, kind
):
    """A đơn tố cáo forwarded by another office is registered đến, and its kind is all that
    says it is a petition; reading it is evidence as in the petitions register (Luật Tố cáo
    2018 Điều 9.1.b): the same rule that decides whether to ask for its writer."""
    monkeypatch.setenv("LUUTRU_AUDIT_KEY_FILE", str(key_file))
    audit.set_up(key_file, catalog.engine)
    petition, plain = letter(catalog, "den", kind), letter(catalog, "den", "cong_van")
    for record_id in (petition, plain):
        trail.read(catalog, record_id, "lan", "127.0.0.1", "record")
    reads = [e["record_id"] for e in audit.entries(catalog.engine) if e["action"] == "read_record"]
    assert reads == [petition]


def test_concurrent_appends_form_one_chain(engine, key):
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: write(engine, key, 5), range(8)))
    assert audit.verify(engine, key) == []
    assert len(list(audit.entries(engine))) == 41
