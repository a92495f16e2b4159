"""Read a DOCX (python-docx) or PDF (pypdfium2 text page) draft into a `Draft`.

DOCX: paragraphs in body order, a table's cells left to right (the header and the foot are
two-column tables); typography resolved run → paragraph style chain → document defaults.
PDF: characters grouped into printed lines (a wide gap splits two columns), with the font name,
size and position pdfium reports for each character.
"""

from __future__ import annotations

import ctypes
import io
import math
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any
from zipfile import BadZipFile

from services.common.errors import PermanentError
from services.common.vntext import nfc, squash
from services.formcheck.draft import Draft, Line, Page

MM_PER_PT = 25.4 / 72
MAX_PAGES = 60  # a draft, not a book: refuse more (the check runs inside the gateway)
_UNREADABLE = "Không đọc được tệp DOCX hoặc PDF / Not a readable DOCX or PDF file"


_NO_TEXT = (
    "Dự thảo không có chữ đọc được (bản quét?): hãy kiểm tra tệp DOCX hoặc PDF xuất từ trình "
    "soạn thảo / No text in the draft (a scan?): check the DOCX or the PDF the editor exported"
)


def read_draft(data: bytes, filename: str = "") -> Draft:
    """The draft in `data`: PDF by its signature, DOCX (a ZIP) otherwise."""
    if data[:5] == b"%PDF-":
        draft = read_pdf(data)
    elif data[:2] == b"PK":
        draft = read_docx(data)
    else:
        raise PermanentError(_UNREADABLE)
    if not draft.lines:  # a scan has no fonts or sizes to check: say so, not "all missing"
        raise PermanentError(_NO_TEXT)
    return draft


# --- DOCX ------------------------------------------------------------------------------------


def read_docx(data: bytes) -> Draft:
    import docx  # python-docx; imported here so the PDF path does not need it
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, BadZipFile, XMLSyntaxError, KeyError, ValueError) as exc:
        raise PermanentError(_UNREADABLE) from exc
    defaults = _docx_defaults(document)
    lines, heights, breaks = [], [], 0
    section = document.sections[0]
    usable_pt = (section.page_width - section.left_margin - section.right_margin) / 12700
    for paragraphs in _docx_blocks(document):
        block_height = 0.0
        for paragraph in paragraphs:
            breaks += _page_breaks(paragraph)
            pieces = _docx_lines(paragraph, defaults, breaks + 1)
            block_height += sum(_height_pt(line, usable_pt) for line in pieces) or 6
            lines += pieces
        heights.append(block_height)
    return _docx_draft(document, lines, sum(heights), breaks)


def _docx_draft(document, lines: list[Line], height_pt: float, breaks: int) -> Draft:
    pages = [_docx_page(section) for section in document.sections]
    first = pages[0]
    per_page_pt = (first.height_mm - first.top_mm - first.bottom_mm) / MM_PER_PT
    numbered, on_first = _page_fields(document)
    return Draft(
        source="docx",
        lines=lines,
        pages=pages,
        page_count=max(breaks + 1, math.ceil(height_pt / max(per_page_pt, 1.0))),
        page_numbers=numbered,
        first_page_numbered=on_first,
        margins_exact=True,
    )


def _docx_blocks(document) -> Iterator[list]:
    """Paragraph groups in body order: a paragraph alone, or a table cell's paragraphs."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            yield [Paragraph(child, document)]
        elif tag == "tbl":
            seen = set()
            for row in Table(child, document).rows:
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        yield list(cell.paragraphs)


def _docx_defaults(document) -> dict:
    from docx.oxml.ns import qn

    rpr = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    size = rpr.find(qn("w:sz")) if rpr is not None else None
    return {
        "font": fonts.get(qn("w:ascii")) if fonts is not None else None,
        "size": int(size.get(qn("w:val"))) / 2 if size is not None else 10.0,
    }


def _style_value(style, attribute: str):
    """The first value set along the paragraph style's chain (style, its base, …)."""
    while style is not None:
        value = getattr(style.font, attribute)
        if value is not None:
            return value
        style = style.base_style
    return None


def _run_value(run, paragraph_style, attribute: str, default):
    value = getattr(run.font, attribute)
    if value is None and run._r.style is not None:  # a character style of its own
        value = getattr(run.style.font, attribute)
    if value is None:
        value = _style_value(paragraph_style, attribute)
    return default if value is None else value


