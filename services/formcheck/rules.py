"""The rules of form (thể thức) a draft is checked against, each with a stable code and its
source. Framework-free: `check_draft(draft, style)` → findings.

State documents: Nghị định 30/2020/NĐ-CP, Điều 8 and Phụ lục I (read in full, see
/docs/formcheck.md). Party documents: Hướng dẫn 36-HD/VPTW, known only from secondary
summaries; a Party rule is checked only where such a summary gives the figure, and the rest
(body size, margins, page numbers, the foot's sizes) is not checked rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.classification.extract import Part, read_parts
from services.classification.signature import read_signature
from services.common import vocabulary
from services.common.vntext import fold_keep_length, normalize_tones, squash
from services.formcheck.draft import Draft, Line

STYLES = ("state", "party")

ND30 = "Nghị định 30/2020/NĐ-CP"
HD36 = "Hướng dẫn 36-HD/VPTW (theo bản tóm tắt; chưa đọc được bản gốc)"


@dataclass(frozen=True)
class Finding:
    rule: str
    part: str
    line: Line | None
    index: int | None  # 1-based line of the draft
    message: str
    source: str
    warning: bool = False

    def as_dict(self) -> dict[str, Any]:
        where = {"part": self.part, "page": self.line.page if self.line else None}
        where["line"] = self.index
        return {"rule": self.rule, "where": where, "message": self.message, "source": self.source}


@dataclass(frozen=True)
class Spec:
    """Size range in points and styles a part must have (None: not fixed)."""

    low: float
    high: float
    bold: bool | None = None
    italic: bool | None = None


# NĐ 30/2020 Phụ lục I, Phần I, II.1–II.9 (cỡ và kiểu chữ of each part).
STATE_TYPOGRAPHY = {
    "national_name": (Spec(12, 13, bold=True), "Phụ lục I, II.1"),
    "motto": (Spec(13, 14, bold=True), "Phụ lục I, II.1"),
    "organ_parent": (Spec(12, 13, bold=False), "Phụ lục I, II.2"),
    "organ": (Spec(12, 13, bold=True), "Phụ lục I, II.2"),
    "number_symbol": (Spec(13, 13, bold=False), "Phụ lục I, II.3"),
    "issued_date": (Spec(13, 14, italic=True), "Phụ lục I, II.4"),
    "title": (Spec(13, 14, bold=True), "Phụ lục I, II.5"),
    "subject": (Spec(13, 14, bold=True), "Phụ lục I, II.5"),
    "vv": (Spec(12, 13, bold=False, italic=False), "Phụ lục I, II.5.b"),
    "body": (Spec(13, 14), "Phụ lục I, II.6"),
    "signer_block": (Spec(13, 14, bold=True), "Phụ lục I, II.7"),
    "signer": (Spec(13, 14, bold=True), "Phụ lục I, II.7"),
    "recipients": (Spec(12, 12, bold=True, italic=True), "Phụ lục I, II.9"),
    "recipients_items": (Spec(11, 11, bold=False), "Phụ lục I, II.9"),
}
# 36-HD/VPTW as summarised (docs/formcheck.md): the header only.
PARTY_TYPOGRAPHY = {
    "party_name": (Spec(15, 15, bold=True), "II (tiêu đề “ĐẢNG CỘNG SẢN VIỆT NAM”)"),
    "organ_parent": (Spec(14, 14, bold=False), "II (tên cơ quan ban hành)"),
    "organ": (Spec(14, 14, bold=True), "II (tên cơ quan ban hành)"),
    "number_symbol": (Spec(14, 14, bold=False), "II (số và ký hiệu)"),
    "issued_date": (Spec(14, 14, italic=True), "II (địa điểm, ngày tháng)"),
    "title": (Spec(15, 16, bold=True), "II (tên loại văn bản)"),
    "subject": (Spec(14, 15, bold=True), "II (trích yếu)"),
    "vv": (Spec(12, 12, italic=True), "II (trích yếu công văn)"),
}

# Type abbreviation a symbol must carry for the kind its title names.
# NĐ 30/2020 Phụ lục III, I; 36-HD/VPTW (summary) for the Party (Quy định is "QĐ": 66-QĐ/TW).
STATE_ABBREVIATIONS = vocabulary.STATE_ABBREVIATIONS
PARTY_ABBREVIATIONS = vocabulary.PARTY_ABBREVIATIONS

# Phụ lục I, II.3: "Số:", a slash before the symbol, hyphens inside it, no spaces.
_STATE_SYMBOL_RE = re.compile(r"^\d+/[^\W_]+(?:-[^\W_]+)+$")
# 36-HD/VPTW II.1.3 (summary): number, hyphen, type, slash, issuer ("Số 36-HD/VPTW").
_PARTY_SYMBOL_RE = re.compile(r"^\d+-[^\W_]+/[^\W_]+(?:-[^\W_]+)*$")
_DATE_WORDS_RE = re.compile(r"ngay\s+(\d+)\s+thang\s+(\d+)\s+nam\s+(\d{4})", re.IGNORECASE)
_STATE_FORMS = ("TM.", "KT.", "TL.", "TUQ.", "Q.")
_PARTY_FORMS = ("T/M", "K/T", "T/L")
# Phụ lục I, II.1: the national name and motto exactly (either tone placement).
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"

# Phụ lục I, I.1 and I.3: A4; margins top/bottom 20–25, left 30–35, right 15–20 mm.
A4 = (210.0, 297.0)
PAGE_TOLERANCE_MM = 2.0
STATE_MARGINS = {"top": (20, 25), "bottom": (20, 25), "left": (30, 35), "right": (15, 20)}
MARGIN_TOLERANCE_MM = 1.0


class Located:
    """The draft's parts found by the extractor's reader, as line indices into the draft."""

    def __init__(self, draft: Draft):
        self.draft = draft
        self.parts = read_parts(draft.text)
        lines = [line.text for line in draft.lines]
        self.signature = read_signature(lines)
        self.lines_of: dict[str, list[int]] = self._locate()

    def line(self, name: str) -> int | None:
        part = self.parts.get(name)
        return part.line if part is not None and part.line >= 0 else None

    def _locate(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for name in ("national_name", "motto", "party_name", "number_symbol", "title", "vv"):
            if (i := self.line(name)) is not None:
                found[name] = [i]
        if (i := self.line("issued_date")) is not None and self.parts["issued_place"]:
            found["issued_date"] = [i]
        if self.line("title") is not None:
            found["subject"] = self._subject_lines()
        title = {*found.get("title", []), *found.get("subject", [])}
        found.update(self._organ_lines(title))
        found.update(self._foot_lines())
        found["body"] = self._body_lines(found)
        return {k: v for k, v in found.items() if v}

    def _organ_lines(self, title: set[int]) -> dict[str, list[int]]:
        """The organ block's lines; never the title's, even when it was printed above."""
        organ, parent = self.parts["organ"], self.parts["organ_parent"]
        stop = min(
            (i for i in (self.line("number_symbol"), self.line("vv")) if i is not None),
            default=8,
        )
        if organ is None:
            return {}
        key, parent_key = _key(organ.value), _key(parent.value) if parent else None
        found: dict[str, list[int]] = {"organ": [], "organ_parent": []}
        for i, line in enumerate(self.draft.lines[:stop]):
            text = "" if i in title else _key(line.text)
            if parent_key and text == parent_key:
                found["organ_parent"].append(i)
            elif text and text in key:
                found["organ"].append(i)
        return found

    def _foot_lines(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        block, name = self.line("signer_block"), self.line("signer")
        if block is not None:
            end = name if name is not None else min(block + 3, len(self.draft.lines))
            found["signer_block"] = [
                i for i in range(block, end) if _caps(self.draft.lines[i].text)
            ]
        if name is not None:
            found["signer"] = [name]
        if (i := self.line("recipients")) is not None:
            found["recipients"] = [i]
            found["recipients_items"] = [
                j
                for j in range(i + 1, min(i + 15, len(self.draft.lines)))
                if self.draft.lines[j].text.lstrip().startswith(("-", "–", "+"))
            ]
        return found

    def _subject_lines(self) -> list[int]:
        title = self.parts["title"]
        subject = self.parts["subject"]
        if subject is None or title.value[1]:
            return []
        words = _key(subject.value)
        lines = []
        for i in range(title.line + 1, min(title.line + 6, len(self.draft.lines))):
            text = _key(self.draft.lines[i].text)
            if not text or text not in words:
                break
            lines.append(i)
        return lines

    def _body_lines(self, found: dict[str, list[int]]) -> list[int]:
        header = [i for k in _HEADER_PARTS for i in found.get(k, [])]
        foot = [self.line(k) for k in ("recipients", "signer_block")]
        start = max(header, default=-1) + 1
        end = min((i for i in foot if i is not None), default=len(self.draft.lines))
        return [i for i in range(start, end) if len(self.draft.lines[i].text) > 1]


# Parts printed above the body: the body starts under the lowest of them.
_HEADER_PARTS = (
    "national_name",
    "motto",
    "party_name",
    "organ_parent",
    "organ",
    "number_symbol",
    "issued_date",
    "title",
    "subject",
    "vv",
)


def _key(text: str) -> str:
    return squash(fold_keep_length(text).upper().replace("*", ""))


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _finding(
    located: Located, rule: str, part: str, index: int | None, message: str, source: str, **kw
) -> Finding:
    line = located.draft.lines[index] if index is not None else None
    return Finding(rule, part, line, None if index is None else index + 1, message, source, **kw)


# --- the parts and their order ---------------------------------------------------------------

_PART_NAMES = {
    "organ": "tên cơ quan, tổ chức ban hành / issuing organ",
    "number_symbol": "số và ký hiệu / number and symbol",
    "issued_date": "địa danh và thời gian ban hành / place and date",
    "title": "tên loại và trích yếu / type and summary",
    "signature": "chức vụ, họ tên người ký / signer's position and name",
    "recipients": "nơi nhận / recipients",
}


# The heading each style prints at the top right: (rule, part, lines it needs, message, source).
_HEADINGS = {
    "state": (
        "parts.quoc_hieu",
        "national_name",
        ("national_name", "motto"),
        "Thiếu Quốc hiệu và Tiêu ngữ / National name and motto missing",
        f"{ND30}, Điều 8.1; Phụ lục I, II.1",
    ),
    "party": (
        "parts.party_name",
        "party_name",
        ("party_name",),
        "Thiếu tiêu đề “ĐẢNG CỘNG SẢN VIỆT NAM” / Party name missing",
        f"{HD36}, II",
    ),
}


def _presence(located: Located, style: str) -> list[Finding]:
    """Each part the form requires (NĐ 30 Điều 8; 36-HD/VPTW II) is printed."""
    found = located.lines_of
    source = f"{ND30}, Điều 8" if style == "state" else f"{HD36}, II"
    present = {
        "organ": "organ" in found,
        "number_symbol": "number_symbol" in found,
        "issued_date": "issued_date" in found,
        "title": _has_title(located) or "vv" in found,
        "signature": "signer" in found or located.signature.form is not None,
        "recipients": "recipients" in found,
    }
    findings = [
        _finding(located, f"parts.{name}", name, None, f"Thiếu {label}", source)
        for name, label in _PART_NAMES.items()
        if not present[name]
    ]
    rule, part, needs, message, heading_source = _HEADINGS[style]
    if not all(name in found for name in needs):
        findings.append(_finding(located, rule, part, None, message, heading_source))
    return findings


def _has_title(located: Located) -> bool:
    """A title line; "QUYẾT ĐỊNH:" above the articles announces them and is no title."""
    i = located.line("title")
    return i is not None and not located.draft.lines[i].text.rstrip().endswith(":")


def _order(located: Located, style: str) -> list[Finding]:
    """The header (number, place and date) comes before the title; the foot after it."""
    title = located.line("title")
    if title is None:
        return []
    before = [located.line(k) for k in ("number_symbol", "issued_date")]
    after = [located.line(k) for k in ("signer_block", "recipients")]
    wrong = any(i is not None and i > title for i in before) or any(
        i is not None and i < title for i in after
    )
    if not wrong:
        return []
    source = f"{ND30}, Điều 8; Phụ lục I, I.6" if style == "state" else f"{HD36}, II"
    message = (
        "Thứ tự các thành phần sai: số, ký hiệu và ngày tháng phải ở trên tên loại văn bản, "
        "chữ ký và nơi nhận ở dưới / Parts out of order"
    )
    return [_finding(located, "parts.order", "title", title, message, source)]


# --- the spelling of each part ---------------------------------------------------------------


_COLON_RE = re.compile(r"^\W*S[ốo]\s*:")
_COLON = "Sau chữ “Số” phải có dấu hai chấm (“Số:”) / “Số” takes a colon"
_PARTY_COLON = (
    "Văn bản của Đảng in “Số” không có dấu hai chấm (chưa xác nhận từ bản gốc) / "
    "Party headers print “Số” without a colon"
)
_ZERO = "Số nhỏ hơn 10 phải ghi thêm số 0 phía trước (05) / Numbers below 10 take a leading zero"


def _number(located: Located, style: str) -> list[Finding]:
    i = located.line("number_symbol")
    if i is None:
        return []
    part = located.parts["number_symbol"]
    colon = bool(_COLON_RE.match(located.draft.lines[i].text[part.col :]))
    spelled = _state_number if style == "state" else _party_number
    return spelled(located, i, part.value, colon) + _symbol_type(located, style, part.value, i)


def _state_number(located: Located, i: int, symbol: str, colon: bool) -> list[Finding]:
    """ "Số: 05/QĐ-UBND" (NĐ 30 Phụ lục I, II.3; a leading zero below 10, II.3.c)."""
    source = f"{ND30}, Phụ lục I, II.3"
    findings = [] if colon else [_at_number(located, i, "number.colon", _COLON, source)]
    if not _STATE_SYMBOL_RE.match(symbol):
        return [*findings, _pattern(located, i, symbol, "15/QĐ-UBND", source)]
    if int(symbol.split("/")[0]) < 10 and not symbol.startswith("0"):
        findings.append(_at_number(located, i, "number.leading_zero", _ZERO, f"{source}.c"))
    return findings


def _party_number(located: Located, i: int, symbol: str, colon: bool) -> list[Finding]:
    """ "Số 15-NQ/TU" (36-HD/VPTW II.1.3, summary); a colon only warned of (not confirmed)."""
    source = f"{HD36}, II.1.3"
    findings = []
    if not _PARTY_SYMBOL_RE.match(symbol):
        findings.append(_pattern(located, i, symbol, "15-NQ/TU", source))
    if colon:
        findings.append(_at_number(located, i, "number.colon", _PARTY_COLON, source, warning=True))
    return findings


def _at_number(located: Located, i: int, rule: str, message: str, source: str, **kw) -> Finding:
    return _finding(located, rule, "number_symbol", i, message, source, **kw)


def _pattern(located: Located, i: int, symbol: str, example: str, source: str) -> Finding:
    message = (
        f"Số và ký hiệu “{symbol}” sai mẫu, phải như “{example}” / Symbol does not follow "
        f"the pattern {example}"
    )
    return _finding(located, "number.pattern", "number_symbol", i, message, source)


def _symbol_type(located: Located, style: str, symbol: str, i: int) -> list[Finding]:
    """The type abbreviation in the symbol names the type in the title."""
    title = located.parts["title"]
    if title is None:
        return []
    table = STATE_ABBREVIATIONS if style == "state" else PARTY_ABBREVIATIONS
    expected = table.get(title.value[0])
    if style == "state":
        m = re.match(r"^\d+/([^\W_]+)-", symbol)
        source = f"{ND30}, Phụ lục III, I"
    else:
        m = re.match(r"^\d+-([^\W_]+)/", symbol)
        source = f"{HD36}, II.1.3"
    if expected is None or m is None or m.group(1) == expected:
        return []
    message = (
        f"Ký hiệu “{m.group(1)}” không khớp tên loại văn bản, phải là “{expected}” / "
        f"Type abbreviation should be {expected}"
    )
    return [_finding(located, "number.type", "number_symbol", i, message, source)]


def _date(located: Located, style: str) -> list[Finding]:
    i = located.line("issued_date")
    if i is None:
        return []
    m = _DATE_WORDS_RE.search(fold_keep_length(located.draft.lines[i].text))
    if m is None:
        return []
    day, month = m.group(1), m.group(2)
    wants_day = day.zfill(2) if int(day) < 10 else str(int(day))
    wants_month = month.zfill(2) if int(month) <= 2 else str(int(month))
    if (day, month) == (wants_day, wants_month):
        return []
    source = f"{ND30}, Phụ lục I, II.4" if style == "state" else f"{HD36}, II"
    message = (
        f"Ghi “ngày {wants_day} tháng {wants_month}”: ngày dưới 10 và tháng 1, 2 có số 0 phía "
        "trước, các tháng khác thì không / Day below 10 and months 1–2 take a leading zero"
    )
    return [_finding(located, "date.leading_zero", "issued_date", i, message, source)]


def _capitals(located: Located, style: str) -> list[Finding]:
    findings = []
    i = located.line("title")
    if i is not None and not _caps(located.draft.lines[i].text):
        source = f"{ND30}, Phụ lục I, II.5" if style == "state" else f"{HD36}, II"
        findings.append(
            _finding(
                located,
                "title.caps",
                "title",
                i,
                "Tên loại văn bản phải in hoa / Document type in capitals",
                source,
            )
        )
    return findings + _fixed_lines(located, style)


def _fixed_lines(located: Located, style: str) -> list[Finding]:
    """The national name and motto (state) or the Party's name, exactly as prescribed."""
    if style == "state":
        expected = {"national_name": NATIONAL_NAME, "motto": MOTTO}
        source = f"{ND30}, Phụ lục I, II.1"
    else:
        expected = {"party_name": PARTY_NAME}
        source = f"{HD36}, II"
    findings = []
    for part, wanted in expected.items():
        i = located.line(part)
        if i is None:
            continue
        printed = squash(located.draft.lines[i].text.replace("–", "-"))
        if normalize_tones(printed) != normalize_tones(wanted):
            message = f"Phải ghi đúng “{wanted}” / Must read exactly “{wanted}”"
            findings.append(_finding(located, f"{part}.spelling", part, i, message, source))
    return findings


