"""Vietnamese text typed in the pre-Unicode font encodings, detected and converted to NFC.

Offices typed for decades with TCVN3 (ABC, `.VnTime` fonts) and VNI (`VNI-Times`) fonts: the
bytes are Windows-1252 characters that only look Vietnamese through the font. PDFs made from
such files, and their plain-text exports, therefore read "§¶ng Céng s¶n" (TCVN3) or
"Ñaûng Coäng saûn" (VNI) instead of "Đảng Cộng sản". A third common mistake is UTF-8 read as
Windows-1252 ("Cá»™ng"). `to_unicode` finds which one a text is, by how many of its words
become valid Vietnamese syllables, and converts it. Tone placement (uỷ/ủy) is kept as typed.

Framework-free; the tables are built from the encodings' definitions below.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

# --- TCVN 5712:1993 VN3 ("TCVN3", "ABC") -------------------------------------------------------
# One byte per letter. Base letters first, then each vowel with its five tones in the order
# huyền, hỏi, ngã, sắc, nặng (the order of the code table). Upper-case toned letters have no
# code: the `.VnTimeH` fonts draw the lower-case codes as capitals.
_TCVN3_BASES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
}  # fmt: skip
_TCVN3_TONED = {  # first byte of each run of five: à ả ã á ạ, ...
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
# Combining tone marks in the table's order: grave, hook, tilde, acute, dot below.
_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")


def _tcvn3_table() -> dict[str, str]:
    table = {chr(code): letter for code, letter in _TCVN3_BASES.items()}
    for vowel, codes in _TCVN3_TONED.items():
        for code, tone in zip(codes, _TONES, strict=True):
            table[chr(code)] = unicodedata.normalize("NFC", vowel + tone)
    return table


TCVN3_TO_UNICODE: dict[str, str] = _tcvn3_table()

# --- VNI (VNI-Windows fonts) ---------------------------------------------------------------------
# A base letter followed by one or two mark characters; ơ ư đ ĩ-family and ỵ are single codes.
# Lower-case marks; the upper-case ones are the same letters in capitals (ù/Ù, â/Â, ...).
_VNI_TONE = {"ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ù": "\u0301", "ï": "\u0323"}
# After a/e/o: circumflex (â) with a tone; after a: breve (ê) with a tone.
_VNI_CIRCUMFLEX = {
    "â": "",
    "à": "\u0300",
    "å": "\u0309",
    "ã": "\u0303",
    "á": "\u0301",
    "ä": "\u0323",
}
_VNI_BREVE = {"ê": "", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "é": "\u0301", "ë": "\u0323"}
_VNI_SINGLE = {
    "ô": "ơ",
    "ö": "ư",
    "ñ": "đ",
    "ì": "ì",
    "í": "í",
    "æ": "ỉ",
    "ó": "ĩ",
    "ò": "ị",
    "î": "ỵ",
}


def _vni_table() -> dict[str, str]:
    """Every VNI sequence (one to three characters) → its NFC letter, both cases."""
    table: dict[str, str] = {}

    def add(seq: str, letter: str) -> None:
        table[seq] = unicodedata.normalize("NFC", letter)
        table[seq.upper()] = unicodedata.normalize("NFC", letter.upper())

    for code, letter in _VNI_SINGLE.items():
        add(code, letter)
    for base in "aeiouy":
        for mark, tone in _VNI_TONE.items():
            add(base + mark, base + tone)
    for base in "aeo":
        for mark, tone in _VNI_CIRCUMFLEX.items():
            add(base + mark, base + "\u0302" + tone)
    for mark, tone in _VNI_BREVE.items():
        add("a" + mark, "a\u0306" + tone)
    for code, letter in (("ô", "ơ"), ("ö", "ư")):
        for mark, tone in _VNI_TONE.items():
            add(code + mark, letter + tone)
    return table


VNI_TO_UNICODE: dict[str, str] = _vni_table()
# Longest sequences first, so "aâ" wins over "a" and "ôù" over "ô".
_VNI_RE = re.compile("|".join(re.escape(s) for s in sorted(VNI_TO_UNICODE, key=len, reverse=True)))

# --- detection -----------------------------------------------------------------------------------

# A Vietnamese syllable without its tone: onset, vowel nucleus, coda (lower case, NFC).
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
_NUCLEI_LIST = (
    "a ă â e ê i y o ô ơ u ư ai ao au ay âu ây eo êu ia iê yê iu oa oă oe oi ôi ơi oo ua uâ uê"
    " ui uô uơ uy ưa ưi ươ ưu iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyê uyu"
)
_NUCLEI = _NUCLEI_LIST.split()
_CODA = r"(?:ch|ng|nh|[cmnpt])?"
_SYLLABLE_RE = re.compile(f"{_ONSET}(?:{'|'.join(sorted(_NUCLEI, key=len, reverse=True))}){_CODA}")
_WORD_RE = re.compile(r"[^\W\d_]+")
_TONE_SET = frozenset(_TONES)
# Latin-1 letters that Vietnamese itself uses; any other character from U+0080-U+00FF, or a
# Windows-1252 extra, is what a legacy encoding (or UTF-8 misread) leaves behind.
_VIETNAMESE_LATIN1 = frozenset("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_CP1252_EXTRAS = "ŒœŠšŸŽžƒˆ˜‚„†‡•…‰‹›€™"
_SUSPECT = frozenset(
    {chr(c) for c in range(0x80, 0x100)} - _VIETNAMESE_LATIN1 - {"\u00a0"}
) | frozenset(_CP1252_EXTRAS)


def suspect_share(text: str) -> float:
    """Share of the visible characters that only a legacy encoding or a misread leaves."""
    visible = [c for c in text if not c.isspace()]
    return sum(c in _SUSPECT for c in visible) / len(visible) if visible else 0.0


def is_syllable(word: str) -> bool:
    """True for a well-formed Vietnamese syllable (any case, at most one tone mark)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [c for c in decomposed if c in _TONE_SET]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_SET))
    return _SYLLABLE_RE.fullmatch(bare) is not None


