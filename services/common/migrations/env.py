"""Alembic environment for the catalog database. `SqlCatalog` runs `upgrade head` on start,
passing the open connection in `config.attributes["connection"]`; the CLI form
(`alembic -x dsn=…`) is for operators who want to see or run a migration by hand.

Every table in the database is migrated here, whoever queries it: the catalog's, retention's,
the accounts' and the audit trail's. Their Table objects are the target for autogenerate."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from services.common import audit
from services.common.catalog import schema
from services.gateway import accounts
from services.handling import tables as handling_tables
from services.retention import tables as retention_tables

TARGET = [schema, retention_tables.schema, accounts.schema, audit.schema, handling_tables.schema]


def _run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=TARGET, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # by hand: alembic -c services/common/migrations/alembic.ini -x dsn=sqlite:///var/catalog.db
    dsn = context.get_x_argument(as_dictionary=True)["dsn"]
    engine = sa.create_engine(dsn, hide_parameters=True)  # as SqlCatalog: no values in errors
    with engine.begin() as conn:
        _run(conn)
