"""The handling statistics' counters against a count from the rows, SQLite and PostgreSQL.

Invariant: after any sequence of changes the statistics count (records classified, corrected
and classified again; tasks assigned, forwarded, finished on time or late), the statistics
from the counters (`stats.counted`) equal the ones counted from every row (`stats.from_rows`,
the slow path), for every clearance and for periods that cut through months or take whole
ones; `recount` rebuilds the same counters.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from services.common.catalog import MIGRATIONS_DIR, migrate
from services.common.secrecy import KNOWN
from services.common.vocabulary import PETITION_KINDS
from services.gateway.accounts import SqlAccountStore
from services.handling import counters, handlers, store
from services.handling.due import DueRules
from services.handling.handlers import Handling
from services.handling.stats import Period, counted, from_rows, split
from services.handling.store import HandlingStore
from services.handling.tables import documents, task_counts, tasks
from tests.postgres import temporary_catalog, temporary_database

FIRST_DAY = date(2025, 11, 1)
DAYS = 450  # records and tasks over fifteen months, across a year's end
PEOPLE = ("lan", "minh", "hoa")
KINDS = ("cong_van", "giay_moi", *sorted(PETITION_KINDS)[:2], None)
ORGANS = ("UBND Quận 1", "Sở Tư pháp", None)
SECRECY = (None, None, "mat", "toi_mat", "tuyet_mat")


def _day(rng: random.Random) -> date:
    return FIRST_DAY + timedelta(days=rng.randrange(DAYS))


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog(request, tmp_path):
    with temporary_catalog(request.param, tmp_path, "luutru_counters") as cat:
        accounts = SqlAccountStore(cat.engine)
        for name in PEOPLE:
            accounts.add_user(name, "reader", 3)
        yield cat


@pytest.fixture
def dated(monkeypatch):
    """Records received and tasks assigned on the days the test picks (the catalog and the
    store stamp them now)."""
    received: dict[str, str] = {}
    assigned: list[str] = []
    copy = store.document_row

    def document_row(record):
        return {**copy(record), "received_at": received.get(record.id, record.received_at)}

    def now_iso() -> str:
        return assigned.pop() if assigned else f"{FIRST_DAY.isoformat()}T08:00:00.000+07:00"

    monkeypatch.setattr(store, "document_row", document_row)
    monkeypatch.setattr(store, "now_iso", now_iso)
    return received, assigned


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T09:30:00.000+07:00"


class Office:
    """Random changes through the handling use cases, as the service makes them."""

    def __init__(self, catalog, dated, seed: int):
        self.catalog, (self.received, self.assigned) = catalog, dated
        self.h = Handling(HandlingStore(catalog.engine), DueRules(), lambda d, n: d)
        self.rng = random.Random(seed)
        self.records: list[str] = []
        self.open: list[str] = []

    def _meta(self) -> dict:
        rng = self.rng
        return {"kind": rng.choice(KINDS), "organ": rng.choice(ORGANS),
                "secrecy": rng.choice(SECRECY)}  # fmt: skip

    def receive(self) -> None:
        sha = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
        record, _ = self.catalog.register_new(
            register=self.rng.choice(("den", "den", "don")), file_name="a.pdf", sha256=sha,
            size=1, media_type="application/pdf", object_key=f"originals/{sha}", source="test",
        )  # fmt: skip
        self.received[record["id"]] = _stamp(_day(self.rng))
        self.records.append(record["id"])
        self._classify(record["id"], {KNOWN: True, **self._meta()})

    def _classify(self, record_id: str, meta: dict) -> None:
        self.catalog.update_metadata(record_id, "classification", meta)
        self.h.store.project(record_id)

    def correct(self) -> None:
        if self.records:
            self._classify(self.rng.choice(self.records), self._meta())

    def redeliver(self) -> None:
        if self.records:
            self.h.store.project(self.rng.choice(self.records))

    def assign(self) -> None:
        if not self.records:
            return
        record_id = self.rng.choice(self.records)
        if self.catalog.get(record_id)["register"] not in handlers.HANDLED_REGISTERS:
            return
        day = _day(self.rng)
        self.assigned.append(_stamp(day))
        due = (day + timedelta(days=self.rng.randrange(-3, 20))).isoformat()
        task, _ = handlers.assign(self.h, record_id, self.rng.choice(PEOPLE), "lan", day, due=due)
        self.open.append(task["id"])

    def forward(self) -> None:
        if self.open:
            task = self.h.store.get(self.rng.choice(self.open))
            to = self.rng.choice([p for p in PEOPLE if p != task.assignee])
            handlers.forward(self.h, task.id, to, task.assignee, None)

    def finish(self) -> None:
        if self.open:
            task_id = self.open.pop(self.rng.randrange(len(self.open)))
            task = self.h.store.get(task_id)
            on = task.due + timedelta(days=self.rng.randrange(-4, 4))
            handlers.finish(self.h, task_id, task.assignee, "xong", on)

    def step(self) -> None:
        moves = [self.receive] * 4 + [self.assign] * 4 + [self.finish] * 2
        self.rng.choice([*moves, self.forward, self.correct, self.redeliver])()


PERIODS = [
    Period(),
    Period(date(2026, 2, 1), date(2026, 3, 31)),  # whole months
    Period(date(2026, 1, 15), date(2026, 4, 10)),  # cuts two months
    Period(date(2026, 2, 3), date(2026, 2, 20)),  # within one month
    Period(None, date(2026, 3, 14)),
    Period(date(2026, 3, 2), None),
    Period(date(2026, 4, 1), date(2026, 3, 1)),  # empty
    Period(date(2026, 1, 1), date(2026, 12, 31)),  # a whole year
    Period(date(2025, 11, 20), date(2027, 2, 10)),  # a year, months and edges
    Period(date(2025, 12, 1), None),
    Period(date(2025, 12, 31), date(2027, 1, 1)),  # a whole year and a day on either side
    Period(date(2025, 12, 17), date(2026, 1, 9)),  # days across a year's end, no whole month
    Period(date(2025, 11, 5), date(2026, 12, 20)),  # no whole year: days, months, days
    Period(date(2026, 1, 31), date(2026, 3, 1)),  # one day, a month, one day
]


def _counters(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        return counters.counters(conn)


def _assert_counters_agree_with_the_rows(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        for period in PERIODS:
            for as_of in (date(2026, 2, 10), date(2026, 6, 1)):
                for clearance in range(4):
                    expected = from_rows(conn, clearance, period, as_of)
                    assert counted(conn, clearance, period, as_of) == expected, (period, as_of)


def test_the_counters_agree_with_a_count_from_the_rows_after_random_changes(catalog, dated):
    office = Office(catalog, dated, seed=2026)
    for step in range(120):
        office.step()
        if step % 40 == 39:
            _assert_counters_agree_with_the_rows(catalog.engine)
    kept = _counters(catalog.engine)
    assert kept  # something was counted
    assert office.h.store.recount()["corrected"] == 0
    assert _counters(catalog.engine) == kept
    with catalog.engine.begin() as conn:  # a write around the store
        rows = conn.execute(sa.select(sa.func.count()).select_from(task_counts)).scalar_one()
        conn.execute(task_counts.update().values(received=task_counts.c.received + 1))
    assert office.h.store.recount()["corrected"] == rows
    assert _counters(catalog.engine) == kept
    with catalog.engine.connect() as conn:
        stats = counted(conn, 3, Period(), date(2026, 6, 1))
    assert stats["tasks"]["received"] > 0 and stats["records"]["received"] == len(office.records)


def test_a_caller_below_clearance_sees_counted_figures_without_the_hidden_records(catalog, dated):
    office = Office(catalog, dated, seed=7)
    office.receive()
    plain = office.records[-1]
    office._classify(plain, {"kind": "cong_van", "organ": "Sở Tư pháp", "secrecy": None})
    office.receive()
    secret = office.records[-1]
    office._classify(secret, {"kind": "giay_moi", "organ": "Bộ Công an", "secrecy": "mat"})
    for record_id in (plain, secret):
        office.assigned.append(_stamp(date(2026, 2, 10)))
        handlers.assign(office.h, record_id, "hoa", "lan", date(2026, 2, 10), due="2026-02-11")
    figures = office.h.store.statistics(0, Period(), date(2026, 3, 1))
    assert figures["records"]["by_organ"] == {"Sở Tư pháp": 1}
    assert "giay_moi" not in figures["records"]["by_kind"]
    assert figures["tasks"]["by_assignee"]["hoa"]["overdue"] == 1
    assert set(figures["tasks"]["by_kind"]) == {"cong_van"}
    cleared = office.h.store.statistics(1, Period(), date(2026, 3, 1))
    assert cleared["tasks"]["by_assignee"]["hoa"]["overdue"] == 2


def test_a_letters_writer_read_as_its_organ_counts_under_no_organ(catalog, dated):
    """A tố cáo (or any letter) has no issuing organ: the name at the top left of its header,
    which classification reads as one, is its writer, whom the statistics (open to every
    reader) must not name (Luật Tố cáo 2018 Điều 2.1, 9.1.b). The letter still counts, by
    register and kind; the handling copy keeps no such name."""
    office = Office(catalog, dated, seed=11)
    letters = {"den": "don_to_cao", "don": "don_khieu_nai"}
    for register, kind in letters.items():
        record, _ = catalog.register_new(
            register=register, file_name="don.pdf", sha256=uuid.uuid4().hex * 2, size=1,
            media_type="application/pdf", object_key=f"originals/{uuid.uuid4().hex}",
            source="test",
        )  # fmt: skip
        office._classify(record["id"], {KNOWN: True, "kind": kind, "organ": "NGUYỄN VĂN HÙNG"})
    office.receive()
    office._classify(office.records[-1], {KNOWN: True, "kind": "cong_van", "organ": "Sở Tư pháp"})
    for figures in (
        office.h.store.statistics(3, Period(), date(2026, 3, 1)),
        statistics_from_rows(catalog.engine),
    ):
        assert "NGUYỄN VĂN HÙNG" not in figures["records"]["by_organ"]
        assert figures["records"]["by_organ"]["Sở Tư pháp"] == 1
        assert {k: figures["records"]["by_kind"][k] for k in letters.values()} == {
            "don_to_cao": 1, "don_khieu_nai": 1,
        }  # fmt: skip
    with catalog.engine.connect() as conn:
        organs = conn.execute(sa.select(documents.c.organ)).scalars().all()
    assert "NGUYỄN VĂN HÙNG" not in organs


def test_0018_clears_a_letters_organ_copied_before_it_and_recounts(catalog, dated):
    office = Office(catalog, dated, seed=13)
    office.receive()
    letter = office.records[-1]
    office._classify(letter, {KNOWN: True, "kind": "don_to_cao", "organ": "NGUYỄN VĂN HÙNG"})
    with catalog.engine.begin() as conn:  # the copy and counters as the code before 0018 left them
        where = documents.c.record_id == letter
        conn.execute(documents.update().where(where).values(organ="NGUYỄN VĂN HÙNG"))
        counters.recount(conn)
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0017'"))
    assert "NGUYỄN VĂN HÙNG" in statistics_from_rows(catalog.engine)["records"]["by_organ"]
    migrate(catalog.engine)
    figures = office.h.store.statistics(3, Period(), date(2026, 3, 1))
    assert "NGUYỄN VĂN HÙNG" not in figures["records"]["by_organ"]
    assert figures == statistics_from_rows(catalog.engine)


def statistics_from_rows(engine: sa.Engine) -> dict:
    with engine.connect() as conn:
        return from_rows(conn, 3, Period(), date(2026, 3, 1))


def test_a_period_is_split_into_whole_years_whole_months_and_edge_days():
    assert split(Period()) == [("Y0000", "Y9999")]
    assert split(Period(date(2026, 1, 15), date(2026, 4, 10))) == [
        ("2026-01-15", "2026-01-31"), ("2026-02", "2026-02"), ("2026-03", "2026-03"),
        ("2026-04-01", "2026-04-10"),
    ]  # fmt: skip
    assert split(Period(date(2026, 2, 1), date(2026, 2, 28))) == [("2026-02", "2026-02")]
    assert split(Period(date(2026, 2, 3), date(2026, 3, 20))) == [
        ("2026-02-03", "2026-02-28"), ("2026-03-01", "2026-03-20"),
    ]  # fmt: skip
    assert split(Period(None, date(2026, 12, 31))) == [("Y0000", "Y2026")]
    assert split(Period(date(2025, 11, 20), date(2027, 2, 10))) == [
        ("Y2026", "Y2026"), ("2025-11-20", "2025-11-30"), ("2025-12", "2025-12"),
        ("2027-01", "2027-01"), ("2027-02-01", "2027-02-10"),
    ]  # fmt: skip
    assert split(Period(date(2025, 12, 31), date(2027, 1, 1))) == [
        ("Y2026", "Y2026"), ("2025-12-31", "2025-12-31"), ("2027-01-01", "2027-01-01"),
    ]  # fmt: skip
    assert split(Period(date(2026, 12, 30), None)) == [
        ("Y2027", "Y9999"), ("2026-12-30", "2026-12-31"),
    ]  # fmt: skip
    assert split(Period(date(2026, 4, 1), date(2026, 3, 1))) == []


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0016_counts_the_records_and_tasks_already_there(kind, tmp_path):
    with _database(kind, tmp_path) as url:
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0013")
        with engine.begin() as conn:
            conn.execute(documents.insert(), [_document(i) for i in range(40)])
            conn.execute(tasks.insert(), [_task(i) for i in range(30)])
        migrate(engine)
        with engine.connect() as conn:
            for clearance in (0, 3):
                for period in PERIODS[:3]:
                    as_of = date(2026, 3, 1)
                    expected = from_rows(conn, clearance, period, as_of)
                    assert counted(conn, clearance, period, as_of) == expected
            assert counted(conn, 3, Period(), as_of)["tasks"]["received"] == 30
        engine.dispose()


@contextmanager
def _database(kind: str, tmp_path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with temporary_database("luutru_counters_0016") as url:
        yield url


def _document(i: int) -> dict:
    kind = KINDS[i % len(KINDS)]
    return {
        "record_id": f"r{i}", "register": "don" if kind in PETITION_KINDS else "den",
        "kind": kind, "organ": ORGANS[i % 3], "level": i % 4, "assigned": i < 30,
        "received_at": _stamp(FIRST_DAY + timedelta(days=i * 3)), "classified_at": "x",
    }  # fmt: skip


def _task(i: int) -> dict:
    assigned = FIRST_DAY + timedelta(days=i * 3)
    due = assigned + timedelta(days=5)
    done = i % 3 != 0
    return {
        "id": f"t{i}", "record_id": f"r{i}", "assignee": PEOPLE[i % 3], "support": [],
        "due": due.isoformat(), "status": "done" if done else "open", "assigned_by": "lan",
        "assigned_at": _stamp(assigned), "kind": KINDS[i % len(KINDS)], "level": i % 4,
        "done_on": (due + timedelta(days=i % 5 - 2)).isoformat() if done else None,
    }  # fmt: skip
