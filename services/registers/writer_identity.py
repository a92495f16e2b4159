"""Who wrote a citizen's letter: every value that identifies its writer(s). Domain only.

Luật Tố cáo 2018 Điều 9.1.b protects a denouncer's "name, address, handwriting and other
personal information"; Điều 23 says a written denunciation gives the denouncer's name, address
and contact method, and for a group letter every denouncer's. So besides names and addresses
we read what reaches a person: phone numbers, e-mails, CCCD/CMND numbers, the year or date of
birth. Letters are typed or OCR'd: names come in capitals, in lower case, in a signature block
under "Người tố cáo"; matching runs on a folded copy of each line (offsets kept).
"""

from __future__ import annotations

import re
from typing import Any

from services.common.vntext import fold, fold_keep_length, nfc, squash

# The stored identity: the first writer's name/address/ID number, and every value found.
VALUE_FIELDS = ("names", "addresses", "id_numbers", "phones", "emails", "births")

_HONORIFIC_RE = re.compile(r"^(?:ong|ba|anh|chi|co|chu|cu|em)\s+", re.I)
_NAME_CUE_RE = re.compile(
    r"\b(?:toi\s+ten\s+la|toi\s+ten\s*:|ten\s+toi\s+la|toi\s+la|ho\s+va\s+ten|ho\s+&\s+ten|ho\s+ten"
    r"|nguoi\s+(?:khieu\s+nai|to\s+cao|kien\s+nghi|phan\s+anh|viet\s+don|lam\s+don)\s*:)"
    r"\s*[:.]?\s*",
    re.I,
)
_GROUP_CUE_RE = re.compile(
    r"\bchung\s+toi\s+(?:gom(?:\s+co)?|la|ten\s+la|goi\s+ten)\b\s*[:.]?", re.I
)
# The letter's body after the list of writers ("Chúng tôi làm đơn này …", "Nay …").
_BODY_START_RE = re.compile(r"^\W*(?:chung\s+toi|toi|nay|de\s+nghi|kinh|xin|noi\s+dung)\b")
_LIST_ITEM_RE = re.compile(r"^\s*(?:\d{1,2}\s*[.)/-]|[-–•+*])\s*")
_SIGNATURE_CUE_RE = re.compile(
    r"(?:nguoi|nhung\s+nguoi|dai\s+dien)\s+(?:to\s+cao|khieu\s+nai|viet\s+don|lam\s+don"
    r"|kien\s+nghi|phan\s+anh|dai\s+dien)\W*(?:\([^)]*\))?\W*$",
    re.I,
)
# "(Ký, ghi rõ họ tên)", "(ký và ghi rõ họ tên)", "(đã ký)", "điểm chỉ".
_SIGNED_RE = re.compile(r"\(\s*(?:da\s+)?ky\b|\bdiem\s+chi\b", re.I)
_ADDRESS_CUE_RE = re.compile(
    r"\b(?:tru\s+tai|cu\s+tru\s+tai|thuong\s+tru\s+tai|thuong\s+tru|dia\s+chi(?:\s+lien\s+he)?"
    r"|noi\s+o\s+hien\s+nay|cho\s+o\s+hien\s+nay|que\s+quan|ngu\s+(?:tai|o)|o\s+tai)\b\s*[:.]?\s*",
    re.I,
)
_ADDRESS_END_RE = re.compile(
    r"\s*(?:[;]|\.(?:\s|$)|,?\s+(?:số\s+)?(?:CCCD|CMND|căn cước|điện thoại|ĐT|SĐT|DĐ|email|e-mail"
    r"|sinh năm|SN)\b|\s+(?:Tôi|Chúng tôi|Nay|Xin|Đề nghị|Kính)\s)",
    re.I,
)
_ID_RE = re.compile(
    r"(?:cccd|cmnd|can\s+cuoc(?:\s+cong\s+dan)?|chung\s+minh\s+(?:nhan\s+dan|thu)|so\s+dinh\s+danh"
    r"(?:\s+ca\s+nhan)?)\s*(?:so)?\s*[:.]?\s*(?P<id>\d(?:[\s.]?\d){8,11})(?!\d)",
    re.I,
)
# Vietnamese phones: 0 + 9 digits (mobile) or 0 + 10 (landline), or the same after +84/84.
_PHONE_RE = re.compile(
    r"(?<![\d+])(?:\(?\+?84\)?[\s.-]?(?:\(0\)\s?)?|0)\d(?:[\s.-]?\d){8,9}(?![\d])"
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I)
_BIRTH_YEAR_RE = re.compile(
    r"(?:sinh\s+nam|nam\s+sinh|\bSN)\s*[:.]?\s*(?P<y>(?:19|20)\d\d)\b", re.I
)
_BIRTH_DATE_RE = re.compile(
    r"(?:sinh\s+ngay|ngay\s+sinh|\bSN)\s*[:.]?\s*(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*"
    r"(?P<y>(?:19|20)\d\d)\b",
    re.I,
)


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that end a name ("Nguyễn Văn Hùng sinh năm …", "… và bà …", "… trú tại …").
_STOP_WORDS = _word_set(
    "sinh nam tru dia cu so dien sdt dt dd la co o que nghe dan toc cccd cmnd email va cung"
    " nay xin to cao khieu nai kinh gui hien"
)
_CAPITAL_STOP_WORDS = _word_set("sinh tru dia sdt dt cccd cmnd email va")
# The commonest Vietnamese surnames (folded): a lower-case OCR'd name must start with one.
_SURNAMES = _word_set(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly dinh trinh lam mai"
    " luong ha cao doan ta thai tang chu chau quach to la lu kieu tieu trieu luu khuc giang"
    " thach mac lai dao tong hua hong kim banh bach quan ton nghiem ong vuong ung lac cong"
    " thieu au tu van dam khong tiet nong lo kha han an chung diep lieu tham doan"
)
_WORD_RE = re.compile(r"^[^\W\d_]+$")
_WRAPPED_LEN = 50  # a printed line this long that ends mid-sentence was wrapped by the page


