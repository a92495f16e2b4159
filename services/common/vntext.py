"""Vietnamese text analysis shared by every search engine, at index and at query time.

Analysis lives here, in plain Python, so the Tantivy and Elasticsearch adapters produce the
same tokens and the same highlights; engine-side custom analysers would drift (and Tantivy does
not persist custom tokenizers).
"""

from __future__ import annotations

import re
import unicodedata

# Letters/digits (not "_"), plus combining marks so a word in leftover NFD stays one word.
_WORD_RE = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")

# The five Vietnamese tone marks as combining characters: grave, acute, tilde, hook, dot below.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

# Old-style pairs whose tone moves to the first vowel in new style, when they end the syllable.
_MOVABLE_PAIRS = {("o", "a"), ("o", "e"), ("u", "y")}

# Two vowels at the end of a word; the lookahead makes "hoàn", "ngoài" keep their tone.
_FINAL_PAIR_RE = re.compile(r"([ouOU])([^\W\d_])(?![^\W_])")


def nfc(s: str) -> str:
    """Compose to NFC so NFD input (macOS, some IMEs) compares equal to NFC text."""
    return unicodedata.normalize("NFC", s)


def _move_tone(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    start = match.start()
    # "quý", "quỳ": the "u" belongs to the consonant "qu", so the tone stays on "y".
    if first in "uU" and start > 0 and match.string[start - 1] in "qQ":
        return match.group(0)
    base, *marks = unicodedata.normalize("NFD", second)
    if (first.lower(), base.lower()) not in _MOVABLE_PAIRS:
        return match.group(0)
    if len(marks) != 1 or marks[0] not in _TONE_MARKS:
        return match.group(0)
    return nfc(first + marks[0]) + base


def normalize_tones(s: str) -> str:
    """Rewrite old tone placement to new for search: "hoà" → "hòa", "Uỷ" → "Ủy".

    Only word-final oa/oe/uy move; with a final consonant ("hoàn") both styles agree.
    """
    return _FINAL_PAIR_RE.sub(_move_tone, nfc(s))


def fold(s: str) -> str:
    """Lowercase without any diacritic, for "không dấu" matching: "Đức Thắng" → "duc thang".

    Decomposition strips stacked letters (ệ, ở) completely; đ has no decomposition, so map it.
    """
    decomposed = unicodedata.normalize("NFD", nfc(s).lower())
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return nfc(bare.replace("đ", "d"))


def exact_form(s: str) -> str:
    """The form kept in the with-diacritics field: NFC, lowercase, new-style tone placement."""
    return normalize_tones(nfc(s).lower())


def word_spans(s: str) -> list[tuple[int, int]]:
    """(start, end) of each word in `s` as given; callers NFC first to keep offsets valid."""
    return [m.span() for m in _WORD_RE.finditer(s)]


def tokenize(s: str) -> list[str]:
    """Lowercased word tokens of NFC text; punctuation separates ("15-NQ/TU" → 15, nq, tu)."""
    text = nfc(s)
    return [text[start:end].lower() for start, end in word_spans(text)]


def has_diacritics(word: str) -> bool:
    """True when the word carries any mark or đ, i.e. folding changes it."""
    lowered = nfc(word).lower()
    return fold(lowered) != lowered
