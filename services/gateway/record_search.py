"""Search inside one record's text (the record page's "Tìm trong văn bản" box and
`GET /api/records/{id}/search`): like Ctrl+F, the query's words in a row, folded (đ = d,
diacritics ignored), so "duong" finds "đường" on every page.

Pure functions over the pages the caller may read: the gateway passes the text exactly as the
text route answers it (a sealed letter's working copy for whoever may not see the writer).
"""

from __future__ import annotations

import html
import re
from typing import Any

from services.common import vntext
from services.common.errors import BadQuery

MAX_QUERY_CHARS = 200
MAX_HITS = 1000  # listed with snippets; `total` counts them all
CONTEXT_CHARS = 60  # each side of a hit in its snippet

Span = tuple[int, int]
_SPACES = re.compile(r"\s+")


def query_words(query: str) -> list[str]:
    """The folded words to find, in order; BadQuery for nothing to find or a query too long."""
    if len(query) > MAX_QUERY_CHARS:
        raise BadQuery(f"Từ khóa quá dài (tối đa {MAX_QUERY_CHARS} ký tự) / Query too long")
    words = [vntext.fold(w) for w in vntext.tokenize(query)]
    if not words:
        raise BadQuery("Cần từ khóa để tìm / Nothing to search for")
    return words


def find(text: str, words: list[str]) -> list[Span]:
    """Spans of `text` (NFC) where the folded `words` stand in a row."""
    spans = vntext.word_spans(text)
    folded = [vntext.fold(text[s:e]) for s, e in spans]
    n = len(words)
    return [
        (spans[i][0], spans[i + n - 1][1])
        for i in range(len(spans) - n + 1)
        if folded[i : i + n] == words
    ]


def search_pages(pages: list[dict[str, Any]], query: str) -> dict[str, Any]:
    """`{"q", "total", "pages": [{"n", "hits"}], "hits": [{"n", "page", "snippet"}]}`: hits
    numbered from 1 in reading order; snippets are escaped HTML with the match in <mark>."""
    words = query_words(query)
    hits: list[dict[str, Any]] = []
    per_page = []
    total = 0
    for page in pages:
        text = vntext.nfc(page["text"])
        spans = find(text, words)
        if spans:
            per_page.append({"n": page["n"], "hits": len(spans)})
        for span in spans:
            total += 1
            if len(hits) < MAX_HITS:
                hits.append({"n": total, "page": page["n"], "snippet": _snippet(text, span)})
    return {"q": query, "total": total, "pages": per_page, "hits": hits}


def marked_pages(pages: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """The pages with `marked`: their text as escaped HTML, each hit in
    `<mark id="hit-N">` numbered across pages, for the portal's next/previous buttons."""
    words = query_words(query)
    out, number = [], 0
    for page in pages:
        text = vntext.nfc(page["text"])
        parts, pos = [], 0
        for start, end in find(text, words):
            number += 1
            parts += [html.escape(text[pos:start]), _mark(text[start:end], number)]
            pos = end
        out.append({**page, "marked": "".join(parts) + html.escape(text[pos:])})
    return out


def _mark(text: str, number: int) -> str:
    return f'<mark id="hit-{number}" class="hit">{html.escape(text)}</mark>'


def _snippet(text: str, span: Span) -> str:
    start, end = span
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(text), end + CONTEXT_CHARS)
    before = _SPACES.sub(" ", text[left:start]).lstrip()
    after = _SPACES.sub(" ", text[end:right]).rstrip()
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    match = html.escape(text[start:end])
    return f"{prefix}{html.escape(before)}<mark>{match}</mark>{html.escape(after)}{suffix}"
