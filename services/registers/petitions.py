"""Reading a citizen's letter (đơn thư): is it one, which category, who wrote it, whom it
accuses. Domain only; works on OCR text as on typed text (matching runs on a folded copy).

The petitioner's identity (names, addresses, ID numbers, phones, e-mails, births: see
`writer_identity`) is returned APART from the rest (`Petition.identity`): it is restricted
data, stored in its own table and never put into metadata, events or the index (a denouncer's
identity must be kept secret: Luật Tố cáo 2018 Điều 9.1.b, Điều 56).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from services.common.vntext import fold, fold_keep_length, nfc, squash
from services.common.vocabulary import KIND_LABELS, PETITION_KINDS
from services.registers.deadlines import CATEGORIES
from services.registers.working_copy import mask_identity
from services.registers.writer_identity import has_signature_block, parse_name, read_identity

_CATEGORY = r"(khieu\s+nai|to\s+cao|kien\s+nghi|de\s+nghi|phan\s+anh)"
_TITLE_RE = re.compile(rf"^\W*don\s+{_CATEGORY}\b", re.I)
# "ĐƠN KHIẾU NẠI, TỐ CÁO", "ĐƠN TỐ CÁO, KHIẾU NẠI", "ĐƠN KHIẾU NẠI - TỐ CÁO", "… VÀ TỐ CÁO".
_TITLE_ALSO_RE = re.compile(rf"\s*(?:,|-|–|/|&|va)?\s*{_CATEGORY}\b", re.I)
# "khieu nai" → don_khieu_nai …, from the kinds' names; a đơn đề nghị is a kiến nghị.
_TITLE_KIND = {
    **{fold(KIND_LABELS[kind]).removeprefix("don "): kind for kind in PETITION_KINDS},
    "de nghi": "don_kien_nghi",
}
_KINH_GUI_RE = re.compile(r"^\W*kinh\s+gui\b", re.I)
_ACCUSED_LINE_RE = re.compile(r"nguoi\s+bi\s+(?:to\s+cao|khieu\s+nai)\s*[:.]?\s*", re.I)
_ACCUSED_INLINE_RE = re.compile(
    r"(?:to\s+cao|khieu\s+nai|doi\s+voi)\s+(?P<title>ong|ba|anh|chi)\s+", re.I
)
_ANONYMOUS_RE = re.compile(r"\b(nac\s+danh|giau\s+ten|khong\s+ghi\s+ten)\b", re.I)
# "khiếu nại lần hai", "khiếu nại lần 2", "khiếu nại lần thứ hai" (Luật KN 2011 Điều 37).
_SECOND_RE = re.compile(r"\bkhieu\s+nai\s+lan\s+(?:thu\s+)?(?:hai|2)\b", re.I)
# What we know of the writer: named; anonymous (no name, no signature, nothing that
# identifies, or "giấu tên"); or signed without a name the reader could read.
NAMED, ANONYMOUS, TO_CONFIRM = "named", "anonymous", "to_confirm"


@dataclass
class Petition:
    kind: str  # don_khieu_nai | don_to_cao | don_kien_nghi | don_phan_anh
    writer: str  # NAMED | ANONYMOUS | TO_CONFIRM
    accused: str | None
    identity: dict[str, Any] = field(default_factory=dict)  # restricted: see writer_identity
    denounces: bool = False  # the title also names a tố cáo ("ĐƠN KHIẾU NẠI, TỐ CÁO")
    instance: int = 1  # a complaint's first (1) or second (2) time (Luật KN 2011 Điều 37)
    complains: bool = False  # the title names a khiếu nại ("ĐƠN TỐ CÁO, KHIẾU NẠI")

    @property
    def anonymous(self) -> bool:
        return self.writer == ANONYMOUS

    @property
    def category(self) -> str:
        return CATEGORIES[self.kind]

    @property
    def complaint_and_denunciation(self) -> bool:
        """The title names both, in either order: a Party body resolves the complaint only
        (Hướng dẫn 02-HD/TW)."""
        return self.complains and self.denounces

    @property
    def sealed(self) -> bool:
        return is_denunciation(self.kind, self.denounces)


def is_denunciation(kind: str, title_denounces: bool) -> bool:
    """A tố cáo, or a letter whose title also denounces (Hướng dẫn 02-HD/TW: a letter may be
    both): its writer's identity is sealed (Luật TC 2018 Điều 9.1.b, 56)."""
    return kind == "don_to_cao" or title_denounces


