"""Is a PDF page's text layer the document's text? Converts legacy encodings and spots garbage.

A text layer can exist and still be useless: fonts without a Unicode map extract as private-use
codes or random ASCII, TCVN3/VNI fonts extract as Latin-1 look-alikes ("§¶ng", "Ñaûng"), and
badly converted files carry "Cá»™ng". The first must be OCR'd; the others are converted.

Framework-free.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from services.common.legacy_text import suspect_share, syllable_share, to_unicode

# More than this share of unreadable characters (U+FFFD, private use, unassigned, controls)
# and the layer is garbage.
MAX_UNREADABLE_SHARE = 0.05
# Fewer letters and digits than this share of the visible characters: symbol soup.
MIN_ALNUM_SHARE = 0.5
# A layer with marked (non-ASCII) letters claims to be Vietnamese: at least this share of its
# words must then be Vietnamese syllables (names, abbreviations and numbers lower it a little).
MIN_SYLLABLE_SHARE = 0.5
# Left-over mojibake ("Ã¦Ã¸") after every conversion was tried.
MAX_SUSPECT_SHARE = 0.05


@dataclass(frozen=True)
class LayerVerdict:
    text: str  # NFC, converted when a legacy encoding was found
    encoding: str  # "unicode", "tcvn3", "vni", "utf8_as_cp1252"
    usable: bool
    reason: str | None = None  # why not usable


def _unreadable(c: str) -> bool:
    return c == "\ufffd" or (unicodedata.category(c) in ("Co", "Cn", "Cc") and c not in "\n\t")


def judge(text: str) -> LayerVerdict:
    """Convert a text layer from a legacy encoding if it is one, and say if it can be used."""
    decoded = to_unicode(text)
    visible = [c for c in decoded.text if not c.isspace()]
    if not visible:
        return LayerVerdict(decoded.text, decoded.encoding, False, "empty")
    if sum(map(_unreadable, visible)) > MAX_UNREADABLE_SHARE * len(visible):
        return LayerVerdict(decoded.text, decoded.encoding, False, "unreadable characters")
    if sum(c.isalnum() for c in visible) < MIN_ALNUM_SHARE * len(visible):
        return LayerVerdict(decoded.text, decoded.encoding, False, "few letters")
    if suspect_share(decoded.text) > MAX_SUSPECT_SHARE:
        return LayerVerdict(decoded.text, decoded.encoding, False, "mojibake")
    if not decoded.text.isascii() and syllable_share(decoded.text) < MIN_SYLLABLE_SHARE:
        return LayerVerdict(decoded.text, decoded.encoding, False, "not Vietnamese words")
    return LayerVerdict(decoded.text, decoded.encoding, True)
