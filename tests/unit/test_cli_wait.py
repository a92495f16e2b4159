"""`luutru ingest --wait` polls fast at first (a one-page scan is searchable in about a second)
and slows to twice a second."""

from __future__ import annotations

import pytest

from services.cli import records


def test_polling_starts_at_50_ms_and_grows_to_half_a_second(monkeypatch: pytest.MonkeyPatch):
    answers = iter([{"status": "processing"}] * 8 + [{"status": "indexed"}])
    pauses: list[float] = []
    monkeypatch.setattr(records, "call", lambda *args: next(answers))
    monkeypatch.setattr(records.time, "sleep", pauses.append)
    assert records.wait_final(None, "id", deadline=float("inf"))["status"] == "indexed"
    assert pauses[0] == 0.05 and pauses[1] == pytest.approx(0.075)
    assert max(pauses) == 0.5 and len(pauses) == 8
