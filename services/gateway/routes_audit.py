"""The audit trail through the gateway: reads of restricted records are written here; the
operators' `luutru audit verify|export` read it over RPC."""

from __future__ import annotations

from dataclasses import asdict

from werkzeug.wrappers import Request

from services.common import audit
from services.common.callers import operator_rpc
from services.gateway.auth import Authenticator, Principal


class AuditRoutes:
    accounts = Authenticator()

    def audit_read(self, request: Request, principal: Principal, record: dict, what: str) -> None:
        """Log who read a restricted record (secret, or a petition), when and from where."""
        audit.log_read(
            self.accounts.engine,
            record,
            actor=principal.name,
            origin=request.remote_addr,
            what=what,
            detail={"path": request.path},
        )

    def audit_write(
        self, origin: str | None, principal: Principal, action: str, record_id: str, detail: dict
    ) -> None:
        """Append one entry to the hash-chained trail: who did what to which record, from where
        (a client address, or `cli`)."""
        with self.accounts.engine.begin() as conn:
            audit.append(
                conn,
                actor=principal.name,
                action=action,
                record_id=record_id,
                origin=origin,
                detail=detail,
            )

    @operator_rpc
    def audit_verify(self) -> dict:
        problems = audit.verify(self.accounts.engine)
        count = sum(1 for _ in audit.entries(self.accounts.engine))
        return {
            "ok": not problems,
            "entries": count,
            "problems": [asdict(problem) for problem in problems],
        }

    @operator_rpc
    def audit_export(self, date_from: str | None = None, date_to: str | None = None) -> list:
        return list(audit.entries(self.accounts.engine, date_from, date_to))