def is_petition(text: str, kind: str | None, number_symbol: str | None) -> bool:
    """A letter: an "ĐƠN …" title (or a petition kind) with a "Kính gửi" and no số/ký hiệu."""
    folded = [fold_keep_length(line) for line in nfc(text).splitlines()[:60]]
    titled = (kind or "").startswith("don_") or any(_TITLE_RE.match(f) for f in folded)
    return titled and number_symbol is None and any(_KINH_GUI_RE.match(f) for f in folded)


def read_petition(text: str, kind: str | None = None) -> Petition:
    """Category, anonymity, accused party and the (restricted) identity of the writer(s)."""
    lines = [squash(line) for line in nfc(text).splitlines()]
    folded = [fold_keep_length(line) for line in lines]
    titled = _title_categories(folded)
    kind = kind if (kind or "").startswith("don_") else _TITLE_KIND.get(titled[0], "don_kien_nghi")
    identity = read_identity(text)
    instance = (
        2 if kind == "don_khieu_nai" and any(_SECOND_RE.search(f) for f in folded[:40]) else 1
    )
    title_denounces = "to cao" in titled
    return Petition(
        kind,
        _writer(text, folded, identity, is_denunciation(kind, title_denounces)),
        _accused(lines, folded),
        identity,
        title_denounces,
        instance,
        "khieu nai" in titled,
    )


def _writer(text: str, folded: list[str], identity: dict[str, Any], denunciation: bool) -> str:
    """A letter that says it hides its writer is anonymous; a signed one, or one giving an
    address, phone or ID, whose name could not be read is never silently anonymous: it goes to
    the desk as "identity to confirm" (Luật TC 2018 Điều 25 decides on who wrote it). So does
    a named tố cáo whose address was not read: Điều 25 also leaves one without a clear address
    unhandled as a tố cáo, and a reader may miss an address the letter gives."""
    if identity["name"]:
        return TO_CONFIRM if denunciation and not identity["details"].get("addresses") else NAMED
    if any(_ANONYMOUS_RE.search(f) for f in folded[:15]):
        return ANONYMOUS
    traces = any(
        identity["details"].get(k) for k in ("addresses", "id_numbers", "phones", "emails")
    )
    return TO_CONFIRM if traces or has_signature_block(text) else ANONYMOUS


def _title_categories(folded: list[str]) -> list[str]:
    """The categories the title names, in order: "ĐƠN KHIẾU NẠI, TỐ CÁO" → both."""
    for f in folded[:30]:
        if m := _TITLE_RE.match(f):
            found = [m.group(1)]
            while more := _TITLE_ALSO_RE.match(f, m.end()):
                found.append(more.group(1))
                m = more
            return [" ".join(c.lower().split()) for c in found]
    return [""]


def _accused(lines: list[str], folded: list[str]) -> str | None:
    for line, f in zip(lines, folded, strict=True):
        if m := _ACCUSED_LINE_RE.search(f):
            value = re.split(r"[,;(]|\s+-\s+", line[m.end() :])[0].strip(" .:")
            if value:
                return value
    for line, f in zip(lines, folded, strict=True):
        if m := _ACCUSED_INLINE_RE.search(f):
            person = parse_name(line[m.end("title") + 1 :])
            if person:
                return f"{line[m.start('title') : m.end('title')]} {person}"
    return None


def redact(text: str, identity: dict[str, Any], mask: str = "[…]") -> str:
    """The text with the petitioner's identity masked (Luật TC 2018 Điều 56.2: remove it
    before the file goes to the people who verify it)."""
    return mask_identity(text, identity, mask)
