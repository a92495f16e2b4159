"""A record's status moves (services/common/records.py), on plain objects, no database.

Invariants: a status only moves forward, so a redelivered message cannot undo later progress;
the one way back is a restart of a failed or stuck record; retention takes a record out of
care once, keeping only its residual metadata; the wire format is the one `luutru status` shows.
"""

from __future__ import annotations

import pytest

from services.common.errors import PermanentError
from services.common.records import (
    FINAL,
    REDRIVABLE,
    HistoryEntry,
    Record,
    Status,
    document_key,
)


def record(status: Status = Status.RECEIVED, **values) -> Record:
    return Record(
        id="r1",
        register="den",
        file_name="a.pdf",
        status=status,
        received_at="2026-12-01T08:00:00.000+07:00",
        updated_at="2026-12-01T08:00:00.000+07:00",
        **values,
    )


def test_the_pipeline_moves_a_record_forward_to_indexed():
    r = record()
    assert r.advance("processing") and r.advance(Status.INDEXED)
    assert r.status is Status.INDEXED


@pytest.mark.parametrize("final", sorted(FINAL))
@pytest.mark.parametrize("late", [Status.PROCESSING, Status.FAILED])
def test_a_late_message_never_moves_a_final_record(final, late):
    r = record(final)
    assert not r.advance(late)
    assert r.status == final


def test_an_indexed_record_is_indexed_again_after_a_correction():
    assert record(Status.INDEXED).advance(Status.INDEXED)


def test_the_secrecy_ceiling_rejects_a_record_in_flight():
    r = record(Status.PROCESSING)
    assert r.advance(Status.REJECTED) and r.status is Status.REJECTED


@pytest.mark.parametrize("to", ["received", "disposed", "transferred", "archived"])
def test_no_stage_may_set_intake_or_retention_statuses(to):
    with pytest.raises(ValueError):
        record().advance(to)


@pytest.mark.parametrize("status", sorted(REDRIVABLE))
def test_a_failed_or_stuck_record_restarts_received_without_its_error(status):
    r = record(status, error="Tệp hỏng / Broken file")
    r.restart()
    assert (r.status, r.error) == (Status.RECEIVED, None)


@pytest.mark.parametrize("status", sorted(set(Status) - REDRIVABLE))
def test_an_indexed_rejected_or_gone_record_cannot_restart(status):
    r = record(status)
    with pytest.raises(PermanentError, match="không xử lý lại được"):
        r.restart()
    assert r.status == status


def test_disposal_keeps_only_the_residual_metadata_and_drops_the_page_list():
    r = record(Status.INDEXED, page_info=[{"n": 1}], meta={"subject": "x", "kind": "to_trinh"})
    assert r.dispose({"kind": "to_trinh"})
    assert (r.status, r.meta, r.page_info) == (Status.DISPOSED, {"kind": "to_trinh"}, None)


def test_a_transferred_record_keeps_its_page_list():
    r = record(Status.INDEXED, page_info=[{"n": 1}])
    assert r.leave_care("transferred", {"kind": "to_trinh"})
    assert (r.status, r.page_info) == (Status.TRANSFERRED, [{"n": 1}])


@pytest.mark.parametrize("gone", [Status.DISPOSED, Status.TRANSFERRED, Status.REJECTED])
def test_a_record_out_of_care_is_not_disposed_twice(gone):
    r = record(gone, meta={"kind": "to_trinh"})
    assert not r.dispose({})
    assert (r.status, r.meta) == (gone, {"kind": "to_trinh"})


def test_retention_cannot_use_leave_care_for_a_pipeline_status():
    with pytest.raises(ValueError):
        record().leave_care(Status.INDEXED, {})


def test_the_wire_format_is_the_status_command_s():
    r = record(
        Status.INDEXED, number=7, year=2026, meta={"kind": "to_trinh", "retention": {"y": 10}}
    )
    r.history = [HistoryEntry("2026-12-01T08:00", "ingest", "received", {"file": "a.pdf"}, 1)]
    wire = r.to_dict()
    assert (wire["status"], wire["number"], wire["file"]) == ("indexed", "07", "a.pdf")
    assert wire["metadata"]["kind"] == "to_trinh" and wire["metadata"]["subject"] is None
    assert wire["metadata"]["retention"] == {"y": 10}
    assert wire["history"] == [
        {"at": "2026-12-01T08:00", "stage": "ingest", "action": "received",
         "detail": {"file": "a.pdf"}}
    ]  # fmt: skip
    assert type(wire["status"]) is str


def test_a_row_round_trips_and_ignores_the_adapter_s_own_columns():
    row = record(Status.FAILED, error="x").columns() | {"dedup_key": "ab", "doc_key": None}
    back = Record.from_row(row)
    assert back == record(Status.FAILED, error="x")
    assert back.status is Status.FAILED


def test_the_same_document_key_ignores_spacing_marks_and_the_eth():
    one = {"number_symbol": "15/QĐ-UBND", "organ": "UBND tỉnh", "issued_date": "2026-01-02"}
    two = {"number_symbol": "15 / QÐ-UBND", "organ": "ubnd tinh", "issued_date": "2026-05-02"}
    assert document_key(one) == document_key(two) is not None
    assert document_key({"number_symbol": "15/QĐ-UBND"}) is None
