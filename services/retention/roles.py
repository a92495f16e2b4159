"""Who is approving: the role from the accounts table when it exists.

Until user accounts exist (the `users` table, created by the gateway's account store), the
name given with `--as` is taken as it is and recorded with role None ("not checked"); once
the table exists, the name must be an active account with the archivist role.
"""

from __future__ import annotations

import sqlalchemy as sa

from services.retention.batches import Approver
from services.retention.errors import ApprovalRefused


def approver(engine: sa.Engine, name: str) -> Approver:
    name = (name or "").strip()
    if not sa.inspect(engine).has_table("users"):
        return Approver(name, None)
    users = sa.Table("users", sa.MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    if row is None or row._mapping.get("disabled"):
        raise ApprovalRefused(
            f"Không có tài khoản đang hoạt động tên {name!r} / No active user {name!r}"
        )
    return Approver(name, row._mapping["role"])