def _marks(located: Located, style: str) -> list[Finding]:
    """A secrecy or urgency mark, where present, in capitals as the stamps print it ("MẬT",
    "KHẨN", "HỎA TỐC"): NĐ 30 Phụ lục I, III.2.b (state); 36-HD/VPTW (Party)."""
    findings = []
    for name in ("secrecy", "urgency"):
        i = located.line(name)
        if i is None or located.parts[name].value is None:
            continue
        if not _caps(located.draft.lines[i].text):
            source = f"{ND30}, Phụ lục I, III.2.b" if style == "state" else f"{HD36}, II"
            message = "Dấu chỉ mức độ mật, khẩn phải in hoa / Secrecy and urgency marks in capitals"
            findings.append(_finding(located, "marks.caps", name, i, message, source))
    return findings


def _signing_form(located: Located, style: str) -> list[Finding]:
    form = located.signature.form
    allowed = _STATE_FORMS if style == "state" else _PARTY_FORMS
    if form is None or form in allowed:
        return []
    source = f"{ND30}, Phụ lục I, II.7" if style == "state" else f"{HD36}, II"
    message = (
        f"Quyền hạn ký “{form}” sai kiểu, dùng {', '.join(allowed)} / Signing form "
        f"must be one of {', '.join(allowed)}"
    )
    return [
        _finding(
            located, "signature.form", "signer_block", located.line("signing_form"), message, source
        )
    ]


