"""One error hierarchy for luutru, with stable codes.

`PermanentError`s are the input's fault: the record ends `failed`/`rejected` with the message,
which is written for a records clerk (Vietnamese first, English after " / ").
`TransientError`s are the infrastructure's fault: the work is retried, never dropped.
"""

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
    BAD_QUERY = "bad_query"
    INVALID_EVENT = "invalid_event"
    UNAVAILABLE = "unavailable"
    CALLER_REFUSED = "caller_refused"


class LuutruError(Exception):
    """Base of every error luutru raises on purpose."""

    code: ErrorCode = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, code: ErrorCode | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "error": self.message}


class PermanentError(LuutruError):
    """Bad input: retrying will not help; the record fails with this readable reason."""


class NotFound(LuutruError):
    """Unknown id, or an id the caller may not see (the two must look the same)."""

    code = ErrorCode.NOT_FOUND


class BadQuery(LuutruError):
    """A search query the user can fix; the message is safe to show."""

    code = ErrorCode.BAD_QUERY


class TransientError(LuutruError):
    """A store, index or broker is unavailable; the work must be retried later."""

    code = ErrorCode.UNAVAILABLE
