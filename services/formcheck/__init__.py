"""Thẩm định thể thức: check a draft's form (DOCX or PDF) before it is signed.

Public API: `check(data, filename, style)` → `{"style", "errors", "warnings"}` (docs/formcheck.md).
Framework-free; the CLI (`luutru check`) and the gateway (`POST /api/check`) call it.
"""

from __future__ import annotations

from typing import Any

from services.common.errors import BadQuery
from services.formcheck.draft import Draft
from services.formcheck.readers import read_draft
from services.formcheck.rules import STYLES, Finding, check_draft
from services.formcheck.spelling import SOURCE, unknown_words


def check(data: bytes, filename: str = "", style: str | None = None) -> dict[str, Any]:
    if style is not None and style not in STYLES:
        raise BadQuery("Kiểu văn bản phải là party hoặc state / style must be party or state")
    return check_read(read_draft(data, filename), style)


def check_read(draft: Draft, style: str | None = None) -> dict[str, Any]:
    style, findings = check_draft(draft, style)
    findings += _spelling(draft)
    return {
        "style": style,
        "errors": [f.as_dict() for f in findings if not f.warning],
        "warnings": [f.as_dict() for f in findings if f.warning],
    }


def _spelling(draft: Draft) -> list[Finding]:
    return [
        Finding(
            "spelling.unknown",
            "text",
            draft.lines[i],
            i + 1,
            f"Từ “{word}” không có trong từ điển tiếng Việt / “{word}” is not in the dictionary",
            SOURCE,
            warning=True,
        )
        for i, word in unknown_words([line.text for line in draft.lines])
    ]


__all__ = ["STYLES", "check", "check_read"]