def syllable_share(text: str) -> float:
    """Share of the words of `text` that are Vietnamese syllables (1.0 when it has no words)."""
    words = _WORD_RE.findall(text)
    if not words:
        return 1.0
    return sum(map(is_syllable, words)) / len(words)


def tcvn3_to_unicode(text: str) -> str:
    """TCVN3 characters → NFC. Words typed in capitals (`.VnTimeH`) become capitals throughout."""
    converted = "".join(TCVN3_TO_UNICODE.get(c, c) for c in text)
    converted = _SOFT_HYPHEN_RE.sub(_restore_u_horn, converted)
    lines = (_capitalise_line(line) for line in converted.split("\n"))
    return unicodedata.normalize("NFC", "\n".join(lines))


# TCVN3's "ư" is byte 0xAD, the soft hyphen: PDF text extraction often returns it as "-"
# ("th-", "l-u", "tr-êng"). A hyphen inside a lower-case word that makes a syllable as "ư" is one.
_SOFT_HYPHEN_RE = re.compile(r"(?<![^\W\d_])([^\W\d_]*[^\W\d_A-ZĐ])-([^\W\d_]*)(?![^\W\d_])")


def _restore_u_horn(match: re.Match[str]) -> str:
    word = match.group(1) + "ư" + match.group(2)
    return word if is_syllable(word) else match.group(0)


_CAPS_WORD_RE = re.compile(r"[^\W\d_]+")


def _typed_case(word: str) -> tuple[int, bool]:
    """(letters whose case was typed, all of them capitals?): TCVN3 has no toned capitals, so
    only ASCII letters and the base capitals (Đ, Ă, …) tell how a word was typed."""
    typed = [c for c in word if c.isascii() or c.isupper()]
    return len(typed), bool(typed) and all(c.isupper() for c in typed)


def _capitalise_line(line: str) -> str:
    """Capitals where the word, or for a one-capital word ("Uỷ", "Vụ") its line, was typed in
    capitals: "Uû BAN NH©N D©N" is "UỶ BAN NHÂN DÂN", "Vô Tæ chøc" stays "Vụ Tổ chức"."""
    words = _CAPS_WORD_RE.findall(line)
    cases = [_typed_case(w) for w in words]
    # A line of capitals: some word with two typed capitals, and no word typed in lower case.
    caps_line = any(n >= 2 and upper for n, upper in cases) and all(
        upper for n, upper in cases if n
    )

    def capitalise(match: re.Match[str]) -> str:
        n, upper = _typed_case(match.group(0))
        return match.group(0).upper() if upper and (n >= 2 or caps_line) else match.group(0)

    return _CAPS_WORD_RE.sub(capitalise, line)


