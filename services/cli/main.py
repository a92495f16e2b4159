"""`luutru`: the operators' command line; talks to the running services over RabbitMQ.

Each topic lives in its own module; this file only assembles them.
"""

import typer

from services.cli import records

app = typer.Typer(
    help="Lưu trữ điện tử — luutru operators' tool",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for command in (records.ingest, records.status, records.text, records.search):
    app.command()(command)
