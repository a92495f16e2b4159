"""Vietnamese text analysis shared by every search engine, at index and at query time.

Analysis lives here, in plain Python, so the Tantivy and Elasticsearch adapters produce the
same tokens and the same highlights; engine-side custom analysers would drift (and Tantivy does
not persist custom tokenizers).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# The version of this analysis. Bump it with any change that alters a token, a fold or a tone
# placement: indexes written under another version rebuild themselves on the next start
# (services/indexing/tantivy_query.INDEX_VERSION). tests/unit/test_index_version.py fails
# until it is bumped.
ANALYSIS_VERSION = 1

# Letters/digits (not "_"), plus combining marks so a word in leftover NFD stays one word.
_WORD_RE = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")

# The five Vietnamese tone marks as combining characters: grave, acute, tilde, hook, dot below.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

# Old-style pairs whose tone moves to the first vowel in new style, when they end the syllable.
_MOVABLE_PAIRS = {("o", "a"), ("o", "e"), ("u", "y")}

# a, e, y carrying exactly one tone mark: the only second letters an old-style pair can have.
_TONED_AEY = "".join(
    unicodedata.normalize("NFC", base + mark) for base in "aeyAEY" for mark in sorted(_TONE_MARKS)
)
# Two vowels at the end of a word; the lookahead makes "hoàn", "ngoài" keep their tone.
# Only toned a/e/y are matched, so the Python callback runs for real candidates only.
_FINAL_PAIR_RE = re.compile(rf"([ouOU])([{_TONED_AEY}])(?![^\W_])")


# The marks Vietnamese letters decompose into (tones, breve, circumflex, horn).
_VIETNAMESE_MARKS = "\u0300\u0301\u0302\u0303\u0306\u0309\u031b\u0323"

# In lowercase ASCII text, what _WORD_RE finds are the runs of [a-z0-9]: every other character
# as a space, then split (2.5x faster than a regex finding them).
_ASCII_SEPARATORS = str.maketrans(
    {chr(c): " " for c in range(128) if not ("a" <= chr(c) <= "z" or "0" <= chr(c) <= "9")}
)

# Anything but ASCII and those marks: text without it folds by dropping every non-ASCII char.
_NOT_ASCII_OR_MARK_RE = re.compile(f"[^\\x00-\\x7f{_VIETNAMESE_MARKS}]")


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

    Decomposition strips stacked letters (ệ, ở) completely; đ has no decomposition, so map it,
    and its look-alike ð (Ð, eth), which OCR and old fonts print for Đ.
    """
    lowered = nfc(s).lower().replace("đ", "d").replace("ð", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    # Only Vietnamese marks to drop (one regex scan in C; counting each mark cost 3x more).
    if _NOT_ASCII_OR_MARK_RE.search(decomposed) is None:
        return decomposed.encode("ascii", "ignore").decode()
    # Other scripts or marks: the general (slower) rule keeps every non-mark character.
    return nfc("".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def exact_form(s: str) -> str:
    """The form kept in the with-diacritics field: NFC, lowercase, new-style tone placement."""
    return normalize_tones(nfc(s).lower())


def word_spans(s: str) -> list[tuple[int, int]]:
    """(start, end) of each word in `s` as given; callers NFC first to keep offsets valid."""
    return [m.span() for m in _WORD_RE.finditer(s)]


def tokenize(s: str) -> list[str]:
    """Lowercased word tokens of NFC text; punctuation separates ("15-NQ/TU" → 15, nq, tu)."""
    if s.isascii():  # folded text, numbers: the same words by a much cheaper pattern
        return s.lower().translate(_ASCII_SEPARATORS).split()
    return _WORD_RE.findall(nfc(s).lower())


def has_diacritics(word: str) -> bool:
    """True when the word carries any mark or đ, i.e. folding changes it."""
    lowered = nfc(word).lower()
    return fold(lowered) != lowered


@cache
def _fold_char(ch: str) -> str:
    if ch in "đðĐÐ":  # no decomposition: map by hand; Ð (eth) is a common OCR stand-in
        return "D" if ch.isupper() else "d"
    base = unicodedata.normalize("NFD", ch)[0]
    return ch if unicodedata.combining(base) else base


def fold_keep_length(line: str) -> str:
    """Diacritics stripped one character for one, case kept, so offsets found in the folded
    line are valid in the original (the extractors cut fields out of the printed text)."""
    return "".join(_fold_char(ch) for ch in line)


def squash(s: str) -> str:
    """Runs of whitespace as one space, trimmed."""
    return " ".join(s.split())
