"""`records.book`: the register book a record's registry number (số đến / số thứ tự đi) was
taken from. NULL is the ordinary book; "mat" the book of secret documents, which counts from
01 each year on its own (`register_counters` row "den-mat"/"di-mat"), so neither book shows
a gap where the other registered a document (docs/registers.md, "Register books"). Records
registered before this revision stay in the ordinary book, where they were numbered.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("records")}
    if "book" not in columns:
        op.add_column("records", sa.Column("book", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("book")
