"""One structure for a draft read from DOCX or PDF: its lines with their typography, and its
pages. Framework-free; the readers (services.formcheck.readers) build it, the rules read it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    """A paragraph (DOCX) or a printed line (PDF), with the typography of most of its text."""

    text: str
    page: int | None  # 1-based; None when the format does not say (DOCX without breaks)
    size: float | None  # points, of most of the characters
    bold: bool  # every character bold
    italic: bool  # every character italic
    fonts: frozenset[str] = field(default_factory=frozenset)  # family names, no style suffix


@dataclass(frozen=True)
class Page:
    width_mm: float
    height_mm: float
    # Margins as set (DOCX) or as the text's extent shows them (PDF: a lower bound).
    top_mm: float
    bottom_mm: float
    left_mm: float
    right_mm: float


@dataclass(frozen=True)
class Draft:
    source: str  # "docx" or "pdf"
    lines: list[Line]
    pages: list[Page]
    page_count: int  # printed pages (PDF), or an estimate from the text's length (DOCX)
    page_numbers: bool  # a page-number field (DOCX) or printed numbers (PDF) is present
    first_page_numbered: bool  # the number shows on page 1 (NĐ 30 wants it hidden there)
    margins_exact: bool  # margins as set (DOCX) rather than inferred from the text (PDF)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)