def _docx_lines(paragraph, defaults: dict, page: int) -> list[Line]:
    """The paragraph's printed lines: a line break (Shift+Enter) or a tab (columns laid out
    with tab stops) starts a new one, each with the typography of its own runs."""
    style = paragraph.style
    segments: list[list[tuple[str, Any]]] = [[]]
    for item in paragraph.iter_inner_content():
        for run in getattr(item, "runs", [item]):  # a hyperlink holds runs of its own
            for n, piece in enumerate(re.split(r"[\n\t]", run.text)):
                if n:
                    segments.append([])
                segments[-1].append((piece, run))
    lines = (_docx_line(segment, style, defaults, page) for segment in segments)
    return [line for line in lines if line.text]


def _docx_line(segment: list[tuple[str, Any]], style, defaults: dict, page: int) -> Line:
    printed = [(text, run) for text, run in segment if text.strip()]
    sizes: Counter[float] = Counter()
    for text, run in printed:
        size = _run_value(run, style, "size", None)
        sizes[size.pt if size is not None else defaults["size"]] += len(text.strip())
    runs = [run for _, run in printed]
    return Line(
        text=squash(nfc("".join(text for text, _ in segment))),
        page=page,
        size=sizes.most_common(1)[0][0] if sizes else None,
        bold=bool(runs) and all(_run_value(r, style, "bold", False) for r in runs),
        italic=bool(runs) and all(_run_value(r, style, "italic", False) for r in runs),
        fonts=frozenset(
            _run_value(r, style, "name", defaults["font"]) or "(mặc định)" for r in runs
        ),
    )


def _page_breaks(paragraph) -> int:
    xml = paragraph._p.xml
    return xml.count('w:type="page"') + ("<w:pageBreakBefore/>" in xml)


def _height_pt(line: Line, usable_pt: float) -> float:
    """The paragraph's printed height, estimated: characters per line from the font size."""
    size = line.size or 13.0
    per_line = max(int(usable_pt / (size * 0.48)), 1)
    return max(math.ceil(len(line.text) / per_line), 1) * size * 1.2 + 6


def _docx_page(section) -> Page:
    def mm(length) -> float:
        return round(length.mm, 1) if length is not None else 0.0

    return Page(
        width_mm=mm(section.page_width),
        height_mm=mm(section.page_height),
        top_mm=mm(section.top_margin),
        bottom_mm=mm(section.bottom_margin),
        left_mm=mm(section.left_margin),
        right_mm=mm(section.right_margin),
    )


_PAGE_FIELD_RE = re.compile(r"(instrText[^>]*>\s*PAGE\b|w:instr=\"\s*PAGE\b)")


def _page_fields(document) -> tuple[bool, bool]:
    """(a PAGE field in some header/footer, that field shows on the first page)."""
    numbered = on_first = False
    for section in document.sections:
        default = any(_has_page_field(part) for part in (section.header, section.footer))
        first = any(
            _has_page_field(part) for part in (section.first_page_header, section.first_page_footer)
        )
        numbered |= default or first
        on_first |= first if section.different_first_page_header_footer else default
    return numbered, on_first


def _has_page_field(part) -> bool:
    return not part.is_linked_to_previous and bool(_PAGE_FIELD_RE.search(part._element.xml))


# --- PDF -------------------------------------------------------------------------------------


def _os_lock() -> threading.Lock:
    """A lock between OS threads. Under eventlet (the gateway, which checks drafts in its OS
    thread pool) `threading` is green, and a green lock would not stop another OS thread."""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched("thread"):
        return patcher.original("threading").Lock()
    return threading.Lock()


# pdfium is not thread-safe, not even on two documents: one PDF is read at a time per process.
_PDFIUM = _os_lock()


def read_pdf(data: bytes) -> Draft:
    with _PDFIUM:
        return _read_pdf(data)


def _read_pdf(data: bytes) -> Draft:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PermanentError(_UNREADABLE) from exc
    try:
        if len(pdf) > MAX_PAGES:
            raise PermanentError(f"Dự thảo quá {MAX_PAGES} trang / Draft over {MAX_PAGES} pages")
        pages, lines, numbers = [], [], []
        for index in range(len(pdf)):
            page_lines, page, number = _pdf_page(pdf[index], index + 1)
            pages.append(page)
            lines += page_lines
            numbers.append(number)
    finally:
        pdf.close()
    return Draft(
        source="pdf",
        lines=lines,
        pages=pages,
        page_count=len(pages),
        page_numbers=any(numbers[1:]) or (len(numbers) == 1 and numbers[0]),
        first_page_numbered=bool(numbers and numbers[0]),
        margins_exact=False,
    )


