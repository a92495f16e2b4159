"""LUUTRU_RETENTION_BODY chooses the retention schedule: a state body's (TT 10/2022/TT-BNV) or a
Party committee's (Hướng dẫn 35-HD/VPTW); an explicit file wins; an unknown choice is an error
naming the choices. Neither file invents a period: what no row matches is "keep, review"."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.common.config import REPO_ROOT, Settings
from services.retention.schedule import load_schedule, retention_for

pytestmark = pytest.mark.unit


def test_the_default_is_the_state_bodys_schedule(monkeypatch):
    monkeypatch.delenv("LUUTRU_RETENTION_BODY", raising=False)
    monkeypatch.delenv("LUUTRU_RETENTION_SCHEDULE", raising=False)
    assert Settings().retention_schedule_file == REPO_ROOT / "deploy" / "retention-schedule.yaml"


def test_party_selects_the_party_schedule(monkeypatch):
    monkeypatch.setenv("LUUTRU_RETENTION_BODY", "party")
    monkeypatch.delenv("LUUTRU_RETENTION_SCHEDULE", raising=False)
    path = Settings().retention_schedule_file
    assert path.name == "retention-schedule-party.yaml"
    assert "35-HD/VPTW" in path.read_text(encoding="utf-8")


def test_a_named_file_wins_over_the_body(monkeypatch, tmp_path: Path):
    own = tmp_path / "own.yaml"
    monkeypatch.setenv("LUUTRU_RETENTION_BODY", "party")
    monkeypatch.setenv("LUUTRU_RETENTION_SCHEDULE", str(own))
    assert Settings().retention_schedule_file == own


def test_an_unknown_body_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LUUTRU_RETENTION_BODY", "tinh-uy")
    with pytest.raises(ValidationError) as error:
        Settings()
    message = str(error.value)
    assert "retention_body" in message and "'state'" in message and "'party'" in message


@pytest.mark.parametrize("body", ["state", "party"])
def test_both_schedules_load_and_keep_the_unmatched_for_review(monkeypatch, body):
    monkeypatch.setenv("LUUTRU_RETENTION_BODY", body)
    monkeypatch.delenv("LUUTRU_RETENTION_SCHEDULE", raising=False)
    schedule = load_schedule(Settings().retention_schedule_file)
    meta = {"kind": "to_trinh", "subject": "Tờ trình mua sắm bàn ghế", "issued_date": "2024-03-01"}
    unmatched = retention_for(schedule, meta, "den")
    assert unmatched["class"] == "MD-00" and unmatched["action"] == "review"
    assert unmatched["disposition_date"] is None


def test_the_party_schedule_reads_a_committees_year_report_as_permanent(monkeypatch):
    monkeypatch.setenv("LUUTRU_RETENTION_BODY", "party")
    monkeypatch.delenv("LUUTRU_RETENTION_SCHEDULE", raising=False)
    schedule = load_schedule(Settings().retention_schedule_file)
    year = {"kind": "bao_cao", "subject": "Báo cáo tổng kết công tác năm 2024"}
    month = {"kind": "bao_cao", "subject": "Báo cáo công tác tháng 5 năm 2024"}
    assert schedule.classify(year, "di").period == "permanent"
    assert schedule.classify(month, "di").period == 10
