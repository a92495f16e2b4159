"""`luutru`: the operators' command line; talks to the running services over RabbitMQ.

Each topic lives in its own module; this file only assembles them.
"""

import sys
from typing import Any

import typer

from services.cli import (
    agent,
    audit,
    check,
    files,
    index,
    numbers,
    objects,
    ops,
    records,
    registers,
    retention,
    review,
    searches,
    secrecy,
    tasks,
    users,
)


class Luutru(typer.Typer):
    """The command tree, run so that every failure ends in one line on stderr and a non-zero
    exit (README: "Every command takes `--json`"), a usage error too: click would answer it
    with its usage and a box, several lines a script reading stderr has to pick apart."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            # not standalone: click hands back its errors and the exit code instead of exiting
            code = super().__call__(*args, **{**kwargs, "standalone_mode": False})
        except typer.Abort:
            print("Đã dừng / Aborted", file=sys.stderr)
            return 1
        except typer.TyperException as exc:  # click's errors (typer's copy of click)
            context = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError":  # `luutru`, `luutru files`: typer
                return exc.exit_code  # has printed the help, as it always did
            command = context.command_path if context else "luutru"
            print(
                f"Lệnh không hợp lệ / Usage error: {exc.format_message()} ({command} --help)",
                file=sys.stderr,
            )
            return exc.exit_code
        except OSError as exc:  # a file given that cannot be read or written
            where = f": {exc.filename}" if exc.filename else ""
            print(f"Lỗi tệp / File error: {exc.strerror or exc}{where}", file=sys.stderr)
            return 1
        # the exit code of typer.Exit, or a command's return value (None: success)
        return code if isinstance(code, int) else 0


app = Luutru(
    help="Lưu trữ điện tử — luutru operators' tool",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for command in (records.ingest, records.status, records.text, records.search):
    app.command()(command)
app.add_typer(records.records_app, name="records")
app.add_typer(index.app, name="index")
app.add_typer(ops.app, name="dlq")
app.command()(ops.reprocess)
app.command()(check.check)
app.add_typer(review.app, name="review")
app.command()(registers.correct)
app.add_typer(registers.petitions_app, name="petitions")
app.add_typer(registers.register_app, name="register")
app.add_typer(numbers.app, name="numbers")
app.add_typer(agent.app, name="agent")
app.add_typer(files.app, name="files")
app.add_typer(retention.retention_app, name="retention")
app.add_typer(retention.hold_app, name="hold")
app.add_typer(retention.transfer_app, name="transfer")
app.add_typer(retention.fixity_app, name="fixity")
app.add_typer(users.users_app, name="users")
app.add_typer(users.token_app, name="token")
app.add_typer(audit.app, name="audit")
app.add_typer(objects.app, name="objects")
app.add_typer(secrecy.app, name="secrecy")
app.command()(tasks.assign)
app.add_typer(tasks.tasks_app, name="tasks")
app.command()(tasks.stats)
app.add_typer(searches.app, name="searches")
