"""Fixity and schedule recomputation on the real catalog (SQLite) and filesystem store.

Invariants: one flipped byte in a stored original is caught, flagged on the record, raised
as an event and reported; a schedule change recomputes dates, audited, and only once.
"""

from __future__ import annotations

from services.common.catalog import SqlCatalog
from services.common.objects import FilesystemObjectStore
from services.retention import fixity, jobs
from services.retention.schedule import parse_schedule
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import Recorder, add_record


def setup(tmp_path):
    catalog = SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    objects = FilesystemObjectStore(tmp_path / "objects")
    return catalog, objects, RetentionStore(catalog.engine)


def test_one_corrupted_byte_is_caught_flagged_and_reported(tmp_path):
    catalog, objects, store = setup(tmp_path)
    ids = sorted(add_record(catalog, objects) for _ in range(3))
    bad = ids[1]
    path = tmp_path / "objects" / catalog.row(bad)["object_key"]
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))

    recorder = Recorder()
    f = fixity.Fixity(store, objects, store.flag_fixity, recorder.dispatch)
    first = fixity.check_slice(f, "", 2, fixity.RateLimit(10**9))
    second = fixity.check_slice(f, first["cursor"], 2, fixity.RateLimit(10**9))
    assert (first["checked"], second["checked"], second["cursor"]) == (2, 1, "")
    assert first["failed"] + second["failed"] == 1
    assert [(e, p["record_id"]) for e, p in recorder.sent] == [("record.fixity_failed", bad)]
    assert catalog.get(bad)["metadata"]["fixity"]["status"] == "failed"
    report = store.fixity_report()
    assert [r["id"] for r in report["failed"]] == [bad] and report["records_checked"] == 3


def test_the_rate_limit_sleeps_when_reading_ahead_of_it():
    now, slept = [0.0], []
    rate = fixity.RateLimit(1000, clock=lambda: now[0], sleep=slept.append)
    rate.spend(500)
    rate.spend(1500)  # 2000 bytes at 1000 B/s after 0 s: 2 s ahead
    assert slept == [0.5, 2.0]


def test_a_schedule_change_recomputes_dates_audited_and_once(tmp_path):
    catalog, objects, store = setup(tmp_path)
    record_id = add_record(catalog, objects)
    row = {"class": "CV-01", "title": "Công văn", "match": {"kind": ["cong_van"]}}
    default = {"class": "MD-00", "title": "Khác", "period": 10, "action": "destroy"}
    schedule = parse_schedule(
        {"version": 1, "rows": [{**row, "period": 5, "action": "destroy"}], "default": default}
    )
    result = jobs.recompute(store, schedule)
    assert [c["id"] for c in result["changed"]] == [record_id]
    record = catalog.get(record_id)
    assert record["metadata"]["retention"]["disposition_date"] == "2030-01-01"
    entry = record["history"][-1]
    assert entry["action"] == "retention_recomputed"
    assert entry["detail"]["old"]["disposition_date"] == "2035-01-01"
    assert jobs.recompute(store, schedule)["changed"] == []
