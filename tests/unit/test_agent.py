"""The scanning-station agent: a file is sent once it is finished, once only, whatever the
archive does. The archive is a fake sender here; the journal is the real SQLite file."""

import sqlite3
import threading
from pathlib import Path

import pytest

from services.agent import Agent, Journal, Watcher
from services.agent.journal import JOURNAL_NAME
from services.agent.runner import NotNow, Rejected


class FakeArchive:
    def __init__(self):
        self.up = True
        self.received: list[str] = []
        self.numbers: dict[bytes, str] = {}

    def __call__(self, path: Path) -> dict:
        if not self.up:
            raise NotNow("archive down")
        data = path.read_bytes()
        if data.startswith(b"PK"):
            raise Rejected("Không nhận loại tệp này / Unsupported file type")
        self.received.append(path.name)
        duplicate = data in self.numbers
        number = self.numbers.setdefault(data, f"{len(self.numbers) + 1:02d}")
        return {"id": f"id-{number}", "number": number, "status": "received",
                "duplicate": duplicate}  # fmt: skip


@pytest.fixture
def archive():
    return FakeArchive()


def agent_for(folder: Path, archive: FakeArchive) -> Agent:
    return Agent(folder, Journal(folder), archive, "den", settle_s=0)


def test_a_file_still_being_written_waits_until_its_size_stops_changing(tmp_path):
    watcher = Watcher(tmp_path, settle_s=2)
    scan = tmp_path / "quet.pdf"
    scan.write_bytes(b"%PDF part")
    assert watcher.stable_files(now=100) == []
    scan.write_bytes(b"%PDF part and more")
    assert watcher.stable_files(now=101.5) == []  # changed: the clock starts again
    assert watcher.stable_files(now=103) == []
    assert [p.name for p, *_ in watcher.stable_files(now=103.6)] == ["quet.pdf"]


def test_the_journal_and_hidden_files_are_never_sent(tmp_path, archive):
    (tmp_path / ".~lock.quet.pdf").write_bytes(b"lock")
    agent = agent_for(tmp_path, archive)
    agent.poll()
    assert archive.received == []


def test_while_the_archive_is_down_files_wait_and_are_sent_once_it_is_back(tmp_path, archive):
    (tmp_path / "a.pdf").write_bytes(b"%PDF a")
    agent = agent_for(tmp_path, archive)
    archive.up = False
    [outcome] = agent.poll()
    assert outcome.kind == "retry" and outcome.entry.attempts == 1
    assert agent.poll() == []  # not due yet: the delay doubles
    archive.up = True
    agent.journal.db.execute("UPDATE files SET next_try = 0")  # time passes
    [outcome] = agent.poll()
    assert (outcome.kind, outcome.entry.number) == ("sent", "01")
    assert agent.poll() == [] and archive.received == ["a.pdf"]


def test_a_refused_file_is_journaled_with_the_reason_and_not_sent_again(tmp_path, archive):
    (tmp_path / "nen.pdf").write_bytes(b"PK\x03\x04 zip")
    agent = agent_for(tmp_path, archive)
    [outcome] = agent.poll()
    assert outcome.kind == "rejected" and "Không nhận loại tệp" in outcome.entry.error
    assert agent.poll() == []


def test_the_same_scan_under_two_names_is_sent_once(tmp_path, archive):
    (tmp_path / "a.pdf").write_bytes(b"%PDF same")
    (tmp_path / "a-copy.pdf").write_bytes(b"%PDF same")
    agent = agent_for(tmp_path, archive)
    agent.poll()
    assert len(archive.received) == 1 and len(agent.journal.entries()) == 1


def test_a_restarted_agent_carries_on_from_its_journal(tmp_path, archive):
    (tmp_path / "a.pdf").write_bytes(b"%PDF a")
    first = agent_for(tmp_path, archive)
    first.poll()
    first.journal.close()
    (tmp_path / "b.pdf").write_bytes(b"%PDF b")
    second = agent_for(tmp_path, archive)
    second.poll()
    assert archive.received == ["a.pdf", "b.pdf"]
    assert [e.number for e in second.journal.entries()] == ["01", "02"]


def test_a_journal_opened_while_another_creates_it_waits_for_it(tmp_path):
    # `luutru agent status` may open the journal the starting agent is creating: SQLite
    # refuses the switch of a new file to WAL at once, without its busy handler.
    holder = sqlite3.connect(tmp_path / JOURNAL_NAME, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE early (x)")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    journal = Journal(tmp_path)
    release.join()
    holder.close()
    assert journal.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    journal.close()
