"""Search-result snippets: the document's own words, with matches marked, safe to embed in HTML.

Matching compares folded forms, so a query typed without diacritics ("van phong") still marks
"văn phòng" as the document writes it.
"""

from __future__ import annotations

import functools
import html
from collections import Counter

from services.common import vntext

_ELLIPSIS = "…"

Span = tuple[int, int]


def snippet(
    text: str, query_words: list[str], max_chars: int = 240, folded: str | None = None
) -> str:
    """Escaped HTML of the best `max_chars` window of `text`, matched words in <mark>.
    `folded`: `vntext.fold(text)` if the caller has it (the index stores it)."""
    clean = vntext.nfc(text)
    if not _squashed(clean):  # a stored text is squashed already
        clean = vntext.squash(clean)  # split/join: a third of a regex sub's time
    if folded is None or clean != text or len(folded) != len(clean):
        folded = vntext.fold(clean)
    matches, words = _matches(clean, _targets(tuple(query_words)), folded)
    start, end = _window(clean, matches, words, max(1, max_chars))
    inside = [(s, e) for s, e in matches if start <= s and e <= end]
    body = _render(clean, start, end, inside)
    prefix = _ELLIPSIS if start > 0 else ""
    suffix = _ELLIPSIS if end < len(clean) else ""
    return prefix + body + suffix


def _squashed(text: str) -> bool:
    """Whether `vntext.squash` leaves `text` as it is. Printable text holds no whitespace but
    the ASCII space (tabs, newlines, other spaces are not printable): scans in C, where a
    regex for the same tried three alternatives at every character."""
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


@functools.lru_cache(maxsize=64)
def _targets(query_words: tuple[str, ...]) -> frozenset[str]:
    """The folded words to mark: once per query, not once per hit."""
    return frozenset(vntext.fold(w) for q in query_words for w in vntext.tokenize(q))


def _matches(text: str, targets: frozenset[str], folded: str) -> tuple[list[Span], list[str]]:
    """Spans of the words of `text` that fold to one of `targets`, and those folded words;
    `folded` is `vntext.fold(text)`."""
    if not targets:
        return [], []
    if len(folded) == len(text):
        # One folded character per character (always so for Vietnamese): search the folded
        # text once instead of folding each word; the spans carry over unchanged. str.find
        # per word, then the word-boundary check, is several times faster than one regex with
        # look-arounds tried at every position. Targets are whole words, so the spans found
        # never overlap.
        spans = sorted(span for target in targets for span in _whole_words(folded, target))
        return spans, [folded[s:e] for s, e in spans]
    found = [(s, e, vntext.fold(text[s:e])) for s, e in vntext.word_spans(text)]
    found = [m for m in found if m[2] in targets]
    return [(s, e) for s, e, _ in found], [w for _, _, w in found]


def _whole_words(text: str, word: str) -> list[Span]:
    """Spans where `word` stands in `text` as a whole word (`vntext.word_spans`'s words: not
    touching a letter or digit on either side)."""
    spans: list[Span] = []
    start = text.find(word)
    while start >= 0 and word:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            spans.append((start, end))
        start = text.find(word, start + 1)
    return spans


def _window(text: str, matches: list[Span], words: list[str], max_chars: int) -> Span:
    """Pick the window with the most distinct query words, centred on them, cut at words."""
    if not matches:
        hard = min(len(text), max_chars)
        return 0, _cut_end(text, hard, 0) or hard  # one giant word: cut it
    first, last = _densest(matches, words, max_chars)
    slack = max(0, max_chars - (last[1] - first[0]))
    start = max(0, first[0] - slack // 2)
    end = min(len(text), start + max_chars)
    start = max(0, min(start, end - max_chars))
    start = _cut_start(text, start, first[0])
    end = _cut_end(text, max(end, first[1]), last[1])
    return start, end


def _densest(matches: list[Span], words: list[str], max_chars: int) -> tuple[Span, Span]:
    """Sliding window over matches (`words`: their folded forms): most distinct words first,
    then most matches."""
    seen: Counter[str] = Counter()
    best = (0, 0, 0, 0)  # distinct, count, first index, last index
    left = 0
    for right, (_, end) in enumerate(matches):
        seen[words[right]] += 1
        while end - matches[left][0] > max_chars and left < right:
            seen[words[left]] -= 1
            if not seen[words[left]]:
                del seen[words[left]]
            left += 1
        candidate = (len(seen), right - left + 1, left, right)
        if candidate[:2] > best[:2]:
            best = candidate
    return matches[best[2]], matches[best[3]]


def _cut_start(text: str, start: int, limit: int) -> int:
    """Move `start` forward out of a half word, never past `limit` (the first match)."""
    while start < limit and start > 0 and not text[start - 1].isspace():
        start += 1
    return start


def _cut_end(text: str, end: int, limit: int) -> int:
    """Move `end` back out of a half word, never before `limit` (the last match's end)."""
    while end > limit and end < len(text) and not text[end].isspace():
        end -= 1
    return end


def _render(text: str, start: int, end: int, marks: list[Span]) -> str:
    """Escape everything; only our own <mark> tags are raw HTML."""
    parts: list[str] = []
    pos = start
    for s, e in marks:
        parts.append(html.escape(text[pos:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    parts.append(html.escape(text[pos:end]))
    return "".join(parts).strip()
