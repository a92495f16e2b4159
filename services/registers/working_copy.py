"""The working copy of a denunciation (đơn tố cáo): its text with the writer's identity masked.

Luật Tố cáo 2018 Điều 9.1.b and Điều 56 keep a denouncer's identity secret: only the people
who handle the letter (petition officers) see it. Everyone else — readers, clerks,
archivists, admins, the search index and its snippets — gets the masked text. Domain only.

Matching is folded and case-blind (NGUYỄN VĂN HÙNG, nguyen van hung, NFD text all match) and
runs on `fold_keep_length` of the text, so a span found there is the same span in the original.
Numbers match with any spaces, dots or dashes between digits, and a phone also after +84.
"""

from __future__ import annotations

import re
from typing import Any

from services.common.vntext import fold_keep_length
from services.registers.writer_identity import identity_values, read_identity

MASK = "[…]"
# What stands for a sealed letter's file name (it often carries the writer's name).
SEALED_TITLE = "Đơn thư (đã che danh tính)"
_MARKS = "[\u0300-\u036f]*"  # combining marks of NFD text, left in place by the fold
_GAP = r"[\s.\-]?"  # between the digits of a number
_WORD_GAP = r"[\s,.\-]+"  # between the words of a name or an address


def is_sealed(metadata: dict[str, Any] | None, identity: dict[str, Any] | None) -> bool:
    """A stored identity of a letter read as a tố cáo (or khiếu nại + tố cáo), or since
    corrected into one."""
    if not identity:
        return False
    return bool(identity.get("sealed")) or (metadata or {}).get("kind") == "don_to_cao"


def _letters(word: str) -> str:
    """The word folded as the text is (Ð, an OCR stand-in for Đ, included), marks allowed."""
    return "".join(re.escape(ch) + _MARKS for ch in fold_keep_length(word))


def _words(value: str) -> str | None:
    words = re.findall(r"[^\W_]+", value)
    return _WORD_GAP.join(_letters(w) for w in words) if words else None


def _digits(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    return _GAP.join(digits) if digits else None


def _phone(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if not digits.startswith("0"):
        return _digits(digits)
    return r"(?:\(?\+?84\)?[\s.\-]?(?:\(0\)\s?)?|0)" + _GAP.join(digits[1:])


def _birth(value: str) -> str | None:
    if m := re.fullmatch(r"(\d\d)/(\d\d)/(\d{4})", value):
        day, month = (str(int(x)) for x in m.groups()[:2])
        return rf"0?{day}\s*[/.\-]\s*0?{month}\s*[/.\-]\s*{m[3]}"
    return _digits(value)


def _given_name(value: str) -> str | None:
    """A name's last word alone ("Hùng" under a signature, "ông Hùng"), only where it is
    capitalised and no other name word follows."""
    words = re.findall(r"[^\W_]+", value)
    if len(words) < 2:
        return None
    first, *rest = fold_keep_length(words[-1])
    word = re.escape(first.upper()) + _MARKS + "".join(f"(?i:{_letters(c)})" for c in rest)
    return word + r"(?![ \t]+[A-Z])"  # not the start of another name ("Mai Xuân Đông")


_PATTERNS = {
    "names": _words,
    "addresses": _words,
    "emails": lambda v: re.escape(v),
    "id_numbers": _digits,
    "phones": _phone,
    "births": _birth,
}


def _spans(folded: str, pattern: str, case_blind: bool = True) -> list[tuple[int, int]]:
    flags = re.I if case_blind else 0
    bounded = rf"(?<![^\W_]){pattern}(?![^\W_])"
    return [m.span() for m in re.finditer(bounded, folded, flags)]


def identity_spans(text: str, identity: dict[str, Any]) -> list[tuple[int, int]]:
    """Where the writer's values occur in `text`, merged and in order."""
    folded = fold_keep_length(text)
    spans: list[tuple[int, int]] = []
    for field, values in identity_values(identity).items():
        for value in values:
            if pattern := _PATTERNS[field](value):
                spans += _spans(folded, pattern)
    for name in identity_values(identity)["names"]:
        if pattern := _given_name(name):
            spans += _spans(folded, pattern, case_blind=False)
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask_identity(text: str, identity: dict[str, Any], mask: str = MASK) -> str:
    """`text` with every occurrence of the writer's values masked, whatever their case,
    diacritics (NFC or NFD) or the separators inside numbers."""
    out, last = [], 0
    for start, end in identity_spans(text, identity):
        out += [text[last:start], mask]
        last = end
    return "".join(out) + text[last:]


def working_copy(
    text: str,
    metadata: dict[str, Any] | None,
    identity: dict[str, Any] | None,
    sees_identity: bool = False,
) -> str:
    """What a person (or the index) may read of a record's text."""
    if sees_identity or not is_sealed(metadata, identity):
        return text
    identity = identity or {}
    if "details" not in identity or identity["details"] is None:
        # stored before migration 0004 (name, address, ID only): read the rest from the letter
        identity = {**identity, "details": read_identity(text)["details"]}
    return mask_identity(text, identity)