# --- typography ------------------------------------------------------------------------------


def _typography(located: Located, style: str) -> list[Finding]:
    table = STATE_TYPOGRAPHY if style == "state" else PARTY_TYPOGRAPHY
    prefix = f"{ND30}, " if style == "state" else f"{HD36}, "
    findings = []
    for part, (spec, source) in table.items():
        for i in located.lines_of.get(part, []):
            if finding := _line_typography(located, part, i, spec, prefix + source):
                findings.append(finding)
                break  # one finding per part
    return findings


def _line_typography(located: Located, part: str, i: int, spec: Spec, source: str):
    line = located.draft.lines[i]
    if line.size is not None and not spec.low - 0.25 <= line.size <= spec.high + 0.25:
        wanted = f"{spec.low:g}" if spec.low == spec.high else f"{spec.low:g}–{spec.high:g}"
        message = f"Cỡ chữ {line.size:g} sai, phải {wanted} / Font size should be {wanted} pt"
        return _finding(located, "typography.size", part, i, message, source)
    for attribute, wanted, name in (("bold", spec.bold, "đậm"), ("italic", spec.italic, "nghiêng")):
        if wanted is not None and getattr(line, attribute) != wanted:
            verb = "phải" if wanted else "không được"
            message = (
                f"Kiểu chữ sai: {verb} {name} / Should {'' if wanted else 'not '}be {attribute}"
            )
            return _finding(located, "typography.style", part, i, message, source)
    return None


