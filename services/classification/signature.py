"""The foot of a document: signing form, signer's position and name, and "Nơi nhận".

Framework-free. Forms (NĐ 30 Phụ lục I; 36-HD/VPTW): state "TM." (for a collective), "KT."
(deputy for the head), "TL." (by order), "TUQ." (by delegation), "Q." (acting); Party "T/M",
"K/T", "T/L". OCR often merges the two columns of the foot (Nơi nhận on the left, signature on
the right) into one line, so each reader also looks inside a line, not only at its start.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from services.common.vntext import fold_keep_length, squash

# Folded; "T/M", "T / M", "TM.", "TM :" … The state forms need their dot (a bare "TM" or "Q" is
# a word); Party forms need their slash.
_FORM_RE = re.compile(
    r"(?<![A-Za-z])(?:(?P<party>[TK]\s*/\s*[MTL])|(?P<state>TUQ|TM|KT|TL|Q)\s*\.)\s*(?=[A-Z])"
)
_CANONICAL = {"TM": "TM.", "KT": "KT.", "TL": "TL.", "TUQ": "TUQ.", "Q": "Q."}
# Positions that head a signature block when the head signs directly (no form).
_POSITION_RE = re.compile(
    r"^(?:PHO\s+)?(?:CHU\s+TICH|BI\s+THU|GIAM\s+DOC|BO\s+TRUONG|THU\s+TRUONG|TRUONG\s+BAN"
    r"|CHANH\s+VAN\s+PHONG|TONG\s+BI\s+THU|CHU\s+NHIEM|TRUONG\s+PHONG|THU\s+TUONG|VIEN\s+TRUONG"
    r"|HIEU\s+TRUONG|TONG\s+GIAM\s+DOC|CUC\s+TRUONG|UY\s+VIEN)\b"
)
_RECIPIENTS_RE = re.compile(r"noi\s+nhan\s*[:;.]?", re.I)
_BULLET_RE = re.compile(r"^\s*[-–+•*]\s*")
_NOT_NAME = re.compile(r"(da\s+ky|ky\s+ten|dong\s+dau|ghi\s+ro|ho\s+ten)", re.I)
_CAPS_TAIL_RE = re.compile(r"[;,.:]\s+((?:[^\W\d_]{2,}\s*){2,})$")
_FILE_COPY_RE = re.compile(r"^Luu\s*[:.]\s*")
_VT_MISREADINGS = frozenset({"VI", "VD", "VỊ", "VĨ", "V1", "YT", "VF"})
_FOOT_LINES = 30  # the signature sits in the last lines of a document's text


class Signature(NamedTuple):
    form: str | None
    title: str | None  # the signer's position as printed, e.g. "PHÓ CHỦ TỊCH"
    name: str | None
    confidence: dict[str, float]


def read_signature(lines: list[str]) -> Signature:
    """The signing block nearest the end of the text."""
    start = max(0, len(lines) - _FOOT_LINES)
    folded = [fold_keep_length(line) for line in lines]
    form, form_line = _last_form(folded, lines, start)
    anchor = form_line if form_line is not None else _last_position(lines, folded, start)
    if anchor is None:
        return Signature(
            None, None, None, {"signing_form": 0.6, "signer_title": 0.0, "signer": 0.0}
        )
    title, name_at = _title_and_name(lines, folded, anchor, form is not None)
    name = _name_in(lines[name_at]) if name_at is not None else None
    confidence = {
        "signing_form": 0.9 if form else 0.6,
        "signer_title": 0.8 if title else 0.0,
        "signer": (0.85 if _is_name_line(lines[name_at]) else 0.6) if name else 0.0,
    }
    return Signature(form, title, name, confidence)


def _last_form(folded: list[str], lines: list[str], start: int) -> tuple[str | None, int | None]:
    for i in range(len(folded) - 1, start - 1, -1):
        matches = list(_FORM_RE.finditer(folded[i].upper()))
        if matches and _caps_after(lines[i], matches[-1].end()):
            m = matches[-1]
            form = m.group("party") or m.group("state")
            form = re.sub(r"\s", "", form).upper()
            return (form if "/" in form else _CANONICAL[form]), i
    return None, None


def _caps_after(line: str, pos: int) -> bool:
    word = line[pos:].split()[:1]
    return bool(word) and word[0][:1].isupper() and word[0].isupper()


def _last_position(lines: list[str], folded: list[str], start: int) -> int | None:
    for i in range(len(lines) - 1, start - 1, -1):
        text = _signature_part(lines[i], folded[i])
        if text and text.isupper() and _POSITION_RE.match(squash(fold_keep_length(text)).upper()):
            return i - 1  # the position line itself is the title, read below
    return None


def _signature_part(line: str, folded: str) -> str | None:
    """The right-column text of a foot line: after "Nơi nhận:", after a recipient item's
    punctuation (OCR merged them), or the whole line."""
    if m := _RECIPIENTS_RE.match(folded.strip()):
        rest = line.strip()[m.end() :].strip()
        return rest or None
    if _BULLET_RE.match(line):
        return _caps_tail(line.strip())
    return line.strip() or None


def _title_and_name(
    lines: list[str], folded: list[str], anchor: int, formed: bool
) -> tuple[str | None, int | None]:
    """Capitals under the anchor are the position; the first name-like line after them the
    signer. With a form, the position is the last capitals line ("KT. CHỦ TỊCH" / "PHÓ CHỦ
    TỊCH"): the form line only says for whom."""
    titles: list[str] = []
    for i in range(anchor + 1, min(anchor + 8, len(lines))):
        text = lines[i].strip()
        if _BULLET_RE.match(text) or _RECIPIENTS_RE.match(folded[i].strip()):
            # the left column; OCR may have merged a title of the right column onto it
            if (tail := _signature_part(lines[i], folded[i])) and _is_caps_text(tail):
                titles.append(_after_form(tail, fold_keep_length(tail)))
            continue
        if not text or _NOT_NAME.search(folded[i]):
            continue
        if _is_caps_text(text):
            titles.append(_after_form(text, folded[i]))
            continue
        if _name_in(text):
            return _title(titles, lines[anchor], folded[anchor], formed), i
    return _title(titles, lines[anchor], folded[anchor], formed), None


def _caps_tail(text: str) -> str | None:
    """ "- Bộ Nội vụ; PHÓ CHỦ TỊCH" → "PHÓ CHỦ TỊCH": two or more capitals words after the
    item's punctuation."""
    m = _CAPS_TAIL_RE.search(text)
    return squash(m.group(1)) if m and m.group(1).isupper() else None


def _title(titles: list[str], anchor_line: str, anchor_folded: str, formed: bool) -> str | None:
    if titles:
        return titles[-1]
    if formed:
        return _after_form(anchor_line, anchor_folded) or None
    return None


def _after_form(line: str, folded: str) -> str:
    matches = list(_FORM_RE.finditer(folded.upper()))
    return squash(line[matches[-1].end() :]) if matches else squash(line)


def _is_caps_text(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _is_name_line(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 5 and all(_name_word(w) for w in words)


def _name_word(word: str) -> bool:
    return (
        word.isalpha()
        and word[0].isupper()
        and (len(word) == 1 or not word[1:].isupper() or len(word) == 1)
    )


def _name_in(text: str) -> str | None:
    """A person's name: the trailing 2–5 Title-case words of the line (OCR may have merged a
    recipient item before it: "- Lưu: VT, NC. Nguyễn Văn An")."""
    words = text.strip().split()
    k = len(words)
    while k > 0 and _name_word(words[k - 1]) and len(words) - k < 5:
        k -= 1
    tail = words[k:]
    if len(tail) < 2 or (k > 0 and not re.search(r"[.;,:]$", words[k - 1])):
        return None
    return " ".join(tail)


# --- Nơi nhận ------------------------------------------------------------------------------


def read_recipients(lines: list[str]) -> tuple[list[str] | None, float]:
    """The items under "Nơi nhận:", as printed, without bullets and end punctuation."""
    folded = [fold_keep_length(line) for line in lines]
    start = next(
        (i for i in range(len(lines) - 1, -1, -1) if _RECIPIENTS_RE.search(folded[i])), None
    )
    if start is None:
        return None, 0.0
    m = _RECIPIENTS_RE.search(folded[start])
    rest = lines[start][m.end() :]
    # On the cue's own line, capitals alone are the signature block OCR merged onto it.
    items = [] if _is_caps_text(rest) else _items(rest, folded[start][m.end() :])
    for i in range(start + 1, min(start + 15, len(lines))):
        if not _BULLET_RE.match(lines[i]):
            if lines[i].strip() and items:
                break
            continue
        items += _items(lines[i], folded[i])
    return (items or None), (0.85 if items else 0.3)


def _items(line: str, folded: str) -> list[str]:
    """One line's items; a signing block or signer name merged onto it is cut away."""
    if (m := _FORM_RE.search(folded.upper())) and _caps_after(line, m.end()):
        line = line[: m.start()]
    elif (m := _CAPS_TAIL_RE.search(line.strip())) and m.group(1).isupper():
        line = line.strip()[: m.start(1)]
    if (name := _name_in(line)) and re.search(r"[.;,:]\s*" + re.escape(name) + r"$", line.strip()):
        line = line.strip()[: -len(name)]
    text = _normalise_file_copy(_BULLET_RE.sub("", line).strip(" ;,."))
    return [text] if len(text) >= 2 else []


def _normalise_file_copy(item: str) -> str:
    """ "Lưu: VI NC" → "Lưu: VT, NC". The file-copy item names the văn thư (VT) first, then
    the drafting unit's abbreviation (NĐ 30 Phụ lục I); OCR often misreads the short "VT" and
    drops the commas between abbreviations."""
    m = _FILE_COPY_RE.match(fold_keep_length(item))
    if not m:
        return item
    parts = [p for p in re.split(r"[,\s]+", item[m.end() :]) if p]
    if not parts or not all(p.isupper() and p.isalnum() and len(p) <= 6 for p in parts):
        return item
    if parts[0] in _VT_MISREADINGS:
        parts[0] = "VT"
    return f"{item[: m.end()].rstrip()} {', '.join(parts)}"


def locate_foot(lines: list[str]) -> dict[str, int | None]:
    """Line numbers of the foot's parts: signing form, signer's position, name, "Nơi nhận"."""
    start = max(0, len(lines) - _FOOT_LINES)
    folded = [fold_keep_length(line) for line in lines]
    form, form_line = _last_form(folded, lines, start)
    anchor = form_line if form_line is not None else _last_position(lines, folded, start)
    name_at = None
    if anchor is not None:
        name_at = _title_and_name(lines, folded, anchor, form is not None)[1]
    recipients = next(
        (i for i in range(len(lines) - 1, -1, -1) if _RECIPIENTS_RE.search(folded[i])), None
    )
    return {
        "signing_form": form_line,
        "signer_block": anchor,
        "signer": name_at,
        "recipients": recipients,
    }


def read_foot(lines: list[str]) -> dict[str, Any]:
    """{"signing_form", "signer_title", "signer", "recipients", "confidence": {...}}"""
    signature = read_signature(lines)
    recipients, rconf = read_recipients(lines)
    return {
        "signing_form": signature.form,
        "signer_title": signature.title,
        "signer": signature.name,
        "recipients": recipients,
        "confidence": {**signature.confidence, "recipients": rconf},
    }
