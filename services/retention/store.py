"""`RetentionStore`: retention's tables and its writes to the catalog, with SQLAlchemy Core.

Runs on the catalog's engine (SQLite or PostgreSQL), migrated by `SqlCatalog`: retention's own
tables (`tables.py`) are revision 0003's. The records are read, and written only for what
retention owns (the final statuses `disposed`/`transferred`, `metadata.retention` and
`metadata.fixity`, history entries), through `services.common.catalog_rows` inside this
store's transactions; `Record.leave_care` is the rule for the final moves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa

from services.common import catalog_rows
from services.common.catalog import now_iso
from services.common.secrecy import effective_level
from services.common.sql_rows import fetch_dicts
from services.retention import batches as rules
from services.retention.audit import log
from services.retention.errors import batch_not_found, not_waiting
from services.retention.store_batch import LIVE, OPEN, live_ids, live_records, locked_batch
from services.retention.store_dossier import DossierMixin
from services.retention.store_due import due_transfers
from services.retention.store_file_notes import FileNotesMixin
from services.retention.store_files import FilesMixin
from services.retention.store_fixity import FixityMixin
from services.retention.store_holds import HoldsMixin
from services.retention.store_steps import StepsMixin
from services.retention.tables import approvals, batch_records, batches, state


class RetentionStore(HoldsMixin, FilesMixin, FileNotesMixin, FixityMixin, StepsMixin, DossierMixin):
    """Batches, approvals, holds and fixity checks; the retention side of the catalog."""

    def __init__(self, engine: sa.Engine):
        """`engine`: the catalog's, migrated to head (its tables are the migrations')."""
        self.engine = engine

    # --- catalog reads ------------------------------------------------------------------

    def candidates(self) -> Iterator[rules.Candidate]:
        """Every record with a retention class that is still in the archive's care."""
        with self.engine.connect() as conn:
            rows = catalog_rows.retention_facts(conn)
        for row in rows:
            if row.retention:
                yield rules.Candidate(row.id, row.retention, row.issued_date, row.received_at)

    def due_transfers(
        self, as_of: date, transfer_after_years: int
    ) -> list[tuple[str, dict[str, Any]]]:
        """(id, the metadata the declassification gate reads) of each record due for transfer
        on `as_of` and not held, found by the database (`store_due`): only those are read."""
        with self.engine.connect() as conn:
            rows = conn.execute(due_transfers(as_of, transfer_after_years)).all()
        return [(r.id, dict(zip(("secrecy_known", "secrecy", "issued_date"), r[1:], strict=True)))
                for r in rows]  # fmt: skip

    def record(self, record_id: str) -> dict[str, Any]:
        """The record's columns; raises NotFound."""
        with self.engine.connect() as conn:
            return catalog_rows.columns_of(conn, record_id)

    def records(self, record_ids: list[str]) -> list[dict[str, Any]]:
        """`record` for many ids, in their order, in a few statements; raises NotFound."""
        with self.engine.connect() as conn:
            return catalog_rows.columns_of_many(conn, record_ids)

    def shares_object(self, object_key: str, record_id: str) -> bool:
        """Whether a record other than `record_id`, not disposed, uses the same object."""
        with self.engine.connect() as conn:
            return catalog_rows.shares_object(conn, object_key, record_id)

    # --- batches ------------------------------------------------------------------------

    def create_batch(
        self, action: str, as_of: str, items: Iterable[rules.Due], required: int, by: str
    ) -> str:
        batch_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(
                batches.insert().values(
                    id=batch_id,
                    action=action,
                    status="pending",
                    as_of=as_of,
                    required_approvals=required,
                    created_by=by,
                    created_at=now_iso(),
                )
            )
            for item in items:
                conn.execute(
                    batch_records.insert().values(
                        batch_id=batch_id,
                        record_id=item.record_id,
                        due=item.due.isoformat(),
                        state="included",
                        event_sent=False,
                    )
                )
                log(conn, item.record_id, "proposed", {"batch": batch_id, "action": action})
        return batch_id

    def in_open_batches(self) -> set[str]:
        query = (
            sa.select(batch_records.c.record_id)
            .join(batches, batches.c.id == batch_records.c.batch_id)
            .where(batches.c.status.in_(OPEN), batch_records.c.state.in_(LIVE))
        )
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def declined(self) -> dict[str, set[str]]:
        """record id -> due dates at which it was pulled out or its batch rejected."""
        query = (
            sa.select(batch_records.c.record_id, batch_records.c.due)
            .join(batches, batches.c.id == batch_records.c.batch_id)
            .where(sa.or_(batch_records.c.state == "pulled", batches.c.status == "rejected"))
        )
        found: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for record_id, due in conn.execute(query):
                found.setdefault(record_id, set()).add(due)
        return found

    def list_batches(self, status: str | None = None) -> list[dict[str, Any]]:
        counts = (
            sa.select(batch_records.c.batch_id, sa.func.count().label("n"))
            .where(batch_records.c.state != "pulled")
            .group_by(batch_records.c.batch_id)
            .subquery()
        )
        query = (
            sa.select(batches, sa.func.coalesce(counts.c.n, 0).label("records"))
            .outerjoin(counts, counts.c.batch_id == batches.c.id)
            .order_by(batches.c.created_at)
        )
        if status:
            query = query.where(batches.c.status == status)
        return fetch_dicts(self.engine, query)

    def batch(self, batch_id: str) -> dict[str, Any]:
        """The batch with its records (ids), the pulled ones with reasons, its approvals."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.id == batch_id)).first()
            if row is None:
                raise batch_not_found(batch_id)
            items = conn.execute(
                sa.select(batch_records)
                .where(batch_records.c.batch_id == batch_id)
                .order_by(batch_records.c.record_id)
            ).all()
            votes = conn.execute(
                sa.select(approvals)
                .where(approvals.c.batch_id == batch_id)
                .order_by(approvals.c.at)
            ).all()
        records = [i.record_id for i in items if i.state != "pulled"]
        return {
            **row._mapping,
            "records": records,
            "files": self.grouped_by_file(records),  # the hồ sơ it takes, each whole
            "pulled": [
                {"id": i.record_id, "reason": i.reason, "by": i.pulled_by}
                for i in items
                if i.state == "pulled"
            ],
            "approvals": [
                {
                    "by": v.user_name,
                    "decision": v.decision,
                    "role": v.role,
                    "reason": v.reason,
                    "at": v.at,
                }
                for v in votes
            ],
        }

    def items(self, batch_id: str, states: Iterable[str] = LIVE) -> list[dict[str, Any]]:
        query = (
            sa.select(batch_records)
            .where(batch_records.c.batch_id == batch_id, batch_records.c.state.in_(tuple(states)))
            .order_by(batch_records.c.record_id)
        )
        return fetch_dicts(self.engine, query)

    def decide(
        self,
        batch_id: str,
        approver: rules.Approver,
        decision: str,
        reason: str | None = None,
        gate: Callable[[sa.Connection, sa.Row], None] | None = None,
    ) -> str:
        """Record an approval or a rejection; returns the batch's new status.

        Approving needs a distinct archivist (`rules.check_approval`), then whatever `gate`
        asks (the destruction dossier: `dossier_gate`); once `required_approvals` of them
        approved, the batch is `approved`. One rejection (with its reason) rejects the batch.
        """
        with self.engine.begin() as conn:
            batch = locked_batch(conn, batch_id)
            votes = conn.execute(
                sa.select(approvals.c.user_name).where(approvals.c.batch_id == batch_id)
            ).scalars()
            level = self._highest_level(conn, batch_id) if decision == "approve" else 0
            rules.check_approval(batch.status, votes, approver, level)
            if gate and decision == "approve":
                gate(conn, batch)
            conn.execute(
                approvals.insert().values(
                    batch_id=batch_id,
                    user_name=approver.name,
                    decision=decision,
                    role=approver.role,
                    reason=reason,
                    at=now_iso(),
                )
            )
            status = self._status_after(conn, batch, decision)
            for item in live_ids(conn, batch_id):
                detail = {"batch": batch_id, "by": approver.name, "reason": reason}
                log(conn, item, "approved" if decision == "approve" else "rejected", detail)
        return status

    def _highest_level(self, conn: sa.Connection, batch_id: str) -> int:
        """The secrecy level of the most secret record the batch still covers (one of unknown
        secrecy counts as Tuyệt mật, as on every reader path)."""
        metas = catalog_rows.metas(conn, live_records(batch_id)).values()
        return max(map(effective_level, metas), default=0)

    def _status_after(self, conn: sa.Connection, batch: sa.Row, decision: str) -> str:
        voters = conn.execute(
            sa.select(approvals.c.user_name).where(
                approvals.c.batch_id == batch.id, approvals.c.decision == "approve"
            )
        ).scalars()
        if decision == "reject":
            status = "rejected"
        elif rules.approved(voters, batch.required_approvals):
            status = "approved"
        else:
            return batch.status
        conn.execute(
            batches.update()
            .where(batches.c.id == batch.id)
            .values(status=status, decided_at=now_iso(), touched_at=now_iso())
        )
        return status

    def reject_reason(self, batch_id: str, reason: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                batches.update().where(batches.c.id == batch_id).values(reject_reason=reason)
            )

    def pull(self, batch_id: str, record_id: str, reason: str, by: str) -> None:
        """Take a record out of a batch that has not executed it yet."""
        with self.engine.begin() as conn:
            batch = locked_batch(conn, batch_id)
            done = conn.execute(
                batch_records.update()
                .where(
                    batch_records.c.batch_id == batch_id,
                    batch_records.c.record_id == record_id,
                    batch_records.c.state == "included",
                )
                .values(state="pulled", reason=reason, pulled_by=by)
            ).rowcount
            if batch.status not in OPEN or not done:
                raise not_waiting(batch_id, record_id)
            log(conn, record_id, "pulled", {"batch": batch_id, "by": by, "reason": reason})

    def touch(self, batch_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                batches.update().where(batches.c.id == batch_id).values(touched_at=now_iso())
            )

    def stalled(self, before: str) -> list[str]:
        """Approved destroy batches whose execution has not moved since `before`."""
        query = sa.select(batches.c.id).where(
            batches.c.status == "approved",
            batches.c.action == "destroy",
            sa.or_(batches.c.touched_at.is_(None), batches.c.touched_at < before),
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    # --- named values -------------------------------------------------------------------

    def get_state(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(state.c.value).where(state.c.key == key)).scalar()

    def set_state(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(state.update().where(state.c.key == key).values(value=value)).rowcount:
                return
            conn.execute(state.insert().values(key=key, value=value))
