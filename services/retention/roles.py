"""Who is approving: the role from the accounts table once an account exists.

Until the first user account exists (the `users` table, made by the catalog's migrations, is
empty), the name given with `--as` is taken as it is and recorded with role None ("not
checked"); once any account exists, the name must be an active account with the archivist
role. (Before revision 0003 the gateway made the table on start, and its mere existence was
the sign; now every catalog has it, so the sign is its first row.)
"""

from __future__ import annotations

import sqlalchemy as sa

from services.retention.batches import Approver
from services.retention.errors import ApprovalRefused

# The gateway's table, read without importing the gateway: only what the check needs.
_users = sa.table(
    "users",
    sa.column("name", sa.String),
    sa.column("role", sa.String),
    sa.column("disabled", sa.Boolean),
    sa.column("clearance", sa.Integer),
)


def approver(engine: sa.Engine, name: str) -> Approver:
    name = (name or "").strip()
    with engine.connect() as conn:
        if conn.execute(sa.select(_users.c.name).limit(1)).first() is None:
            return Approver(name, None)
        row = conn.execute(sa.select(_users).where(_users.c.name == name)).first()
    if row is None or row.disabled:
        raise ApprovalRefused(
            f"Không có tài khoản đang hoạt động tên {name!r} / No active user {name!r}"
        )
    return Approver(name, row.role, row.clearance)