def vni_to_unicode(text: str) -> str:
    """VNI sequences → NFC letters."""
    return unicodedata.normalize("NFC", _VNI_RE.sub(lambda m: VNI_TO_UNICODE[m.group(0)], text))


def _cp1252_bytes() -> dict[str, int]:
    """Each character a Windows-1252 reader makes of a byte. The five bytes cp1252 leaves
    undefined (0x81 0x8D 0x8F 0x90 0x9D: in Đ = C4 90, Á = C3 81, Í = C3 8D, Ý = C3 9D,
    ờ = E1 BB 9D) come out as the C1 controls of the same number."""
    table = {}
    for byte in range(256):
        try:
            table[bytes([byte]).decode("cp1252")] = byte
        except UnicodeDecodeError:
            table[chr(byte)] = byte
    return table


_CP1252_BYTE = _cp1252_bytes()


def _chars(low: int, high: int) -> str:
    return "".join(re.escape(c) for c, b in _CP1252_BYTE.items() if low <= b <= high)


# One UTF-8 sequence as Windows-1252 shows it: a lead byte and its continuation bytes. Correct
# Vietnamese text never holds one: its Latin-1 letters (À … ý) are all lead-byte values.
_TAIL = f"[{_chars(0x80, 0xBF)}]"
_MISREAD_RE = re.compile(
    f"[{_chars(0xC2, 0xDF)}]{_TAIL}|[{_chars(0xE0, 0xEF)}]{_TAIL}{{2}}"
    f"|[{_chars(0xF0, 0xF4)}]{_TAIL}{{3}}"
)


def _undo_misread(match: re.Match[str]) -> str:
    try:
        return bytes(_CP1252_BYTE[c] for c in match.group(0)).decode("utf-8")
    except UnicodeDecodeError:
        return match.group(0)


def utf8_misread_to_unicode(text: str) -> str:
    """UTF-8 bytes that were decoded as Windows-1252 ("Cá»™ng") → the text they meant; each
    sequence on its own, so text misread only in part is repaired and correct text is kept."""
    return unicodedata.normalize("NFC", _MISREAD_RE.sub(_undo_misread, text))


_CONVERTERS = {
    "tcvn3": tcvn3_to_unicode,
    "vni": vni_to_unicode,
    "utf8_as_cp1252": utf8_misread_to_unicode,
}
# A conversion must make clearly more words Vietnamese than the text had as it was.
MIN_GAIN = 0.15
# Text without a suspect character and with this share of syllables is taken as Unicode.
FAST_PATH_SHARE = 0.9


@dataclass(frozen=True)
class Decoded:
    text: str  # NFC
    encoding: str  # "unicode", "tcvn3", "vni" or "utf8_as_cp1252"
    syllable_share: float


def to_unicode(text: str) -> Decoded:
    """Detect a legacy encoding and convert; Unicode text comes back unchanged (NFC)."""
    text = unicodedata.normalize("NFC", text)
    best = Decoded(text, "unicode", syllable_share(text))
    if _SUSPECT.isdisjoint(text) and (text.isascii() or best.syllable_share >= FAST_PATH_SHARE):
        return best  # nothing a legacy encoding would leave (VNI capitals can look valid)
    for name, convert in _CONVERTERS.items():
        converted = convert(text)
        share = syllable_share(converted)
        if share >= best.syllable_share + MIN_GAIN or (
            best.encoding != "unicode" and share > best.syllable_share
        ):
            best = Decoded(converted, name, share)
    return best


def decode_bytes(data: bytes) -> Decoded:
    """A plain-text file's bytes → NFC text: UTF-16 by its byte-order mark, UTF-8 (with or
    without BOM), else single-byte: Windows-1252 read through `to_unicode` (TCVN3 and VNI),
    or Windows-1258 when that makes clearly more words Vietnamese."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return to_unicode(data.decode("utf-16", errors="replace"))
    try:
        return to_unicode(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    legacy = to_unicode(data.decode("cp1252", errors="replace"))
    # Windows-1258 stores most toned letters as a base letter and a combining tone mark.
    cp1258 = unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    share = syllable_share(cp1258)
    # A tie on syllables (short words in capitals) goes to the reading with less mojibake.
    if share >= legacy.syllable_share + MIN_GAIN or (
        share >= legacy.syllable_share and suspect_share(cp1258) < suspect_share(legacy.text)
    ):
        return Decoded(cp1258, "cp1258", share)
    return legacy
