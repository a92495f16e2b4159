"""Post-OCR repair of số và ký hiệu: the confusions OCR makes inside a document's number and
symbol ("Số: l5/QD-UBND" → "Số: 15/QĐ-UBND"), checked against the known abbreviations.

Only the token after "Số"/"số" is touched, and only when the repaired symbol is made of known
parts (a number, then type and organ abbreviations the classification stage knows), so body
text is never rewritten. Each repair is reported so the raw text can be kept beside it.

Framework-free. The abbreviations are the classification stage's own tables (one source).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.classification.extract import (
    ORGAN_ACRONYMS,
    OTHER_ABBREVIATIONS,
    TYPE_ABBREVIATIONS,
)

# Issuer abbreviations seen after the type (NĐ 30 Phụ lục VI; Party: 66-QĐ/TW): committees
# ("TU" tỉnh ủy, "HU" huyện ủy, "ĐU" đảng ủy), offices and boards, besides the classifier's.
_ISSUERS = frozenset(
    {*ORGAN_ACRONYMS, "TU", "HU", "QU", "TXU", "ĐU", "ĐĐ", "VPTU", "VPTW", "BTC", "BTG",
     "BDV", "UBKT", "BNV", "VP", "TTg", "CP", "BCĐ", "STC", "SNV", "NV"}
)  # fmt: skip
KNOWN_PARTS = frozenset(TYPE_ABBREVIATIONS) | OTHER_ABBREVIATIONS | _ISSUERS | {"TT"}
# Đ read as D, and the reverse, is the usual confusion: index the known parts by both.
_BY_FOLDED: dict[str, str] = {}
for _part in sorted(KNOWN_PARTS):
    _BY_FOLDED.setdefault(_part.upper().replace("Đ", "D"), _part)

# "Số" as OCR reads it ("Sô", "S6", "So"), then an optional colon.
_SO_RE = re.compile(r"(?<![^\W\d_])[Ss][ốôoóồ6]\s*[:.]?\s*(?=[0-9lIO|])")
_TOKEN_RE = re.compile(r"\s*(?:(?P<join>[-/–])|(?P<word>[^\s\-/–,;:()]+))")
_NUMBER_RE = re.compile(r"[0-9lIO|]+")
_DIGIT_LOOKALIKES = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0"})
_LETTER_LOOKALIKES = str.maketrans({"0": "O", "1": "I"})


@dataclass(frozen=True)
class Repair:
    line: int  # 0-based line of the page text
    before: str
    after: str


def _known(piece: str) -> str | None:
    if piece in KNOWN_PARTS:
        return piece
    folded = piece.upper().replace("Đ", "D")
    return _BY_FOLDED.get(folded) or _BY_FOLDED.get(folded.translate(_LETTER_LOOKALIKES))


def _split_joined(piece: str) -> list[str] | None:
    """ "QĐUBND" → ["QĐ", "UBND"]: two known parts printed without their hyphen."""
    for cut in range(1, len(piece)):
        head, tail = _known(piece[:cut]), _known(piece[cut:])
        if head and tail and head in TYPE_ABBREVIATIONS:
            return [head, tail]
    return None


def _tokens(text: str, start: int) -> list[tuple[str, str, int]]:
    """("join" | "word", value, end offset) from `start` while the text is symbol-like."""
    out = []
    while m := _TOKEN_RE.match(text, start):
        kind = "join" if m.group("join") else "word"
        out.append((kind, m.group(kind).replace("–", "-"), m.end()))
        start = m.end()
    return out


def _symbol_at(text: str, start: int) -> tuple[str, int] | None:
    """The repaired symbol starting at `start` and where it ends, if it is one."""
    tokens = _tokens(text, start)
    if (
        not tokens
        or not _NUMBER_RE.fullmatch(tokens[0][1])
        or not any(c.isdigit() for c in tokens[0][1])
    ):
        return None
    parts: list[str] = []
    joins: list[str | None] = []
    pending: str | None = None
    end = tokens[0][2]
    for kind, value, token_end in tokens[1:]:
        if kind == "join":
            if pending:
                break
            pending = value
            continue
        known = [p] if (p := _known(value)) else _split_joined(value)
        if not known:
            break
        joins += [pending, *["-"] * (len(known) - 1)]
        parts += known
        pending, end = None, token_end
    explicit = joins[:1] != [None]
    if not parts or (len(parts) == 1 and not explicit):
        return None  # "số 10 CT" in prose is not a symbol
    return _assemble(tokens[0][1].translate(_DIGIT_LOOKALIKES), parts, joins), end


def _assemble(number: str, parts: list[str], joins: list[str | None]) -> str:
    """Fill missing joiners: Party form is number-type/organ, state form number/type-organ."""
    first = joins[0] or ("-" if "/" in joins[1:] else "/")
    inner = "/" if first == "-" else "-"
    out = number + first + parts[0]
    for join, part in zip(joins[1:], parts[1:], strict=True):
        out += (join or inner) + part
    return out


def repair_symbols(text: str) -> tuple[str, list[Repair]]:
    """The text with its số và ký hiệu repaired, and the repairs made (none: text unchanged)."""
    lines = text.split("\n")
    repairs: list[Repair] = []
    for i, line in enumerate(lines):
        for m in reversed(list(_SO_RE.finditer(line))):
            found = _symbol_at(line, m.end())
            if found is None:
                continue
            fixed, end = found
            before = line[m.end() : end]
            if fixed != before:
                line = line[: m.end()] + fixed + line[end:]
                repairs.append(Repair(i, before, fixed))
        lines[i] = line
    return "\n".join(lines), repairs
