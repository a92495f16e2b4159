"""Plain-text files (`.txt`): the one accepted type whose bytes carry no signature.

Offices kept letters as `.txt` typed in TCVN3 or VNI (single-byte; the ocr stage converts them,
see services/common/legacy_text.py), in Windows-1258, in UTF-8, or from Notepad in UTF-16 with
a byte-order mark. Since nothing in such bytes says "text", two rules keep other files out:
the name must end in `.txt` (HTML, scripts, SVG or CSV are not documents to register), and the
bytes must read as text. Every binary format (executables, archives, images) has NUL bytes near
its start; no text encoding accepted here has one, UTF-16 once decoded included.

Framework-free: `intake.detect_media_type` calls it.
"""

from __future__ import annotations

import codecs

from services.common.errors import ErrorCode, PermanentError

MEDIA_TYPE = "text/plain"
SUFFIX = ".txt"
# A few stray control characters (printer codes in an old DOS file) are tolerated; more is data.
MAX_CONTROL_SHARE = 0.01
# Controls that text files do hold: tab, line breaks, form feed, DOS's end-of-file mark.
_TEXT_CONTROLS = frozenset("\t\n\v\f\r\x1a")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_NOT_TEXT = "là dữ liệu nhị phân, không phải văn bản thuần"


def has_text_name(file_name: str) -> bool:
    return file_name.lower().endswith(SUFFIX)


def _chars(data: bytes) -> str:
    """The characters to judge: UTF-16 decoded by its mark, else one character per byte
    (every single-byte encoding and UTF-8 keep their control characters below 0x20)."""
    if data.startswith(_UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise PermanentError(
                "Tệp .txt có dấu UTF-16 nhưng nội dung bị hỏng"
                " / The .txt file is marked UTF-16 but its content is broken",
                ErrorCode.BROKEN_FILE,
            ) from None
    return data.decode("latin-1")


def check_plain_text(data: bytes) -> None:
    """Raise a PermanentError saying why, unless `data` reads as plain text."""
    chars = _chars(data)
    if "\x00" in chars:
        raise PermanentError(
            f"Tệp .txt chứa byte NUL: {_NOT_TEXT}"
            " / The .txt file contains NUL bytes: binary data, not plain text",
            ErrorCode.UNSUPPORTED_TYPE,
        )
    controls = sum(1 for c in chars if (c < " " or c == "\x7f") and c not in _TEXT_CONTROLS)
    if controls > MAX_CONTROL_SHARE * len(chars):
        raise PermanentError(
            f"Tệp .txt chứa {controls} ký tự điều khiển: {_NOT_TEXT}"
            f" / The .txt file contains {controls} control characters: binary data, not plain text",
            ErrorCode.UNSUPPORTED_TYPE,
        )


def is_plain_text(data: bytes) -> bool:
    try:
        check_plain_text(data)
    except PermanentError:
        return False
    return True
