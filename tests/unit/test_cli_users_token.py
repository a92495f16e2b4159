"""`luutru users add NAME --token`: the account and its API token in one command (one process,
one broker connection), the token in the same JSON object."""

from __future__ import annotations

import contextlib
import json

import pytest
from typer.testing import CliRunner

from services.cli import users
from services.cli.main import app


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    made: list[tuple] = []

    def call(_rpc, service: str, method: str, *args):
        made.append((service, method, *args))
        if method == "token_create":
            return {"token": "lt_test_token"}
        return {"name": args[0], "role": args[1], "clearance": args[2]}

    monkeypatch.setattr(users, "client", lambda: contextlib.nullcontext())
    monkeypatch.setattr(users, "call", call)
    return made


def test_token_option_adds_the_user_and_creates_its_token(calls: list[tuple]):
    args = ["users", "add", "may-quet", "--role", "clerk", "--clearance", "1", "--token"]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "name": "may-quet", "role": "clerk", "clearance": 1, "token": "lt_test_token",
    }  # fmt: skip
    assert [c[1] for c in calls] == ["users_add", "token_create"]
    assert calls[1] == ("gateway", "token_create", "may-quet")


def test_without_it_no_token_is_created(calls: list[tuple]):
    result = CliRunner().invoke(app, ["users", "add", "doc-gia", "--role", "reader", "--json"])
    assert result.exit_code == 0, result.output
    assert "token" not in json.loads(result.output)
    assert [c[1] for c in calls] == ["users_add"]


def test_the_human_output_ends_with_the_token(calls: list[tuple]):
    result = CliRunner().invoke(app, ["users", "add", "tram-2", "--role", "clerk", "--token"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "lt_test_token"


def test_the_human_output_is_the_account_line_users_list_prints(calls: list[tuple]):
    result = CliRunner().invoke(app, ["users", "add", "van-thu", "--role", "clerk"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["van-thu", "clerk", "0", "active"]
