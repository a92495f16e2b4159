"""`files.delivery_reminded_at`: when the reminder that a closed file is due for nộp lưu vào
lưu trữ cơ quan (NĐ 30/2020 Điều 30; the 30-day reminder of its Phụ lục VI Phần I) was mailed,
claimed before sending, so a restart or a second gateway sends it once
(services/gateway/delivery_reminders.py).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Skip what exists: the tests run the migrations again with alembic_version put back.
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("files")}
    if "delivery_reminded_at" not in columns:
        op.add_column("files", sa.Column("delivery_reminded_at", sa.String(32)))


def downgrade() -> None:
    op.drop_column("files", "delivery_reminded_at")
