"""`luutru`: the operators' command line; talks to the running services over RabbitMQ.

Each topic lives in its own module; this file only assembles them.
"""

import typer

from services.cli import (
    agent,
    audit,
    check,
    files,
    index,
    numbers,
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

app = typer.Typer(
    help="Lưu trữ điện tử — luutru operators' tool",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for command in (records.ingest, records.status, records.text, records.search):
    app.command()(command)
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
app.add_typer(secrecy.app, name="secrecy")
app.command()(tasks.assign)
app.add_typer(tasks.tasks_app, name="tasks")
app.command()(tasks.stats)
app.add_typer(searches.app, name="searches")