def read_identity(text: str) -> dict[str, Any]:
    """Every identifying value of the letter's writer(s), and the first writer's fields."""
    printed = [squash(line) for line in nfc(text).splitlines()]
    lines = _logical_lines(printed)
    folded = [fold_keep_length(line) for line in lines]
    printed_folded = [fold_keep_length(line) for line in printed]
    values = {
        "names": _unique(
            _cued_names(lines, folded)
            + _group_names(lines, folded)
            + _signed_names(printed, printed_folded)
        ),
        "addresses": _unique(_addresses(lines, folded)),
        "id_numbers": _unique(
            re.sub(r"\D", "", m["id"]) for f in folded for m in _ID_RE.finditer(f)
        ),
        "phones": _unique(_national(m.group()) for f in folded for m in _PHONE_RE.finditer(f)),
        "emails": _unique(m.group().lower() for line in lines for m in _EMAIL_RE.finditer(line)),
        "births": _unique(_births(folded)),
    }
    return {
        "name": (values["names"] or [None])[0],
        "address": (values["addresses"] or [None])[0],
        "id_number": (values["id_numbers"] or [None])[0],
        "details": values,
    }


def _logical_lines(printed: list[str]) -> list[str]:
    """Printed lines with a line wrapped by the page joined to its continuation, so a name,
    address or number broken across two lines is read whole. A wrapped line is a long one
    that ends without punctuation; a list item or a blank line starts a new one."""
    joined: list[str] = []
    for line in printed:
        previous = joined[-1] if joined else ""
        wrapped = len(previous) >= _WRAPPED_LEN and previous[-1] not in ".;!?"
        if wrapped and line and not _starts_anew(line):
            joined[-1] = f"{previous} {line}"
        else:
            joined.append(line)
    return joined


def _starts_anew(line: str) -> bool:
    """A list item, a new sentence of the body, or a signature block: not a continuation."""
    folded = fold(line)
    return bool(
        _LIST_ITEM_RE.match(line)
        or _BODY_START_RE.match(folded)
        or _SIGNATURE_CUE_RE.search(folded)
    )


def identity_values(identity: dict[str, Any] | None) -> dict[str, list[str]]:
    """The values to mask, by kind, from a stored identity (old rows have no `details`)."""
    identity = identity or {}
    details = identity.get("details") or {}
    values = {f: [str(v) for v in details.get(f) or [] if v] for f in VALUE_FIELDS}
    for single, many in (("name", "names"), ("address", "addresses"), ("id_number", "id_numbers")):
        if identity.get(single) and str(identity[single]) not in values[many]:
            values[many].append(str(identity[single]))
    return values


