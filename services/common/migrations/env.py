"""Alembic environment for the catalog. `SqlCatalog` runs `upgrade head` on start, passing the
open connection in `config.attributes["connection"]`; the CLI form (`alembic -x dsn=…`) is for
operators who want to see or run a migration by hand."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from services.common.catalog import schema


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=schema, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # by hand: alembic -c services/common/migrations/alembic.ini -x dsn=sqlite:///var/catalog.db
    engine = sa.create_engine(context.get_x_argument(as_dictionary=True)["dsn"])
    with engine.begin() as conn:
        _run(conn)
