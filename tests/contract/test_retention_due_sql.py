"""The transfers due, found by the database (services/retention/store_due.py), against the
Python rules they replace on the /retention page (`batches.find_due` over
`files.filed_candidates`, then the declassification gate), on SQLite and PostgreSQL.

A mixed catalog: due and not due, transfer and destroy classes, dated by `disposition_date`
or counted from the document's date (a bad or missing one falls back to the day received),
filed records following their file (open, closed, permanent, fixed-term), held ones and a
file-mate of a held one, a released hold, records without a class, with an empty one, and
records disposed or transferred. Each day is checked against the ids named by hand too, so
the comparison cannot pass on two empty answers.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.common import catalog_rows
from services.common.objects import FilesystemObjectStore
from services.retention import jobs
from services.retention.files import single_entry
from services.retention.store import RetentionStore
from tests.contract.retention_fixtures import DESTROY_10, PERMANENT, add_record

YEARS = 5
TODAY = date(2026, 12, 4)  # the gate's day: a Mật record issued in 2020 is still protected
TRANSFER_ON = {**PERMANENT, "period": 10, "disposition_date": "2030-01-01"}


@pytest.fixture
def store(catalog):
    return RetentionStore(catalog.engine)


def _record(catalog, objects, retention=PERMANENT, issued="2015-03-12", **meta) -> str:
    record_id = add_record(catalog, objects, retention=retention, issued=issued)
    if meta:
        catalog.update_metadata(record_id, "classification", meta)
    return record_id


def _file(store, code: str, retention: str, ids: list[str], closed_on: str | None) -> None:
    year, entry = single_entry(2020, {"code": code, "title": f"Hồ sơ {code}",
                                      "retention": retention})  # fmt: skip
    store.create_file(entry, year, "test")
    store.add_to_file(f"2020/{code}", ids, "test")
    if closed_on:
        store.close_file(f"2020/{code}", closed_on, "test")


def _leave(catalog, record_id: str, status: str) -> None:
    with catalog.engine.begin() as conn:
        meta = catalog_rows.columns_of(conn, record_id)["meta"]
        assert catalog_rows.leave_care(conn, record_id, status, meta)


@pytest.fixture
def mixed(catalog, store, tmp_path) -> dict[str, str]:
    """name -> record id; the names say what each record is."""
    objects = FilesystemObjectStore(tmp_path / "objects")
    r = {
        "permanent_2015": _record(catalog, objects),
        "permanent_2027": _record(catalog, objects, issued="2027-01-05"),
        "bad_date": _record(catalog, objects, issued="2015/03/12"),  # counted from received
        "no_date": _record(catalog, objects, issued=""),
        "dated_2030": _record(catalog, objects, retention=TRANSFER_ON),
        "dated_2033": _record(
            catalog, objects, retention={**TRANSFER_ON, "disposition_date": "2033-01-01"}
        ),
        "destroy_due": _record(
            catalog, objects, retention={**DESTROY_10, "disposition_date": "2020-01-01"}
        ),
        "permanent_review": _record(catalog, objects, retention={**PERMANENT, "action": "review"}),
        "fixed_no_date": _record(
            catalog, objects, retention={**TRANSFER_ON, "disposition_date": None}
        ),
        "no_class": _record(catalog, objects, retention=None),
        "secret": _record(catalog, objects, issued="2020-05-01", secrecy="mat"),
        "secret_no_date": _record(catalog, objects, issued="", secrecy="toi_mat"),
        "secret_free": _record(catalog, objects, issued="2010-05-01", secrecy="mat"),
        "unknown": _record(catalog, objects, secrecy_known=False),
        "held": _record(catalog, objects, secrecy="mat", issued="2020-01-01"),
        "released": _record(catalog, objects, secrecy="mat", issued="2020-01-02"),
        "disposed": _record(catalog, objects),
        "transferred": _record(catalog, objects, secrecy="mat", issued="2020-01-03"),
        # filed: the file decides, whatever the record's own class says
        "in_closed_permanent": _record(
            catalog, objects, retention=DESTROY_10, secrecy="mat", issued_date="2020-06-01"
        ),
        "in_closed_2026": _record(catalog, objects, retention=DESTROY_10),
        "in_open_permanent": _record(catalog, objects),
        "in_closed_fixed": _record(catalog, objects),
        "empty_class_filed": _record(catalog, objects),
        "mate_of_held": _record(catalog, objects),
        "held_in_file": _record(catalog, objects),
    }
    catalog.update_metadata(r["no_class"], "classification", {"retention": None})
    catalog.update_metadata(r["empty_class_filed"], "classification", {"retention": {}})
    _file(store, "01", "Vĩnh viễn", [r["in_closed_permanent"], r["empty_class_filed"]],
          "2020-06-30")  # fmt: skip
    _file(store, "02", "Vĩnh viễn", [r["in_closed_2026"]], "2026-03-01")
    _file(store, "03", "Vĩnh viễn", [r["in_open_permanent"]], None)
    _file(store, "04", "10", [r["in_closed_fixed"]], "2010-06-30")
    _file(store, "05", "Vĩnh viễn", [r["mate_of_held"], r["held_in_file"]], "2020-06-30")
    store.add_hold("Thanh tra", "test", [r["held"], r["held_in_file"]])
    released = store.add_hold("Đã xong", "test", [r["released"]])
    store.release_hold(released["hold"], "test")
    _leave(catalog, r["disposed"], "disposed")
    _leave(catalog, r["transferred"], "transferred")
    return r


ALWAYS = ["permanent_2015", "dated_2030", "secret", "secret_free", "unknown", "released",
          "in_closed_permanent"]  # fmt: skip
FROM_2026 = ["bad_date", "no_date", "secret_no_date", "in_closed_2026"]
DUE = {
    # everything received in 2026 (the test's run) counts from 2026 when its date is bad
    date(2031, 6, 1): ALWAYS,
    date(2032, 1, 1): [*ALWAYS, *FROM_2026],
    date(2033, 1, 1): [*ALWAYS, *FROM_2026, "permanent_2027", "dated_2033"],
    date(2029, 12, 31): [name for name in ALWAYS if name != "dated_2030"],
}


def _python_due(store: RetentionStore, as_of: date) -> set[str]:
    """The rule the page used: every record in care through `find_due`."""
    return {d.record_id for d in jobs._due(store, as_of, YEARS) if d.action == "transfer"}


def _python_withheld(store: RetentionStore, as_of: date) -> list[dict]:
    """The page's answer before: the due transfers' whole records through the gate."""
    due = [d for d in jobs._due(store, as_of, YEARS) if d.action == "transfer"]
    _, kept = jobs.split_transfer(store, due, TODAY, jobs.DEFAULT_DESTINATIONS)
    return sorted((w.as_dict() for w in kept), key=lambda w: w["id"])


@pytest.mark.parametrize("as_of", list(DUE), ids=str)
def test_the_database_finds_the_transfers_the_python_rules_find(mixed, store, as_of):
    found = [record_id for record_id, _ in store.due_transfers(as_of, YEARS)]
    assert len(found) == len(set(found))  # a join repeating a record would show here
    assert set(found) == _python_due(store, as_of) == {mixed[name] for name in DUE[as_of]}


@pytest.mark.parametrize("as_of", list(DUE), ids=str)
def test_the_withheld_list_is_the_one_the_python_rules_gave(mixed, store, as_of):
    new = jobs.withheld(store, as_of, transfer_after_years=YEARS, today=TODAY)
    assert sorted(new, key=lambda w: w["id"]) == _python_withheld(store, as_of)
    secret = {"secret", "secret_no_date", "unknown", "released", "in_closed_permanent"}
    assert {w["id"] for w in new} == {mixed[name] for name in secret & set(DUE[as_of])}
    assert {w["id"]: w["level"] for w in new}[mixed["unknown"]] == 3  # unknown: Tuyệt mật
