"""`luutru` fails with a non-zero exit and one line on stderr, whatever went wrong: a usage
error too (click answered it with its usage and a box of several lines)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from services.common.config import REPO_ROOT

# what the console script `.venv/bin/luutru` runs (pyproject.toml, [project.scripts])
SCRIPT = "import sys; from services.cli.main import app; sys.argv[0] = 'luutru'; sys.exit(app())"


def luutru(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["search"], "Missing argument 'query'"),  # a required argument
        (["khong-co"], "No such command 'khong-co'"),
        (["users", "add", "lan", "--role", "clerk", "--clearance", "hai"], "--clearance"),
        (["ingest", "a.pdf", "--wait", "lâu"], "--wait"),
        (["status", "x", "--khong"], "--khong"),
    ],
)
def test_a_usage_error_is_one_line_on_stderr(args, named):
    answer = luutru(*args, "--json")
    assert answer.returncode == 2
    assert answer.stdout == ""
    [line] = answer.stderr.splitlines()
    assert line.startswith("Lệnh không hợp lệ / Usage error: ") and named in line
    assert line.endswith(" --help)") and "(luutru" in line


def test_help_is_still_help():
    assert luutru("--help").returncode == 0
    alone = luutru("files")  # a group without its command: its help on stdout, as before
    assert alone.returncode == 2 and "Usage: luutru files" in alone.stdout
    assert alone.stderr == ""


def test_every_command_takes_json():
    import typer.main

    from services.cli.main import app

    def leaves(command, path):
        subcommands = getattr(command, "commands", None)
        if subcommands is None:
            yield path, command
            return
        for name, sub in subcommands.items():
            yield from leaves(sub, [*path, name])

    commands = list(leaves(typer.main.get_command(app), []))
    assert len(commands) > 60
    without = [
        " ".join(path)
        for path, command in commands
        if "--json" not in {opt for param in command.params for opt in param.opts}
    ]
    assert without == []


def test_without_the_services_it_says_so_in_vietnamese_first(monkeypatch, tmp_path):
    monkeypatch.setenv("LUUTRU_AMQP_URI", "amqp://guest:guest@127.0.0.1:1/")  # nobody listens
    monkeypatch.setenv("LUUTRU_DATA", str(tmp_path))
    answer = luutru("status", "0a1b")
    assert answer.returncode == 1
    [line] = answer.stderr.splitlines()
    assert line.startswith("luutru chưa chạy (hãy chạy make run) / luutru is not running")
