"""Retention errors: each refuses a step a person asked for, with a message they can act on.

All are `PermanentError`s (retrying will not help); the gateway maps them by type name to
HTTP statuses in `services.gateway.routes_retention.RETENTION_ERRORS`.
"""

from __future__ import annotations

from services.common.errors import PermanentError


class RecordOnHold(PermanentError):
    """The record is under a legal hold: nothing may destroy it, by any path."""


class NotApproved(PermanentError):
    """Destruction or transfer without an approved batch that includes the record."""


class ApprovalRefused(PermanentError):
    """This person may not approve (role, already approved, batch not pending)."""


class BatchStateError(PermanentError):
    """The batch is not in a state that allows this step (e.g. approving a rejected one)."""
