"""Secrecy and urgency marks, and the one rule deciding a record's effective secrecy level.

Levels (Luật Bảo vệ bí mật nhà nước 29/2018/QH14 Điều 8, kept by Luật 117/2025/QH15, whose
article numbers we could not read): 0 thường, 1 Mật, 2 Tối mật, 3 Tuyệt mật — the scale
clearances are compared with. Urgency (NĐ 30/2020 Phụ lục I): Khẩn < Thượng khẩn < Hỏa tốc.

A record's secrecy is *known* once a person declared or corrected it, or the classifier read
the text (no stamp then means thường). Until then (received, processing, failed, a file refused
before classification) nobody knows what it holds, so it counts as Tuyệt mật: the state-secrets
law protects a secret from the moment it exists, not from the moment we read its stamp.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.common.errors import PermanentError
from services.common.vocabulary import (
    SECRECY_LEVELS,
    SECRECY_NAMES,
    SECRECY_VALUES,
    URGENCY_LEVELS,
    URGENCY_VALUES,
    listed,
)

SECRECY_CODES = {level: code for code, level in SECRECY_LEVELS.items()}
HIGHEST = max(SECRECY_NAMES)
# Metadata flag: True once a person or the classifier set the record's secrecy.
KNOWN = "secrecy_known"
# The words a form or a command line may use for "not secret" / "not urgent".
_PLAIN = ("", "thuong", "none")


def effective_level(meta: Mapping[str, Any] | None) -> int:
    """The level every reader path compares clearances with: Tuyệt mật while unknown, and for
    a mark off the scale (none is written: `secrecy_code` checks every declared value; one
    read from a damaged or foreign row must not make a record public)."""
    meta = meta or {}
    if not meta.get(KNOWN):
        return HIGHEST
    return level_of(meta.get("secrecy"))


def level_of(code: str | None) -> int:
    """A mark's level on the scale; no mark is 0, a code off the scale the highest."""
    return SECRECY_LEVELS.get(code, HIGHEST)


def secrecy_code(value: Any, field: str = "secrecy") -> str | None:
    """A declared secrecy (`mat`, `toi_mat`, `tuyet_mat`; empty or `thuong` for none);
    PermanentError for anything else."""
    return _code(value, SECRECY_LEVELS, field, listed(SECRECY_VALUES))


def urgency_code(value: Any, field: str = "urgency") -> str | None:
    """A declared urgency (`khan`, `thuong_khan`, `hoa_toc`; empty or `thuong` for none)."""
    return _code(value, URGENCY_LEVELS, field, listed(URGENCY_VALUES))


def _code(value: Any, table: Mapping[str | None, int], field: str, allowed: str) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _PLAIN):
        return None
    if not isinstance(value, str) or value.strip().lower() not in table:
        raise PermanentError(
            f"Giá trị không hợp lệ cho {field} (chọn {allowed} hoặc để trống)"
            f" / Bad value for {field}: choose {allowed} or leave empty"
        )
    return value.strip().lower()


def higher_secrecy(a: str | None, b: str | None) -> str | None:
    """The higher of two secrecy marks: a read stamp may raise a declared level, never lower."""
    return a if SECRECY_LEVELS[a] >= SECRECY_LEVELS[b] else b


def higher_urgency(a: str | None, b: str | None) -> str | None:
    return a if URGENCY_LEVELS[a] >= URGENCY_LEVELS[b] else b


def above_ceiling(secrecy: str | None, ceiling: int) -> bool:
    return level_of(secrecy) > ceiling


def ceiling_reason(secrecy: str, ceiling: int) -> str:
    """Why a file above the installation's ceiling is refused, for the clerk."""
    return (
        f"Tài liệu {SECRECY_NAMES[level_of(secrecy)]} vượt mức mật hệ thống được phép lưu"
        f" (tối đa: {SECRECY_NAMES[ceiling]}); hãy lưu theo chế độ mật ngoài hệ thống"
        " / Secrecy level above this installation's ceiling; keep it outside this system"
    )
