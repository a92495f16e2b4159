"""The audit trail is evidence, on the real stack (`deploy/run.sh`, its SQLite catalog): the
HMAC key is a private file made at set-up; an attacker who can write the catalog but has not
the key (an edited entry re-chained with plain SHA-256, a cut tail with a forged head, an
emptied table) is caught by `luutru audit verify`; and an operator's `luutru status|text` of a
Mật record is written to the trail by the service that answers, naming the OS user."""

from __future__ import annotations

import getpass
import json
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from services.common import audit
from tests.fixtures.documents import born_digital_pdf


@pytest.fixture(scope="module")
def stack(private_stack):
    """Not the session's: the tests tamper with its catalog (its ceiling allows Mật)."""
    return private_stack


@pytest.fixture(scope="module")
def secret_record(stack):
    """A born-digital report stamped MẬT (secrecy level 1), fully indexed."""
    pdf = born_digital_pdf(
        [["MẬT", "TỈNH ỦY BÌNH ĐỊNH", "Số 09-BC/TU", "BÁO CÁO", "về công tác kiểm tra đảng viên",
          "Nội dung mật về công tác kiểm tra."]]
    )  # fmt: skip
    record = stack.wait_final(stack.upload("bao-cao-mat.pdf", pdf).json()["id"])
    assert record["status"] == "indexed" and record["metadata"]["secrecy"] == "mat"
    return record


def trail(stack) -> list[dict]:
    return [json.loads(line) for line in stack.cli("audit", "export").stdout.splitlines()]


def verify(stack) -> tuple[int, dict]:
    done = stack.cli("audit", "verify", "--json", check=False)
    return done.returncode, json.loads(done.stdout)


@contextmanager
def catalog_as_attacker(stack) -> Iterator[sqlite3.Connection]:
    """Write access to the stack's catalog (no key); the trail is put back afterwards."""
    db = sqlite3.connect(stack.data / "catalog.db", timeout=30)
    saved = {t: db.execute(f"SELECT * FROM {t}").fetchall() for t in ("audit_log", "audit_head")}
    try:
        yield db
        db.commit()
    finally:
        db.rollback()
        for table, rows in saved.items():
            db.execute(f"DELETE FROM {table}")
            marks = ",".join("?" * len(rows[0]))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        db.commit()
        db.close()


def rechain_plain(db: sqlite3.Connection, from_seq: int) -> None:
    """Recompute every hash from `from_seq` with plain SHA-256 and point the head at the last."""
    [prev] = db.execute("SELECT hash FROM audit_log WHERE seq = ?", (from_seq - 1,)).fetchone()
    rows = db.execute(
        "SELECT seq, at, actor, action, record_id, origin, detail FROM audit_log"
        " WHERE seq >= ? ORDER BY seq",
        (from_seq,),
    ).fetchall()
    for seq, *fields in rows:
        digest = audit.entry_hash(None, prev, seq, *fields)
        db.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq)
        )
        prev = digest
    db.execute("UPDATE audit_head SET count = ?, hash = ?", (rows[-1][0], prev))


def test_set_up_made_a_private_key_and_started_the_trail(stack):
    key = stack.data / "secrets" / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert trail(stack)[0]["action"] == "audit.started"
    assert verify(stack) == (0, {"ok": True, "entries": len(trail(stack)), "problems": []})


@pytest.mark.parametrize(("command", "action"), [("text", "read_text"), ("status", "read_record")])
def test_a_cli_read_of_a_secret_record_is_audited_with_the_operator(
    stack, secret_record, command, action
):
    before = len(trail(stack))
    stack.cli(command, secret_record["id"])
    entries = trail(stack)[before:]
    assert [(e["actor"], e["action"], e["origin"], e["record_id"]) for e in entries] == [
        (getpass.getuser(), action, "cli", secret_record["id"])
    ]
    assert entries[0]["detail"]["secrecy"] == "mat"
    assert verify(stack)[0] == 0


def test_a_cli_read_of_an_ordinary_record_is_not_audited(stack):
    pdf = born_digital_pdf([["THÔNG BÁO", "Lịch làm việc tuần của văn phòng."]])
    record = stack.wait_final(stack.upload("thong-bao.pdf", pdf).json()["id"])
    before = len(trail(stack))
    stack.cli("text", record["id"])
    assert len(trail(stack)) == before


def test_an_entry_edited_and_rechained_with_plain_sha256_is_detected(stack, secret_record):
    stack.cli("text", secret_record["id"])  # an entry to hide
    with catalog_as_attacker(stack) as db:
        [seq] = db.execute("SELECT max(seq) FROM audit_log").fetchone()
        db.execute("UPDATE audit_log SET actor = 'ai_do' WHERE seq = ?", (seq,))
        rechain_plain(db, seq)
        db.commit()
        code, result = verify(stack)
    assert code != 0 and not result["ok"]
    assert {"seq": seq, "code": "entry_altered"} in [
        {"seq": p["seq"], "code": p["code"]} for p in result["problems"]
    ]
    assert verify(stack)[0] == 0  # put back: the real trail verifies


def test_a_deleted_tail_with_a_forged_head_is_detected(stack, secret_record):
    stack.cli("text", secret_record["id"])
    with catalog_as_attacker(stack) as db:
        [seq] = db.execute("SELECT max(seq) FROM audit_log").fetchone()
        [last] = db.execute("SELECT hash FROM audit_log WHERE seq = ?", (seq - 1,)).fetchone()
        db.execute("DELETE FROM audit_log WHERE seq = ?", (seq,))
        db.execute("UPDATE audit_head SET count = ?, hash = ?", (seq - 1, last))
        db.commit()
        code, result = verify(stack)
    assert code != 0
    assert [p["code"] for p in result["problems"]] == ["tail_cut"]


def test_an_emptied_trail_is_detected(stack):
    with catalog_as_attacker(stack) as db:
        db.execute("DELETE FROM audit_log")
        db.execute("DELETE FROM audit_head")
        db.commit()
        code, result = verify(stack)
    assert code != 0
    assert (result["entries"], [p["code"] for p in result["problems"]]) == (0, ["trail_emptied"])
