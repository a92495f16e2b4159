"""Vietnamese spelling against the hunspell-vi word list, as warnings.

The Debian package hunspell-vi lists every Vietnamese syllable (old tone placement, "hoà");
a syllable of the draft that is not in it is reported once. No hunspell binding is needed:
Vietnamese words are syllables, and the list has no affixes. Acronyms (all capitals, up to six
letters), words with digits, and the names in the stop list (stoplist.txt) are skipped.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from services.common.vntext import nfc, normalize_tones

DICTIONARY = Path("/usr/share/hunspell/vi_VN.dic")
STOP_LIST = Path(__file__).with_name("stoplist.txt")
SOURCE = "Từ điển hunspell-vi (chính tả tiếng Việt)"
_WORD_RE = re.compile(r"[^\W\d_]+(?:[\w]*)")


def _words(path: Path) -> frozenset[str]:
    if not path.exists():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = (line.split("/")[0].strip() for line in lines if not line.startswith("#"))
    return frozenset(normalize_tones(nfc(w)).lower() for w in entries if w and not w.isdigit())


@cache
def known_words() -> frozenset[str]:
    return _words(DICTIONARY) | _words(STOP_LIST)


def unknown_words(lines: list[str]) -> list[tuple[int, str]]:
    """(line index, word) of each distinct word not in the dictionary, first occurrence."""
    known = known_words()
    if not known:
        return []  # no dictionary installed: nothing can be said
    seen: set[str] = set()
    found = []
    for i, line in enumerate(lines):
        for word in _WORD_RE.findall(nfc(line)):
            key = normalize_tones(word).lower()
            if len(word) < 2 or any(c.isdigit() for c in word) or key in seen:
                continue
            if key in known or (word.isupper() and len(word) <= 6):
                continue
            seen.add(key)
            found.append((i, word))
    return found