_TIMES = {"timesnewroman", "times"}
# Metric-compatible with Times New Roman: the printed page is the same (docs/formcheck.md).
_TIMES_EQUIVALENTS = {"liberationserif", "tinos", "nimbusroman", "nimbusromno9l"}


def font_key(name: str) -> str:
    """ "TimesNewRomanPS-BoldMT", "Times New Roman", "LiberationSerifBold" → family key."""
    key = re.sub(r"[^a-z0-9.]", "", name.lower())
    key = re.sub(r"(psmt|ps|mt)$", "", key)
    key = re.sub(r"(bold|italic|oblique|regular|semibold|medium)+(psmt|mt)?$", "", key)
    return re.sub(r"(psmt|ps|mt)$", "", key)


def _fonts(located: Located, style: str) -> list[Finding]:
    """Times New Roman, Unicode TCVN 6909:2001 (NĐ 30 Phụ lục I, I.4; 36-HD/VPTW)."""
    source = f"{ND30}, Phụ lục I, I.4" if style == "state" else f"{HD36}, I"
    first: dict[str, tuple[str, int]] = {}  # family key → (name as printed, first line)
    for i, line in enumerate(located.draft.lines):
        for font in sorted(line.fonts):
            first.setdefault(font_key(font), (font, i))
    findings = []
    for key, (font, i) in first.items():
        if key in _TIMES:
            continue
        if key in _TIMES_EQUIVALENTS:
            message = (
                f"Phông “{font}” cùng số đo với Times New Roman; bản chính thức nên dùng Times "
                f"New Roman / “{font}” is metric-compatible with Times New Roman"
            )
            findings.append(
                _finding(located, "font.substitute", "font", i, message, source, warning=True)
            )
            continue
        legacy = key.startswith((".vn", "vni"))
        message = (
            f"Phông “{font}” không đúng: dùng Times New Roman, bộ mã Unicode TCVN 6909:2001"
            + (" (đây là phông mã cũ TCVN3/VNI)" if legacy else "")
            + " / Use Times New Roman (Unicode)"
        )
        findings.append(_finding(located, "font.family", "font", i, message, source))
    return findings


