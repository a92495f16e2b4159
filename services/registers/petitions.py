"""Reading a citizen's letter (đơn thư): is it one, which category, who wrote it, whom it
accuses. Domain only; works on OCR text as on typed text (matching runs on a folded copy).

The petitioner's identity (name, address, ID number) is returned APART from the rest
(`Petition.identity`): it is restricted data, stored in its own table and never put into
metadata, events or the index (a denouncer's identity must be kept secret: Luật Tố cáo 2018
Điều 9.1.b, Điều 56).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from services.common.vntext import fold_keep_length, nfc, squash
from services.registers.deadlines import CATEGORIES

_TITLE_RE = re.compile(r"^\W*don\s+(khieu\s+nai|to\s+cao|kien\s+nghi|de\s+nghi|phan\s+anh)\b", re.I)
_TITLE_KIND = {
    "khieu nai": "don_khieu_nai",
    "to cao": "don_to_cao",
    "kien nghi": "don_kien_nghi",
    "de nghi": "don_kien_nghi",
    "phan anh": "don_phan_anh",
}
_KINH_GUI_RE = re.compile(r"^\W*kinh\s+gui\b", re.I)
_NAME_CUE_RE = re.compile(
    r"(?:toi\s+ten\s+la|ten\s+toi\s+la|toi\s+la|ho\s+va\s+ten|ho\s+ten"
    r"|nguoi\s+(?:khieu\s+nai|to\s+cao|kien\s+nghi|phan\s+anh|viet\s+don))\s*[:.]?\s*",
    re.I,
)
_ADDRESS_CUE_RE = re.compile(
    r"(?:tru\s+tai|cu\s+tru\s+tai|thuong\s+tru\s+tai|thuong\s+tru|dia\s+chi(?:\s+lien\s+he)?"
    r"|noi\s+o\s+hien\s+nay|cho\s+o\s+hien\s+nay)\s*[:.]?\s*",
    re.I,
)
_ID_RE = re.compile(
    r"(?:cccd|cmnd|can\s+cuoc(?:\s+cong\s+dan)?|chung\s+minh\s+(?:nhan\s+dan|thu)|so\s+dinh\s+danh"
    r"(?:\s+ca\s+nhan)?)\s*(?:so)?\s*[:.]?\s*(?P<id>\d(?:[\s.]?\d){8,11})(?!\d)",
    re.I,
)
_ACCUSED_LINE_RE = re.compile(r"nguoi\s+bi\s+(?:to\s+cao|khieu\s+nai)\s*[:.]?\s*", re.I)
_ACCUSED_INLINE_RE = re.compile(
    r"(?:to\s+cao|khieu\s+nai|doi\s+voi)\s+(?P<title>ong|ba|anh|chi)\s+", re.I
)
_ANONYMOUS_RE = re.compile(r"\b(nac\s+danh|giau\s+ten|khong\s+ghi\s+ten)\b", re.I)
# A name stops at the first word that is not a capitalised name word ("Nguyễn Văn A, sinh …").
_NAME_WORD_RE = re.compile(r"^[^\W\d_][^\W\d_]*\.?$")


@dataclass
class Petition:
    kind: str  # don_khieu_nai | don_to_cao | don_kien_nghi | don_phan_anh
    anonymous: bool
    accused: str | None
    identity: dict[str, Any] = field(default_factory=dict)  # restricted: name, address, id

    @property
    def category(self) -> str:
        return CATEGORIES[self.kind]

    @property
    def sealed(self) -> bool:
        """A denouncer's identity is sealed (Luật TC 2018 Điều 9.1.b)."""
        return self.kind == "don_to_cao"


def is_petition(text: str, kind: str | None, number_symbol: str | None) -> bool:
    """A letter: an "ĐƠN …" title (or a petition kind) with a "Kính gửi" and no số/ký hiệu."""
    folded = [fold_keep_length(line) for line in nfc(text).splitlines()[:60]]
    titled = (kind or "").startswith("don_") or any(_TITLE_RE.match(f) for f in folded)
    return titled and number_symbol is None and any(_KINH_GUI_RE.match(f) for f in folded)


def read_petition(text: str, kind: str | None = None) -> Petition:
    """Category, anonymity, accused party and the (restricted) identity of the writer."""
    lines = [squash(line) for line in nfc(text).splitlines()]
    folded = [fold_keep_length(line) for line in lines]
    kind = kind if (kind or "").startswith("don_") else _kind_from_title(folded)
    name = _after_cue(lines, folded, _NAME_CUE_RE, _name)
    address = _after_cue(lines, folded, _ADDRESS_CUE_RE, _address)
    id_number = next(
        (re.sub(r"\D", "", m.group("id")) for f in folded if (m := _ID_RE.search(f))), None
    )
    anonymous = name is None or any(_ANONYMOUS_RE.search(f) for f in folded[:15])
    identity = {"name": name, "address": address, "id_number": id_number}
    return Petition(kind, anonymous, _accused(lines, folded), identity)


def _kind_from_title(folded: list[str]) -> str:
    for f in folded[:30]:
        if m := _TITLE_RE.match(f):
            return _TITLE_KIND[" ".join(m.group(1).lower().split())]
    return "don_kien_nghi"


def _after_cue(lines: list[str], folded: list[str], cue: re.Pattern[str], take) -> str | None:
    for line, f in zip(lines, folded, strict=True):
        for m in cue.finditer(f):
            if value := take(line[m.end() :]):
                return value
    return None


def _name(rest: str) -> str | None:
    """Leading capitalised words: "Nguyễn Văn An, sinh năm 1970" → "Nguyễn Văn An"."""
    words = []
    for word in rest.replace(",", " , ").split():
        if not (_NAME_WORD_RE.match(word) and word[0].isupper()):
            break
        words.append(word.rstrip("."))
    return " ".join(words) if 2 <= len(words) <= 6 else None


def _address(rest: str) -> str | None:
    rest = re.split(r"\s*(?:[;.](?:\s|$)|,?\s+(?:số\s+)?(?:CCCD|CMND|điện thoại|ĐT)\b)", rest)[0]
    rest = rest.strip(" ,:.")
    return rest if len(rest) >= 3 else None


def _accused(lines: list[str], folded: list[str]) -> str | None:
    for line, f in zip(lines, folded, strict=True):
        if m := _ACCUSED_LINE_RE.search(f):
            value = re.split(r"[,;(]|\s+-\s+", line[m.end() :])[0].strip(" .:")
            if value:
                return value
    for line, f in zip(lines, folded, strict=True):
        if m := _ACCUSED_INLINE_RE.search(f):
            person = _name(line[m.end("title") + 1 :])
            if person:
                return f"{line[m.start('title') : m.end('title')]} {person}"
    return None


def redact(text: str, identity: dict[str, Any], mask: str = "[…]") -> str:
    """The text with the petitioner's name, address and ID number masked (Luật TC 2018 Điều
    56.2: remove them before the file goes to the people who verify it)."""
    for value in sorted(
        (v for v in identity.values() if isinstance(v, str) and v), key=len, reverse=True
    ):
        text = text.replace(value, mask)
    return text
