"""Metadata of a Vietnamese Party or state document, read from its OCR or text-layer text.

Framework-free: `classify(text)` returns the contract's `metadata` keys plus `confidence`.
Matching runs on a folded copy of each line (no diacritics, đ→d) that has exactly one character
per character of the NFC line, so a match found in the folded line slices the original as
printed. Folding also makes old/new tone placement ("HOÀ"/"HÒA") and missing diacritics
("So:", "ngay") irrelevant.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NamedTuple

from services.classification.signature import locate_foot, read_foot
from services.common.vntext import fold, fold_keep_length, nfc, squash
from services.common.vocabulary import (
    FOOT_FIELDS,
    HEADER_FIELDS,
    KIND_LABELS,
    MARK_LABELS,
    RECEIVED_ABBREVIATIONS,
    SECRECY_LEVELS,
    SECRECY_VALUES,
    STATE_ABBREVIATIONS,
    TITLED_KINDS,
    URGENCY_LEVELS,
    URGENCY_VALUES,
)

# Header fields, then those read from the foot (services.classification.signature) and the
# organ block: the vocabulary's lists.
FIELDS = HEADER_FIELDS
MORE_FIELDS = FOOT_FIELDS
# A field read with less confidence than this is listed in `review` for the clerk to confirm.
REVIEW_BELOW = 0.75
# Fields every numbered document prints; missing ones are flagged too (a letter has none).
_EXPECTED = ("kind", "number_symbol", "issued_date", "organ", "subject", "signer")

# How far down the text the header (organ, number, marks, title) can reasonably sit.
_HEADER_SCAN = 40

# "Số 15-NQ/TU", "Số: 15/QĐ-UBND", "So : 15 / QD - UBND": joiners may carry OCR spaces,
# the parts themselves may not, so a following "Bình Định, ngày …" is never swallowed.
_SYMBOL = r"(?P<ns>\d+(?:\s*[/\-–—]\s*[A-Za-z0-9]+)+)"
# … at the start of a line (after stray bullets or "*"), the normal layout.
_NUMBER_AT_START_RE = re.compile(r"^\W*so\s*[:.]?\s*" + _SYMBOL, re.IGNORECASE)
# … anywhere in a header line, for lines OCR merged with the organ block.
_NUMBER_INSIDE_RE = re.compile(r"(?<![A-Za-z])so\s*[:.]?\s*" + _SYMBOL, re.IGNORECASE)

# "ngày 05 tháng 01 năm 2020" (folded); OCR may drop or add spaces, even inside a number.
_DATE_RE = re.compile(
    r"ngay\s*(?P<d>\d(?:\s?\d)?)\s*thang\s*(?P<m>\d(?:\s?\d)?)\s*nam\s*(?P<y>\d(?:\s?\d){3})",
    re.IGNORECASE,
)

# "ngày 05/3/2025", "05-3-2025", ", 5.3.2025": a numeric date, after "ngày" or the place's
# comma only, so a symbol's "30/2020/NĐ-CP" or a table's figures are never read as one.
_NUMERIC_DATE_RE = re.compile(
    r"(?:ngay\s*|(?<=,)\s*)(?<![\d/.\-])(?P<d>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})"
    r"\s*(?P=sep)\s*(?P<y>\d{4})(?!\d)",
    re.IGNORECASE,
)

# National motto block (state) and Party name (folded): printed on the right, never the organ.
_NATIONAL_NAME = r"cong\s+hoa\s+xa\s+hoi\s+chu\s+nghia\s+viet\s+nam"
_NATIONAL_MOTTO = r"doc\s*lap\s*[-–—]?\s*tu\s*do\s*[-–—]?\s*hanh\s*phuc"
_PARTY_NAME = r"dang\s+cong\s+san\s+viet\s+nam"
_MOTTO_RE = re.compile(f"{_NATIONAL_NAME}|{_NATIONAL_MOTTO}|{_PARTY_NAME}", re.IGNORECASE)
_NATIONAL_NAME_RE = re.compile(_NATIONAL_NAME, re.IGNORECASE)
_NATIONAL_MOTTO_RE = re.compile(_NATIONAL_MOTTO, re.IGNORECASE)
_PARTY_NAME_RE = re.compile(_PARTY_NAME, re.IGNORECASE)

# Folded type titles → kind slug (NĐ 30 Điều 7; 66-QĐ/TW and 399-QĐ/TW types; petitions).
_TITLES = {
    **{fold(KIND_LABELS[kind]).upper(): kind for kind in TITLED_KINDS},
    "DON DE NGHI": "don_kien_nghi",
}
# A title is the whole line, or (capitals only) its first words: "QUYẾT ĐỊNH VỀ VIỆC …".
_TITLE_RES = tuple(
    (re.compile(r"^\W*" + r"\s+".join(title.split()) + r"(?![A-Za-z])", re.IGNORECASE), kind)
    for title, kind in _TITLES.items()
)

# Type abbreviations inside the symbol, as printed (NĐ 30 Phụ lục III; 36-HD/VPTW).
TYPE_ABBREVIATIONS = {
    **{abbr: kind for kind, abbr in STATE_ABBREVIATIONS.items()},
    **{abbr: kind for kind, abbr in RECEIVED_ABBREVIATIONS.items()},
    "QĐi": "quy_dinh",
    "KL": "ket_luan",
    "CV": "cong_van",  # Party công văn carry "CV"; state ones carry no type at all
}
# Known types outside the kind list; checked before the folded fallback so that, e.g.,
# HĐ (hợp đồng) never folds into HD (hướng dẫn) and NĐ-CP is not a công văn.
OTHER_ABBREVIATIONS = frozenset(
    "HĐ DA BGN BTT GUQ GNP PG PB SY TrS SL BS TTLT".split()  # noqa: SIM905
)
# Case- and Đ-insensitive fallback: OCR reads "QĐ" as "QD", some clerks type "qđ".
_FOLDED_ABBREVIATIONS = {
    abbr.upper().replace("Đ", "D"): kind for abbr, kind in TYPE_ABBREVIATIONS.items()
}

# Words that begin the body or the address block: the header (and trích yếu) ends there.
_BODY_CUE_RE = re.compile(
    r"^\W*(kinh\s+gui|can\s+cu|thuc\s+hien|xet\s|theo\s+de\s+nghi|dieu\s+1\b|chuong\s+i\b"
    r"|phan\s+i\b|noi\s+nhan|[ivx]+\s*\.|\d+\s*\.)",
    re.IGNORECASE,
)

# The công văn trích yếu: "V/v …" ("về việc"), sometimes in brackets on petitions.
_VV_RE = re.compile(r"^\W*v\s*/\s*v\b", re.IGNORECASE)

# Splits a line into stamp-sized pieces: "HỎA TỐC, TỐI MẬT", "KHẨN - MẬT", wide gaps.
_SEGMENT_SPLIT_RE = re.compile(r"\s*[,;|/]\s*|\s+-\s+|\s{2,}|\t")

# Stamps (Luật BVBMNN 2018 Điều 8; NĐ 30 Phụ lục I, III.2.b), folded, with their rank.
_SECRECY_MARKS = {fold(MARK_LABELS[c]).upper(): (c, SECRECY_LEVELS[c]) for c in SECRECY_VALUES}
_URGENCY_MARKS = {fold(MARK_LABELS[c]).upper(): (c, URGENCY_LEVELS[c]) for c in URGENCY_VALUES}

# Organ names printed over two lines: "ỦY BAN NHÂN DÂN" / "TỈNH BÌNH ĐỊNH". A Party committee
# ("TỈNH ỦY …") is a name of its own, not the tail of the line above.
_ADMIN_UNIT_RE = re.compile(r"^(TINH|THANH PHO|TP|HUYEN|QUAN|THI XA|THI TRAN|XA|PHUONG)\b(?! UY)")
# A bare committee under "ĐẢNG BỘ TỈNH BÌNH ĐỊNH" takes the place name from that line.
_COMMITTEE_RE = re.compile(r"^(TINH|THANH|HUYEN|QUAN|THI|DANG) UY$")
_PARTY_PARENT_RE = re.compile(r"^DANG BO (TINH|THANH PHO|HUYEN|QUAN|THI XA) (?P<name>.+)$")
# Organ abbreviations that stand for several words in the symbol ("UBND" = Ủy ban nhân dân).
ORGAN_ACRONYMS = frozenset({"UBND", "HDND", "MTTQ", "UBMTTQ", "BCH", "TW"})

# Words before a city's name that belong to the place: "Thành phố Hồ Chí Minh", "TP. Huế".
_PLACE_PREFIXES = ("thanh pho", "thi xa", "thi tran", "tp.", "tp")


class _Hit(NamedTuple):
    value: Any
    confidence: float
    line: int = -1
    col: int = 0


class _Doc(NamedTuple):
    lines: list[str]  # NFC, as printed
    folded: list[str]  # same lengths, no diacritics

    @classmethod
    def parse(cls, text: str) -> _Doc:
        lines = nfc(text).replace("\r", "").split("\n")
        return cls(lines, [fold_keep_length(line) for line in lines])


def _is_caps(word: str) -> bool:
    """A word printed in capitals; OCR may lower a minority of its letters ("BÌnH")."""
    letters = [c for c in word if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return bool(letters) and (
        upper == len(letters) or (len(letters) > 2 and upper * 2 > len(letters))
    )


def _is_caps_line(line: str) -> bool:
    words = [w for w in line.split() if any(c.isalpha() for c in w)]
    return bool(words) and all(_is_caps(w) for w in words)


def _has_letters(s: str) -> bool:
    return any(c.isalnum() for c in s)


# --- số và ký hiệu -------------------------------------------------------------------------


def _find_number(doc: _Doc) -> _Hit | None:
    """The first header "Số …" line; a mid-line "Số" only when capitalised (not "nghị định số")."""
    for i, folded in enumerate(doc.folded[:_HEADER_SCAN]):
        if m := _NUMBER_AT_START_RE.search(folded):
            return _number_hit(doc.lines[i], m, i, 0.9)
    for i, folded in enumerate(doc.folded[:_HEADER_SCAN]):
        m = _NUMBER_INSIDE_RE.search(folded)
        if m and doc.lines[i][m.start()] == "S":
            return _number_hit(doc.lines[i], m, i, 0.6)
    return None


def _number_hit(line: str, m: re.Match[str], i: int, confidence: float) -> _Hit:
    printed = line[m.start("ns") : m.end("ns")]
    # Spaces are OCR noise (the symbol has none, NĐ 30 Phụ lục I, II.3); dashes become "-".
    symbol = re.sub(r"\s+", "", printed).replace("–", "-").replace("—", "-")
    symbol = _repair_d(symbol)
    if symbol != printed:
        confidence -= 0.1
    return _Hit(symbol, confidence, i, m.start())


# Vietnamese has no eth: Ð/ð in a symbol is OCR's (or an old font's) Đ/đ. Tesseract also reads
# one Đ as two ("QĐÐ-UBND"): the pair is one letter when the abbreviation is known with it.
_ETH = str.maketrans("Ðð", "Đđ")
_DOUBLED_D_RE = re.compile(r"([ĐÐ])[ĐÐ]")


def _repair_d(symbol: str) -> str:
    repaired = symbol.translate(_ETH)
    if "ĐĐ" not in repaired:
        return repaired
    single = _DOUBLED_D_RE.sub("Đ", repaired)
    known = _split_symbol(single)[0] is not None and _split_symbol(repaired)[0] is None
    return single if known else repaired


def _split_symbol(symbol: str) -> tuple[str | None, str | None, bool]:
    """(type abbreviation, issuer abbreviation, Party form?) of "15-NQ/TU" or "15/QĐ-UBND"."""
    if m := re.match(r"^\d+-([^/]+)/([^/-]+)", symbol):
        return m.group(1), m.group(2), True
    tail = symbol.split("/")[-1] if "/" in symbol else ""
    head, _, rest = tail.partition("-")
    if _abbreviation_kind(head, party=False) is not None:
        return head, rest.split("-")[0] or None, False
    return None, head or None, False  # công văn: organ-unit, no type ("05/BNV-VP")


def _abbreviation_kind(abbr: str, *, party: bool) -> tuple[str, float] | None:
    if abbr == "TT":  # Party thông tri; a state "TT" is a thông tư ("01/2011/TT-BNV")
        return ("thong_tri", 0.85) if party else (TYPE_ABBREVIATIONS[abbr], 0.85)
    if abbr in TYPE_ABBREVIATIONS:
        return TYPE_ABBREVIATIONS[abbr], 0.85
    if abbr in OTHER_ABBREVIATIONS:
        return "other", 0.6
    folded = fold_keep_length(abbr).upper()
    if folded in _FOLDED_ABBREVIATIONS:
        return _FOLDED_ABBREVIATIONS[folded], 0.6
    return None


# --- title, kind and trích yếu -------------------------------------------------------------


def _find_title(doc: _Doc, number: _Hit | None) -> _Hit | None:
    """The type title line; value is (kind, rest of the line when the title starts it)."""
    after = number.line + 1 if number else 0
    for i, folded in enumerate(doc.folded[:_HEADER_SCAN]):
        for title_re, kind in _TITLE_RES:
            if not (m := title_re.match(folded)):
                continue
            rest = doc.lines[i][m.end() :].strip(" :.-–")
            caps = _is_caps_line(doc.lines[i])
            if not rest:
                return _Hit((kind, None), 0.95 if caps else 0.8, i)
            # A title running into its trích yếu: capitals only, and below the organ block.
            if caps and i >= after and _has_letters(rest):
                return _Hit((kind, rest), 0.85, i)
    return None


def _kind(title: _Hit | None, number: _Hit | None, vv: _Hit | None) -> _Hit:
    by_symbol = _symbol_kind(number.value) if number else None
    if title:
        kind = title.value[0]
        agree = by_symbol is not None and by_symbol[0] == kind
        return _Hit(kind, 0.98 if agree else title.confidence)
    if by_symbol and by_symbol[0] != "cong_van":
        return _Hit(*by_symbol)
    if vv:
        return _Hit("cong_van", 0.8)
    if by_symbol:
        return _Hit(*by_symbol)
    return _Hit("other", 0.2)


def _symbol_kind(symbol: str) -> tuple[str, float] | None:
    abbr, issuer, party = _split_symbol(symbol)
    if abbr is not None:
        return _abbreviation_kind(abbr, party=party)
    return ("cong_van", 0.5) if issuer else None


def _subject_after_title(doc: _Doc, title: _Hit) -> _Hit | None:
    """The trích yếu: the line(s) under the title, up to a gap, a rule or the body."""
    pieces = [title.value[1]] if title.value[1] else []
    i = title.line + 1
    if i < len(doc.lines) and not doc.lines[i].strip() and not pieces:
        i += 1  # OCR often leaves one empty line between title and trích yếu
    while i < len(doc.lines) and len(pieces) < 4:
        line = doc.lines[i].strip()
        if not _has_letters(line) or _BODY_CUE_RE.match(doc.folded[i]) or _date_in(doc.folded[i]):
            break
        # A wrapped trích yếu goes on in lowercase; a capital starts the body or the
        # authority line ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH", "Ban Thường vụ … quyết nghị").
        if pieces and not _continues(line):
            break
        pieces.append(line.strip("-–_ "))
        i += 1
    if not pieces:
        return None
    return _Hit(squash(" ".join(pieces)), 0.7 if title.value[1] else 0.8)


def _continues(line: str) -> bool:
    return bool(line) and (line[0].islower() or line[0].isdigit())


def _find_vv(doc: _Doc, end: int) -> _Hit | None:
    """The "V/v …" line and its lowercase continuation lines, without a merged date part."""
    for i in range(min(end + 1, len(doc.lines))):
        if _VV_RE.match(doc.folded[i]):
            pieces = [_cut_date(doc, i, doc.lines[i]).strip()]
            for j in range(i + 1, min(i + 3, len(doc.lines))):
                line = _cut_date(doc, j, doc.lines[j]).strip()
                if not _continues(line):
                    break
                pieces.append(line)
            return _Hit(squash(" ".join(pieces)).strip("()"), 0.85, i)
    return None


# --- place and date ------------------------------------------------------------------------


def _date_in(folded: str) -> tuple[re.Match[str], date] | None:
    found = [m for m in (_DATE_RE.search(folded), _NUMERIC_DATE_RE.search(folded)) if m]
    if not found:
        return None
    m = min(found, key=lambda m: m.start())
    day, month, year = (int(re.sub(r"\s", "", m.group(k))) for k in "dmy")
    try:
        return m, date(year, month, day)
    except ValueError:
        return None


def _place_span(prefix: str) -> tuple[int, str] | None:
    """(start, place) of the place name ending `prefix`: its trailing Title-case words."""
    words = list(re.finditer(r"\S+", prefix.rstrip(" ,.;:")))
    k = len(words)
    while k > 0 and (_is_title_word(words[k - 1].group()) or words[k - 1].group() in "-–"):
        k -= 1
    while k < len(words) and not _is_title_word(words[k].group()):
        k += 1  # a place never starts with a dash
    if k == len(words):
        return None
    for n in (2, 1):  # "Thành phố", "TP."
        before = " ".join(w.group() for w in words[max(k - n, 0) : k])
        if k >= n and fold_keep_length(before).lower() in _PLACE_PREFIXES:
            k -= n
            break
    start = words[k].start()
    return start, squash(prefix[start : words[-1].end()])


def _is_title_word(word: str) -> bool:
    """ "Bình", "Nội": place names are printed in Title case, the organ block in capitals."""
    return word.isalpha() and word[0].isupper() and (len(word) == 1 or word[1:].islower())


def _cut_date(doc: _Doc, i: int, line: str) -> str:
    """The line without its place-and-date part (OCR merges the right column into the left)."""
    found = _date_in(doc.folded[i])
    if not found:
        return line
    m, _ = found
    span = _place_span(line[: m.start()])
    return line[: span[0] if span else m.start()] + line[m.end() :]


def _find_issued(doc: _Doc, header_end: int) -> tuple[_Hit | None, _Hit | None]:
    """(date, place): the header's "Place, ngày … tháng … năm …"; a petition's may be lower."""
    loose: _Hit | None = None
    for i, folded in enumerate(doc.folded):
        found = _date_in(folded)
        if not found:
            continue
        m, issued = found
        prefix = doc.lines[i][: m.start()]
        span = _place_span(prefix)
        in_header = i < header_end
        # Below the header only "Place, ngày …" counts, not "… tỉnh Bình Định ngày …" in prose.
        if span and (in_header or prefix.rstrip().endswith(",")):
            whole = not doc.lines[i][: span[0]].strip(" *")
            place = _Hit(span[1], 0.85 if whole else 0.7, i)
            return _Hit(issued.isoformat(), 0.9 if in_header else 0.7, i), place
        if in_header and loose is None:
            loose = _Hit(issued.isoformat(), 0.5, i)
    return loose, None


# --- organ ---------------------------------------------------------------------------------


def _organ(doc: _Doc, end: int, number: _Hit | None) -> _Hit | None:
    """The issuing organ from the left header block (lines above the number or title)."""
    spans = [(i, len(doc.lines[i])) for i in range(end)]
    if number and number.col:  # "TỈNH BÌNH ĐỊNH Số: 15/QĐ-UBND" merged on one line
        spans.append((number.line, number.col))
    chunks = [(i, _organ_chunk(doc, i, stop)) for i, stop in spans]
    names = _merge_wrapped([chunk for _, chunk in chunks if chunk])
    if not names:
        return None
    issuer = _split_symbol(number.value)[1] if number else None
    index, matched = _pick_issuer(names, issuer)
    # Organ and motto on one line: OCR merged the columns, so the cut may be off.
    merged = any(chunk and _MOTTO_RE.search(doc.folded[i]) for i, chunk in chunks)
    confidence = (0.9 if matched else 0.7) - (0.1 if merged else 0.0)
    return _Hit(_complete_committee(names, index), confidence, index, len(names))


def _organ_parent(doc: _Doc, organ: _Hit | None, end: int, number: _Hit | None) -> _Hit | None:
    """The line above the issuing organ in the left block (cơ quan chủ quản / đảng bộ)."""
    if organ is None or organ.line == 0:
        return None
    spans = [(i, len(doc.lines[i])) for i in range(end)]
    if number and number.col:
        spans.append((number.line, number.col))
    names = _merge_wrapped([c for c in (_organ_chunk(doc, i, stop) for i, stop in spans) if c])
    parent = names[organ.line - 1]
    return _Hit(parent, 0.8)


def _organ_chunk(doc: _Doc, i: int, stop: int) -> str:
    """Capitals at the start of the line once the motto, date and stamps are cut away."""
    line, folded = doc.lines[i][:stop], doc.folded[i][:stop]
    for m in reversed(list(_MOTTO_RE.finditer(folded))):
        line = line[: m.start()] + "  " + line[m.end() :]
    words = []
    for word in line.split():
        if _is_caps(word):
            words.append(word)
        elif _has_letters(word):
            break  # mixed case: the place-and-date line or other right-column text
    chunk = " ".join(words).strip(" *-–_")
    return "" if _mark_key(chunk) in _SECRECY_MARKS | _URGENCY_MARKS else chunk


def _merge_wrapped(chunks: list[str]) -> list[str]:
    names: list[str] = []
    for chunk in chunks:
        key = fold_keep_length(chunk).upper()
        if names and _ADMIN_UNIT_RE.match(key) and not _has_admin_unit(names[-1]):
            names[-1] = f"{names[-1]} {chunk}"
        else:
            names.append(chunk)
    return names


def _has_admin_unit(name: str) -> bool:
    return any(_ADMIN_UNIT_RE.match(w) for w in fold_keep_length(name).upper().split())


def _pick_issuer(names: list[str], issuer: str | None) -> tuple[int, bool]:
    """The line whose initials best match the symbol's issuer ("TU" → "TỈNH ỦY …"); else the
    last line, which NĐ 30 and 36-HD print as the issuing organ under its parent."""
    if issuer:
        target = fold_keep_length(issuer).upper()
        scores = [_common_prefix(_initials(name), target) for name in names]
        best = max(scores)
        if best >= min(2, len(target)):
            return len(scores) - 1 - scores[::-1].index(best), True
    return len(names) - 1, False


def _initials(name: str) -> str:
    words = fold_keep_length(name).upper().replace(".", " ").split()
    return "".join(w if w in ORGAN_ACRONYMS else w[0] for w in words if w[0].isalnum())


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _complete_committee(names: list[str], index: int) -> str:
    """ "ĐẢNG BỘ TỈNH BÌNH ĐỊNH" / "TỈNH ỦY" → "TỈNH ỦY BÌNH ĐỊNH": a bare committee is named."""
    organ = names[index]
    if index == 0 or not _COMMITTEE_RE.match(fold_keep_length(organ).upper()):
        return organ
    parent = names[index - 1]
    m = _PARTY_PARENT_RE.match(fold_keep_length(parent).upper())
    return f"{organ} {parent[m.start('name') :]}" if m else organ


# --- secrecy and urgency -------------------------------------------------------------------


# "HỎA TỐC HẸN GIỜ" (with its hour) is the top urgency, like "HỎA TỐC": the contract has one
# slug for both. We could not read the article that names the hẹn giờ stamp (NĐ 30/2020
# Phụ lục I lists khẩn, thượng khẩn, hỏa tốc), so it is not kept apart.
_TIMED_URGENT_RE = re.compile(r"^HOA TOC HEN GIO\b")


def _mark_key(segment: str) -> str:
    key = squash(re.sub(r"[^A-Z ]", " ", fold_keep_length(segment).upper()))
    return "HOA TOC" if _TIMED_URGENT_RE.match(key) else key


def _find_marks(doc: _Doc, end: int) -> tuple[_Hit | None, _Hit | None]:
    """Highest secrecy and urgency stamps among whole lines or stamp-sized pieces of the header.

    Whole-piece equality is what tells "TUYỆT MẬT" from "MẬT" and ignores "bí mật" in prose.
    """
    best: dict[str, tuple[int, _Hit]] = {}
    for i, line in enumerate(doc.lines[:end]):
        for piece in [line, *_SEGMENT_SPLIT_RE.split(line)]:
            key = _mark_key(piece)
            for name, table in (("secrecy", _SECRECY_MARKS), ("urgency", _URGENCY_MARKS)):
                if key in table and table[key][1] > best.get(name, (0, None))[0]:
                    confidence = 0.9 if _is_caps_line(piece) else 0.7
                    best[name] = (table[key][1], _Hit(table[key][0], confidence, i))
    return best.get("secrecy", (0, None))[1], best.get("urgency", (0, None))[1]


# --- the whole ----------------------------------------------------------------------------


def _header_end(doc: _Doc, title: _Hit | None) -> int:
    for i, folded in enumerate(doc.folded[:_HEADER_SCAN]):
        if _BODY_CUE_RE.match(folded):
            return i
    return min(title.line + 5 if title else 25, len(doc.lines))


# A part of the document and where it sits (value, confidence, line, column).
Part = _Hit


def _line_matching(doc: _Doc, pattern: re.Pattern[str], end: int) -> Part | None:
    for i, folded in enumerate(doc.folded[:end]):
        if m := pattern.search(folded):
            return Part(doc.lines[i][m.start() : m.end()], 0.9, i, m.start())
    return None


def read_parts(text: str) -> dict[str, Part | None]:
    """Every part of the document with the line it sits on: the one reader of document parts,
    used by `classify` (metadata) and by the format check (services.formcheck)."""
    doc = _Doc.parse(text)
    number = _find_number(doc)
    title = _find_title(doc, number)
    end = _header_end(doc, title)
    vv = _find_vv(doc, end)
    organ_end = next((h.line for h in (number, title, vv) if h), min(end, 8))
    issued, place = _find_issued(doc, end)
    secrecy, urgency = _find_marks(doc, end)
    organ = _organ(doc, organ_end, number)
    return {
        "kind": _kind(title, number, vv),
        "number_symbol": number,
        "issued_date": issued,
        "issued_place": place,
        "organ": organ,
        # A "V/v" line stands for the trích yếu when nothing follows a title (a công văn
        # headed with its kind name, as some offices still print it).
        "subject": (_subject_after_title(doc, title) if title else None) or vv,
        "secrecy": secrecy or _Hit(None, 0.7),
        "urgency": urgency or _Hit(None, 0.7),
        "organ_parent": _organ_parent(doc, organ, organ_end, number),
        "title": title,
        "vv": vv,
        "header_end": _Hit(end, 1.0, end),
        "national_name": _line_matching(doc, _NATIONAL_NAME_RE, _HEADER_SCAN),
        "motto": _line_matching(doc, _NATIONAL_MOTTO_RE, _HEADER_SCAN),
        "party_name": _line_matching(doc, _PARTY_NAME_RE, _HEADER_SCAN),
        **{
            name: None if i is None else _Hit(name, 0.9, i)
            for name, i in locate_foot(doc.lines).items()
        },
    }


def classify(text: str) -> dict[str, Any]:
    """Contract `metadata` keys read from a document's text, plus `confidence` per field.

    Unknown fields are None with confidence 0.0. For `secrecy` and `urgency` None means "no
    stamp found", with the confidence that none was printed (stamps are red; OCR can lose them).
    """
    parts = read_parts(text)
    hits = {name: parts[name] for name in (*FIELDS, "organ_parent")}
    result: dict[str, Any] = {k: h.value if h else None for k, h in hits.items()}
    confidence = {k: round(h.confidence, 2) if h else 0.0 for k, h in hits.items()}
    foot = read_foot(_Doc.parse(text).lines)
    confidence.update(foot.pop("confidence"))
    result.update(foot)
    result["confidence"] = confidence
    result["review"] = review_fields(result)
    return result


def review_fields(result: dict[str, Any]) -> list[str]:
    """Fields the clerk should confirm: read with low confidence, or missing where a numbered
    document always prints them. A letter (đơn) prints no number, organ or signer block."""
    confidence = result.get("confidence", {})
    letter = (result.get("kind") or "").startswith("don_")
    flagged = []
    for name, value in result.items():
        if name in ("confidence", "review") or name not in confidence:
            continue
        missing = value is None and name in _EXPECTED and not letter
        if missing or (value is not None and confidence[name] < REVIEW_BELOW):
            flagged.append(name)
    return flagged
