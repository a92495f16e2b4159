"""Small text helpers shared by the registers' readers."""

from __future__ import annotations

import unicodedata
from functools import cache


@cache
def _fold_char(ch: str) -> str:
    if ch in "đðĐÐ":  # no decomposition: map by hand; Ð (eth) is a common OCR stand-in
        return "D" if ch.isupper() else "d"
    base = unicodedata.normalize("NFD", ch)[0]
    return ch if unicodedata.combining(base) else base


def fold_keep_length(line: str) -> str:
    """Diacritics stripped one character for one, so offsets stay valid in the original."""
    return "".join(_fold_char(ch) for ch in line)


def squash(s: str) -> str:
    return " ".join(s.split())