class _Char:
    __slots__ = ("bold", "bottom", "ch", "font", "italic", "left", "right", "size", "top")

    def __init__(self, ch, box, size, font, bold, italic):
        self.ch, (self.left, self.bottom, self.right, self.top) = ch, box
        self.size, self.font, self.bold, self.italic = size, font, bold, italic


def _pdf_chars(textpage) -> list[_Char]:
    import pypdfium2.raw as raw

    buffer = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    chars = []
    for i in range(textpage.count_chars()):
        ch = chr(raw.FPDFText_GetUnicode(textpage.raw, i))
        n = raw.FPDFText_GetFontInfo(textpage.raw, i, buffer, 256, ctypes.byref(flags))
        name = buffer.raw[: max(n - 1, 0)].decode("latin-1")
        weight = raw.FPDFText_GetFontWeight(textpage.raw, i)
        style = name.lower()
        chars.append(
            _Char(
                ch,
                textpage.get_charbox(i),
                round(raw.FPDFText_GetFontSize(textpage.raw, i), 1),
                font_family(name),
                "bold" in style or weight >= 600,
                "italic" in style or "oblique" in style or bool(flags.value & 64),
            )
        )
    return chars


def font_family(name: str) -> str:
    """ "ABCDEF+TimesNewRomanPS-BoldItalicMT" → "TimesNewRomanPS"; "Arial,Bold" → "Arial"."""
    name = name.split("+", 1)[-1]
    return re.split(r"[-,]", name, maxsplit=1)[0]


def _segments(chars: list[_Char]) -> list[list[_Char]]:
    """Runs of characters on one baseline with no column-wide gap between them."""
    segments: list[list[_Char]] = []
    current: list[_Char] = []
    for c in chars:
        if c.ch in "\r\n\x02\ufffe":
            current = []
            continue
        if c.ch.isspace() and c.right <= c.left:
            if current:
                current.append(c)
            continue
        last = next((x for x in reversed(current) if not x.ch.isspace()), None)
        if last is None or not _same_segment(last, c):
            current = [c]
            segments.append(current)
        else:
            current.append(c)
    return segments


def _same_segment(last: _Char, c: _Char) -> bool:
    size = max(last.size, c.size, 1.0)
    return abs(last.bottom - c.bottom) < size * 0.6 and -size < c.left - last.right < size * 2.5


def _pdf_page(page, number: int) -> tuple[list[Line], Page, bool]:
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        segments = [s for s in _segments(_pdf_chars(textpage)) if "".join(c.ch for c in s).strip()]
    finally:
        textpage.close()
    segments.sort(key=lambda s: (-round(s[0].bottom / 4), s[0].left))
    page_number = [s for s in segments if _is_page_number(s, number, height)]
    text_segments = [s for s in segments if s not in page_number]
    lines = [_pdf_line(s, number) for s in text_segments]
    return lines, _pdf_margins(text_segments, width, height), bool(page_number)


def _is_page_number(segment: list[_Char], number: int, height: float) -> bool:
    text = "".join(c.ch for c in segment).strip()
    near_edge = segment[0].top > height - 30 / MM_PER_PT or segment[0].bottom < 30 / MM_PER_PT
    return text == str(number) and near_edge


def _pdf_line(segment: list[_Char], page: int) -> Line:
    visible = [c for c in segment if not c.ch.isspace()]
    sizes = Counter(c.size for c in visible)
    return Line(
        text=nfc("".join(c.ch for c in segment)).strip(),
        page=page,
        size=sizes.most_common(1)[0][0] if sizes else None,
        bold=all(c.bold for c in visible),
        italic=all(c.italic for c in visible),
        fonts=frozenset(c.font for c in visible),
    )


def _pdf_margins(segments: list[list[_Char]], width: float, height: float) -> Page:
    chars = [c for s in segments for c in s if not c.ch.isspace()]
    if not chars:
        return Page(width * MM_PER_PT, height * MM_PER_PT, 0, 0, 0, 0)
    return Page(
        width_mm=round(width * MM_PER_PT, 1),
        height_mm=round(height * MM_PER_PT, 1),
        top_mm=round((height - max(c.top for c in chars)) * MM_PER_PT, 1),
        bottom_mm=round(min(c.bottom for c in chars) * MM_PER_PT, 1),
        left_mm=round(min(c.left for c in chars) * MM_PER_PT, 1),
        right_mm=round((width - max(c.right for c in chars)) * MM_PER_PT, 1),
    )
