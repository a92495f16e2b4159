"""What every engine indexes for one record, derived in one place from `vntext`.

Both engines receive `text_parts`: NFC with new tone placement, case kept. Tantivy splits and
lowercases them with its built-in "default" tokenizer (letters and digits; the same words as
`vntext.tokenize`) and gets a second, folded copy from `vntext.fold`; Elasticsearch folds with
its own analyser (asciifolding + đ mapping, deploy/elasticsearch/). Keyword values are shared.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from services.common import vntext
from services.common.ports import IndexDocument
from services.indexing.query import organ_key


@dataclass(frozen=True)
class Analysed:
    keywords: dict[str, str]  # exact-match fields: kind, register, status, year, organ_key, ...
    body: str  # the record's text as written: NFC, whitespace runs as one space (snippets)
    text_parts: list[str]  # searchable text, one value per source field (phrases never span)
    number_tokens: str  # folded tokens of số/ký hiệu and register number (`so:`)
    organ_tokens: str  # folded tokens of the organ (`coquan:`)

    @property
    def folded_words(self) -> list[str]:
        return folded_words(self.text_parts)


def folded_words(text_parts: list[str]) -> list[str]:
    """The folded words of a record's searchable text, in order (repeats kept)."""
    return [w for p in text_parts for w in vntext.tokenize(vntext.fold(p))]


def analyse(doc: IndexDocument) -> Analysed:
    keywords = {
        "id": doc.id,
        "register": doc.register,
        "status": doc.status,
        "kind": doc.kind or "",
        "year": str(doc.issued_date.year) if doc.issued_date else "",
        "organ_key": organ_key(doc.organ) if doc.organ else "",
        "organ_fold": vntext.fold(organ_key(doc.organ)) if doc.organ else "",
    }
    body = vntext.squash(vntext.nfc(doc.text))
    parts = [doc.title, doc.number_symbol, doc.subject, doc.organ, body]  # the text last
    numbers = [doc.number_symbol or ""]
    if doc.number:  # register number "07" is also found as "7"
        numbers += [doc.number, doc.number.lstrip("0")]
    return Analysed(
        keywords={k: v for k, v in keywords.items() if v},
        body=body,
        text_parts=[vntext.normalize_tones(p) for p in parts if p],
        number_tokens=" ".join(vntext.tokenize(vntext.fold(" ".join(numbers)))),
        organ_tokens=" ".join(vntext.tokenize(vntext.fold(doc.organ or ""))),
    )


def candidate_counts(folded_words: list[str]) -> dict[str, int]:
    """Each word worth weighing for "more like this", with its count in the record: numbers
    and one-letter words are skipped."""
    counts: dict[str, int] = {}
    for token in folded_words:
        if len(token) > 1 and not token.isdigit():
            counts[token] = counts.get(token, 0) + 1
    return counts


def significant_terms(
    folded_words: list[str], doc_freq: Callable[[str], int], total_docs: int, top: int = 25
) -> list[str]:
    """The record's most distinctive folded words (tf·idf), for "more like this".

    `doc_freq(term) -> int` and `total_docs` come from the engine, counted within the
    caller's clearance (records they may not see must not sway the choice).
    """
    counts = candidate_counts(folded_words)
    scored = [(_weight(tf, doc_freq(term), total_docs), term) for term, tf in counts.items()]
    return [term for _, term in sorted(scored, reverse=True)[:top]]


def _weight(tf: int, df: int, total_docs: int) -> float:
    # BM25's idf: always positive, so words shared by every record of a tiny index still count.
    return tf * math.log(1 + (total_docs - df + 0.5) / (df + 0.5))
