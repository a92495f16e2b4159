"""One error hierarchy for luutru, with stable codes.

`PermanentError`s are the input's fault: the record ends `failed`/`rejected` with the message,
which is written for a records clerk (Vietnamese first, English after " / ").
`TransientError`s are the infrastructure's fault: the work is retried, never dropped.

Every error carries an `ErrorCode`, inherited from its class unless it says otherwise; the
gateway answers by that code (services/gateway/http.py). An error raised in another service
reaches the gateway as nameko's `RemoteError`, which keeps only the class name: `code_named`
finds the code of that class in a registry every subclass joins when it is defined.
"""

import re
from enum import StrEnum


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNSUPPORTED_TYPE = "unsupported_type"
    EMPTY_FILE = "empty_file"
    TOO_LARGE = "too_large"
    LENGTH_REQUIRED = "length_required"
    TOO_MANY_PAGES = "too_many_pages"
    IMAGE_TOO_LARGE = "image_too_large"
    BROKEN_FILE = "broken_file"
    ENCRYPTED = "encrypted"
    OCR_TIMEOUT = "ocr_timeout"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    BAD_QUERY = "bad_query"
    INVALID_EVENT = "invalid_event"
    UNAVAILABLE = "unavailable"
    CALLER_REFUSED = "caller_refused"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    APPROVAL_REFUSED = "approval_refused"
    NO_PENDING_CHANGE = "no_pending_change"
    ON_HOLD = "on_hold"
    NOT_APPROVED = "not_approved"
    BATCH_STATE = "batch_state"
    DOSSIER_INCOMPLETE = "dossier_incomplete"
    WINDOW_PASSED = "window_passed"
    OBJECT_LOCKED = "object_locked"
    AUDIT_KEY_MISSING = "audit_key_missing"
    RECALLED = "recalled"
    NOT_INCOMING = "not_incoming"


# Class name -> its code, for errors that arrive by name only (across RPC).
_CODES_BY_NAME: dict[str, ErrorCode] = {}


class LuutruError(Exception):
    """Base of every error luutru raises on purpose."""

    code: ErrorCode = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, code: ErrorCode | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        known = _CODES_BY_NAME.setdefault(cls.__name__, cls.code)
        if known != cls.code:  # one name crossing RPC must mean one answer
            raise TypeError(f"{cls.__name__} is already an error with code {known}")

    def to_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "error": self.message}


_CODES_BY_NAME[LuutruError.__name__] = LuutruError.code


def code_named(class_name: str) -> ErrorCode | None:
    """The code of the luutru error class called `class_name` (None: not a luutru error, or
    its module is not imported in this process)."""
    return _CODES_BY_NAME.get(class_name)


class PermanentError(LuutruError):
    """Bad input: retrying will not help; the record fails with this readable reason."""


# An id as luutru makes them (UUIDs, account names, codes): what an error may name back.
_ID_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}")


def shown_id(value: object) -> str:
    """`value` as an error message names it: itself when it reads as an id, else "?". Text
    typed where an id belongs (a name in a URL) would otherwise go into the message and, with
    it, the log of every service that refuses it."""
    return value if isinstance(value, str) and _ID_SHAPE.fullmatch(value) else "?"


class NotFound(LuutruError):
    """Unknown id, or an id the caller may not see (the two must look the same)."""

    code = ErrorCode.NOT_FOUND


def record_not_found(record_id: object) -> NotFound:
    """The one answer for a record that does not exist, or that the caller may not see."""
    return NotFound(f"Không tìm thấy hồ sơ / No record {shown_id(record_id)}")


class RecordRecalled(PermanentError):
    """A change asked of a recalled record (409): it is frozen (services/registers/recall.py)."""

    code = ErrorCode.RECALLED


class NotIncoming(PermanentError):
    """An ĐẾN stamp asked of a record not registered as received (409): it has no số đến
    (services/registers/stamp.py)."""

    code = ErrorCode.NOT_INCOMING


class BadQuery(LuutruError):
    """A search query the user can fix; the message is safe to show."""

    code = ErrorCode.BAD_QUERY


class TransientError(LuutruError):
    """A store, index or broker is unavailable; the work must be retried later."""

    code = ErrorCode.UNAVAILABLE


class ObjectLocked(PermanentError):
    """Deleting an object under retention or legal hold was refused by the store."""

    code = ErrorCode.OBJECT_LOCKED


class ChecksumMismatch(TransientError):
    """The stored bytes no longer match their SHA-256: the object is never served.

    A `TransientError` on purpose: the work that needed it is dead-lettered (kept), not
    failed, until an operator restores the object from a replica or backup.
    """