def _page(located: Located, style: str) -> list[Finding]:
    draft = located.draft
    findings = []
    page = draft.pages[0]
    size_source = f"{ND30}, Phụ lục I, I.1" if style == "state" else f"{HD36}, I"
    if any(
        abs(a - b) > PAGE_TOLERANCE_MM
        for a, b in zip((page.width_mm, page.height_mm), A4, strict=True)
    ):
        message = (
            f"Khổ giấy {page.width_mm:g} × {page.height_mm:g} mm, phải A4 (210 × 297 mm) / "
            "Paper must be A4"
        )
        findings.append(_finding(located, "page.size", "page", None, message, size_source))
    if style == "state":
        findings += _margins(located, page) + _page_numbers(located)
    return findings


def _margins(located: Located, page) -> list[Finding]:
    exact = located.draft.margins_exact
    wrong = []
    for side, (low, high) in STATE_MARGINS.items():
        value = getattr(page, f"{side}_mm")
        too_small = value < low - MARGIN_TOLERANCE_MM
        if too_small or (exact and value > high + MARGIN_TOLERANCE_MM):
            wrong.append(f"{side} {value:g} mm ({low}–{high})")
    if not wrong:
        return []
    message = "Lề trang sai: " + ", ".join(wrong) + " / Margins out of range"
    return [_finding(located, "page.margins", "page", None, message, f"{ND30}, Phụ lục I, I.3")]


