"""A register book's cover names the organ keeping it: LUUTRU_ORGAN_NAME (the organ the ĐẾN
stamp prints) unless the request or the command names another — the API's `?organ=`, the
CLI's `--organ`. Before, a cover asked without one printed an empty line."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from services.cli import registers as cli_registers
from services.cli.main import app
from services.common.config import process_settings
from services.gateway.routes_books import book_cover
from services.registers import reports

pytestmark = pytest.mark.unit

ORGAN = "Văn phòng Tỉnh ủy Bình Định"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ({}, ORGAN),
        ({"organ": "  "}, ORGAN),
        ({"organ": "Ban Tổ chức Tỉnh ủy"}, "Ban Tổ chức Tỉnh ủy"),
    ],
)
def test_the_api_cover_takes_the_setting_unless_the_request_names_an_organ(args, shown):
    cover = book_cover({"parent": "Tỉnh ủy Bình Định", "volume": "2", **args}, ORGAN)
    assert (cover.organ, cover.parent, cover.volume) == (shown, "Tỉnh ủy Bình Định", 2)


@pytest.fixture
def covers(monkeypatch: pytest.MonkeyPatch) -> list[reports.BookCover]:
    """The covers `luutru register export` renders (the services answer an empty book)."""
    drawn: list[reports.BookCover] = []
    monkeypatch.setenv("LUUTRU_ORGAN_NAME", ORGAN)
    process_settings.cache_clear()
    monkeypatch.setattr(cli_registers, "client", lambda: contextlib.nullcontext())
    monkeypatch.setattr(
        cli_registers, "call", lambda *_: {"from": "2026-01-01", "to": "2026-12-31", "rows": []}
    )
    monkeypatch.setattr(reports, "answered_table", lambda book: SimpleNamespace(secret=False))
    monkeypatch.setattr(reports, "render_table", lambda _t, _f, cover: drawn.append(cover) or b"")
    yield drawn
    process_settings.cache_clear()


@pytest.mark.parametrize(
    ("option", "shown"), [([], ORGAN), (["--organ", "Ban Dân vận"], "Ban Dân vận")]
)
def test_the_cli_cover_takes_the_setting_unless_organ_is_given(
    covers, tmp_path: Path, option, shown
):
    args = ["register", "export", "den", "--from", "2026-01-01", "--to", "2026-12-31"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "so.csv"), "--json", *option])
    assert result.exit_code == 0, result.output
    assert [cover.organ for cover in covers] == [shown]
