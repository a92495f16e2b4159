"""Retention errors: each refuses a step a person asked for, with a message they can act on.

All are `PermanentError`s (retrying will not help); the gateway answers each by its
`ErrorCode` (services/gateway/http.py).
"""

from __future__ import annotations

from services.common.errors import ErrorCode, NotFound, PermanentError, shown_id


class RecordOnHold(PermanentError):
    """The record is under a legal hold: nothing may destroy it, by any path."""

    code = ErrorCode.ON_HOLD


class NotApproved(PermanentError):
    """Destruction or transfer without an approved batch that includes the record."""

    code = ErrorCode.NOT_APPROVED


class ApprovalRefused(PermanentError):
    """This person may not approve (role, already approved, batch not pending)."""

    code = ErrorCode.APPROVAL_REFUSED


class BatchStateError(PermanentError):
    """The batch is not in a state that allows this step (e.g. approving a rejected one)."""

    code = ErrorCode.BATCH_STATE


class NotDeclassified(BatchStateError):
    """A transfer holding a record still secret (services/retention/declassification.py)."""


class MixedDestinations(BatchStateError):
    """A transfer batch holding records of the Party's and of the state's archives."""


class FileStateError(BatchStateError):
    """A change the file's state does not allow (adding to a closed file, closing twice)."""


# Approving a destruction needs someone who may see every record destroyed; the refusal says
# no more than that (not how many, nor which).
NEEDS_CLEARANCE = (
    "Cần người có đủ độ mật để duyệt lô này / This batch needs an approver with higher clearance"
)


# The answers for what does not exist, in one place: the gateway gives the same ones for what
# exists but lies above the caller's clearance, so the two cannot be told apart.


def batch_not_found(batch_id: str) -> NotFound:
    return NotFound(f"Không tìm thấy lô {shown_id(batch_id)} / No batch {shown_id(batch_id)}")


def hold_not_found(hold_id: str) -> NotFound:
    return NotFound(f"Không có lệnh phong tỏa đang hiệu lực {hold_id} / No active hold")


def not_waiting(batch_id: str, record_id: str) -> BatchStateError:
    return BatchStateError(
        f"Hồ sơ {record_id} không còn chờ xử lý trong lô {batch_id} / "
        "Record is not waiting in this batch"
    )


def file_not_found(file_ref: str) -> NotFound:
    return NotFound(f"Không tìm thấy hồ sơ {shown_id(file_ref)} / No file {shown_id(file_ref)}")


class DossierStepError(BatchStateError):
    """A dossier step out of order, recorded twice, or missing what its paper needs."""


class StepRefused(ApprovalRefused):
    """This person's role does not record this step of the destruction dossier."""


class DossierIncomplete(PermanentError):
    """Destruction asked for before the dossier (TT 06/2025/TT-BNV) is complete."""

    code = ErrorCode.DOSSIER_INCOMPLETE


class WindowPassed(PermanentError):
    """Destruction asked for after the window that follows the head's decision."""

    code = ErrorCode.WINDOW_PASSED