def parse_name(rest: str) -> str | None:
    """The name that `rest` starts with: "ông NGUYỄN VĂN HÙNG, sinh năm…" → "NGUYỄN VĂN HÙNG".

    Capitalised or capital words make a name; lower-case ones (OCR) only after a known surname.
    """
    words = re.sub(r"[,;:()–—]", " , ", rest).split()
    if len(words) > 2 and _HONORIFIC_RE.match(fold(words[0]) + " "):
        words = words[1:]
    taken: list[str] = []
    for word in words:
        bare = word.rstrip(".")
        if not _WORD_RE.match(bare) or _ends_name(bare):
            break
        if taken and bare[0].isupper() != taken[0][0].isupper():
            break  # "Nguyễn Văn Hùng sinh năm …": the case changes where the name ends
        taken.append(bare)
        if bare != word:  # "… Hùng." ends the sentence
            break
    if taken and taken[0].islower() and fold(taken[0]) not in _SURNAMES:
        return None
    return " ".join(taken) if 2 <= len(taken) <= 6 else None


def _ends_name(word: str) -> bool:
    """A lower-case stop word, or a capital one that cannot be a name ("SINH", "TRÚ")."""
    folded = fold(word)
    if word.islower():
        return folded in _STOP_WORDS
    return word.isupper() and folded in _CAPITAL_STOP_WORDS


def _cued_names(lines: list[str], folded: list[str]) -> list[str]:
    found = []
    for line, f in zip(lines, folded, strict=True):
        for m in _NAME_CUE_RE.finditer(f):
            if name := parse_name(line[m.end() :]):
                found.append(name)
    return found


def _group_names(lines: list[str], folded: list[str]) -> list[str]:
    """The writers listed after "Chúng tôi gồm": one per list item, or several on one line."""
    found: list[str] = []
    for i, f in enumerate(folded):
        if not (m := _GROUP_CUE_RE.search(f)):
            continue
        found += _names_in(lines[i][m.end() :])
        for line in filter(None, lines[i + 1 : i + 24]):  # OCR leaves blank lines between
            if _BODY_START_RE.match(fold(line)):
                break
            item = _LIST_ITEM_RE.match(line)
            if item or _HONORIFIC_RE.match(fold(line)):  # else the rest of an item
                found += _names_in(line[item.end() if item else 0 :])
    return found


def _names_in(segment: str) -> list[str]:
    """Names at the start of `segment` and after each honorific ("ông A và bà B")."""
    folded = fold_keep_length(segment)
    starts = [0] + [m.start(1) for m in re.finditer(r"(?:^|[\s,])(ong|ba|anh|chi)\s", folded, re.I)]
    return [name for s in starts if (name := parse_name(segment[s:]))]


def has_signature_block(text: str) -> bool:
    """The letter ends with a writer's signature block ("Người tố cáo", "(Ký, ghi rõ họ tên)")."""
    folded = [fold(squash(line)) for line in nfc(text).splitlines()]
    return any(_SIGNATURE_CUE_RE.search(f) or _SIGNED_RE.search(f) for f in folded)


def _signed_names(lines: list[str], folded: list[str]) -> list[str]:
    """Names written under "Người tố cáo" / "Người khiếu nại" / "Người viết đơn"."""
    found = []
    for i, f in enumerate(folded):
        if not _SIGNATURE_CUE_RE.search(f):
            continue
        for line in lines[i + 1 : i + 7]:
            if line.startswith("(") or not line:
                continue
            if (name := parse_name(line)) and len(name.split()) == len(line.strip(" .").split()):
                found.append(name)
    return found


def _addresses(lines: list[str], folded: list[str]) -> list[str]:
    found = []
    for line, f in zip(lines, folded, strict=True):
        for m in _ADDRESS_CUE_RE.finditer(f):
            rest = _ADDRESS_END_RE.split(line[m.end() :])[0].strip(" ,:.")
            if len(rest) >= 3:
                found.append(rest)
    return found


def _births(folded: list[str]) -> list[str]:
    found = []
    for f in folded:
        for m in _BIRTH_DATE_RE.finditer(f):
            found += [f"{int(m['d']):02d}/{int(m['m']):02d}/{m['y']}", m["y"]]
        found += [m["y"] for m in _BIRTH_YEAR_RE.finditer(f)]
    return found


def _national(phone: str) -> str:
    """ "+84 912 345 678", "0912.345.678" → "0912345678"."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("840") and len(digits) >= 12:  # "+84 (0) 914 …"
        return digits[2:]
    return "0" + digits[2:] if digits.startswith("84") and len(digits) >= 11 else digits


def _unique(values) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(fold(value).lower(), value)
    return list(seen.values())