def _page_numbers(located: Located) -> list[Finding]:
    draft = located.draft
    source = f"{ND30}, Phụ lục I, I.7"
    if draft.page_count > 1 and not draft.page_numbers:
        message = (
            f"Văn bản {draft.page_count} trang nhưng không đánh số trang / Pages are not numbered"
        )
        return [_finding(located, "page.numbers", "page", None, message, source)]
    if draft.page_numbers and draft.first_page_numbered:
        message = "Không hiển thị số trang ở trang thứ nhất / No page number on page 1"
        return [_finding(located, "page.number_first", "page", None, message, source)]
    return []


RULES = (
    _presence,
    _order,
    _number,
    _date,
    _capitals,
    _marks,
    _signing_form,
    _typography,
    _fonts,
    _page,
)


def guess_style(located: Located) -> str:
    """Party when the Party's name heads it or the symbol has the Party's form."""
    number = located.parts["number_symbol"]
    if located.line("party_name") is not None:
        return "party"
    if located.line("national_name") is not None:
        return "state"
    return "party" if number and _PARTY_SYMBOL_RE.match(number.value) else "state"


def check_draft(draft: Draft, style: str | None = None) -> tuple[str, list[Finding]]:
    located = Located(draft)
    style = style or guess_style(located)
    return style, [finding for rule in RULES for finding in rule(located, style)]


__all__ = ["STYLES", "Finding", "Part", "check_draft"]
