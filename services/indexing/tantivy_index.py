"""`SearchIndex` on Tantivy: in memory for tests, a directory in production.

Vietnamese analysis happens in Python (`vntext`) and reaches Tantivy as space-separated tokens
on the built-in "whitespace" tokenizer: custom tokenizers are not persisted by Tantivy, and the
Elasticsearch adapter must reproduce exactly the same tokens.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import date, datetime
from typing import Any

import tantivy

from services.common import vntext
from services.common.errors import BadQuery
from services.common.ports import IndexDocument, SearchHit, SearchQuery, SearchResult
from services.indexing import highlight

EXACT_BOOST = 3.0  # a word as typed, diacritics included, outranks its folded look-alikes
PHRASE_BOOST = 2.0  # query words adjacent in the document outrank the same words apart
WRITER_HEAP = 50_000_000
FACET_SIZE = 10_000  # far above the number of kinds/registers/years: counts stay exact

# Facet name in SearchResult -> fast field holding it.
FACET_FIELDS = {"type": "kind", "register": "register", "year": "year"}


def build_schema() -> tantivy.Schema:
    """Filters/facets on raw fast fields; searchable text in an exact and a folded field."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    for name in ("register", "kind", "status", "year"):
        sb.add_text_field(name, stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("secrecy", stored=True, indexed=True, fast=True)
    sb.add_date_field("issued_date", stored=True, indexed=True, fast=True)
    for name in ("title", "number", "number_symbol", "organ", "subject", "body"):
        sb.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("exact", tokenizer_name="whitespace")
    sb.add_text_field("folded", tokenizer_name="whitespace")
    return sb.build()


class TantivyIndex:
    """One instance per index directory and process: it owns the directory's only writer."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self._schema = build_schema()
        if path is None:
            self._index = tantivy.Index(self._schema)
        else:
            os.makedirs(path, exist_ok=True)
            self._index = tantivy.Index(self._schema, path=os.fspath(path))
        self._writer: tantivy.IndexWriter | None = None
        self._lock = threading.Lock()

    # -- writes -------------------------------------------------------------------------------

    def upsert(self, doc: IndexDocument) -> None:
        with self._lock:
            writer = self._get_writer()
            writer.delete_documents_by_term("id", doc.id)
            writer.add_document(_to_tantivy(doc))
            self._commit(writer)

    def delete(self, record_id: str) -> None:
        with self._lock:
            writer = self._get_writer()
            writer.delete_documents_by_term("id", record_id)
            self._commit(writer)

    def close(self) -> None:
        """Release the directory lock so another process (or instance) can write."""
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()  # consumes the writer and drops the lock
                self._writer = None

    def _get_writer(self) -> tantivy.IndexWriter:
        # Lazily, once: a second writer on the directory fails with LockBusy.
        if self._writer is None:
            self._writer = self._index.writer(WRITER_HEAP, 1)
        return self._writer

    def _commit(self, writer: tantivy.IndexWriter) -> None:
        writer.commit()
        self._index.reload()  # the default reader reloads with a delay; searches must see it now

    # -- reads --------------------------------------------------------------------------------

    def count(self) -> int:
        return self._index.searcher().num_docs

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        # A lone combining mark is a "word" that folds to nothing: drop it.
        words = [w for w in vntext.tokenize(query.text) if vntext.fold(w)]
        _validate(query, words)
        tq = self._build_query(query, words)
        searcher = self._index.searcher()
        # Tantivy panics on limit 0, so ask for one hit and drop it.
        found = searcher.search(tq, max(1, query.limit), count=True, offset=query.offset)
        page = found.hits[: query.limit]
        hits = [self._hit(searcher, score, addr, words) for score, addr in page]
        facets = _facets(searcher.aggregate(tq, _facet_request()))
        return SearchResult(
            total=found.count,
            hits=hits,
            facets=facets,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def _build_query(self, query: SearchQuery, words: list[str]) -> tantivy.Query:
        clauses = [(tantivy.Occur.Must, self._word_query(w)) for w in words]
        if len(words) > 1:
            clauses.append((tantivy.Occur.Should, self._phrase_query(words)))
        if not words:
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        # Filters score 0 so they never change the ranking, only the match set.
        clauses += [(tantivy.Occur.Must, _no_score(f)) for f in self._filters(query)]
        return tantivy.Query.boolean_query(clauses)

    def _word_query(self, word: str) -> tantivy.Query:
        """The word as typed (boosted) or any word that folds the same."""
        exact = tantivy.Query.term_query(self._schema, "exact", vntext.exact_form(word))
        folded = tantivy.Query.term_query(self._schema, "folded", vntext.fold(word))
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, tantivy.Query.boost_query(exact, EXACT_BOOST)),
                (tantivy.Occur.Should, folded),
            ]
        )

    def _phrase_query(self, words: list[str]) -> tantivy.Query:
        exact = [vntext.exact_form(w) for w in words]
        folded = [vntext.fold(w) for w in words]
        either = tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(
                        tantivy.Query.phrase_query(self._schema, "exact", exact), EXACT_BOOST
                    ),
                ),
                (tantivy.Occur.Should, tantivy.Query.phrase_query(self._schema, "folded", folded)),
            ]
        )
        return tantivy.Query.boost_query(either, PHRASE_BOOST)

    def _filters(self, query: SearchQuery) -> list[tantivy.Query]:
        schema = self._schema
        filters = [
            # Clearance is always applied: higher levels must not show in hits, totals or facets.
            tantivy.Query.range_query(
                schema, "secrecy", tantivy.FieldType.Integer, None, query.clearance
            )
        ]
        if query.kind:
            filters.append(tantivy.Query.term_query(schema, "kind", query.kind))
        if query.register:
            filters.append(tantivy.Query.term_query(schema, "register", query.register))
        if query.date_from or query.date_to:
            filters.append(
                tantivy.Query.range_query(
                    schema,
                    "issued_date",
                    tantivy.FieldType.Date,
                    _as_datetime(query.date_from),
                    _as_datetime(query.date_to),
                )
            )
        return filters

    def _hit(
        self, searcher: tantivy.Searcher, score: float, addr: tantivy.DocAddress, words: list[str]
    ) -> SearchHit:
        stored = searcher.doc(addr).to_dict()
        issued = _first(stored, "issued_date")
        source = _first(stored, "body") or _first(stored, "subject") or _first(stored, "title")
        return SearchHit(
            id=_first(stored, "id") or "",
            score=float(score),
            title=_first(stored, "title") or "",
            number=_first(stored, "number"),
            date=issued.date().isoformat() if issued else None,
            type=_first(stored, "kind"),
            snippet=highlight.snippet(source or "", words),
            number_symbol=_first(stored, "number_symbol"),
            register=_first(stored, "register"),
        )


def _validate(query: SearchQuery, words: list[str]) -> None:
    has_filter = bool(query.kind or query.register or query.date_from or query.date_to)
    if not words and not has_filter:
        raise BadQuery("Hãy nhập từ khóa tìm kiếm / Please enter search words")
    if query.limit < 0 or query.offset < 0:
        raise BadQuery("Số trang không hợp lệ / Invalid limit or offset")
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise BadQuery(
            "Ngày bắt đầu phải trước ngày kết thúc / The start date must precede the end date"
        )


def _to_tantivy(doc: IndexDocument) -> tantivy.Document:
    out = tantivy.Document()
    out.add_text("id", doc.id)
    out.add_text("register", doc.register)
    out.add_text("status", doc.status)
    out.add_integer("secrecy", doc.secrecy)
    optional = {
        "kind": doc.kind,
        "number": doc.number,
        "number_symbol": doc.number_symbol,
        "organ": doc.organ,
        "subject": doc.subject,
    }
    for name, value in optional.items():
        if value:
            out.add_text(name, vntext.nfc(value))
    out.add_text("title", vntext.nfc(doc.title))
    out.add_text("body", vntext.nfc(doc.text))
    if doc.issued_date is not None:
        out.add_date("issued_date", _as_datetime(doc.issued_date))
        out.add_text("year", str(doc.issued_date.year))
    # Separate values, so a phrase cannot match across the end of one field and the next.
    for part in (doc.title, doc.number_symbol, doc.subject, doc.organ, doc.text):
        if part:
            out.add_text("exact", " ".join(vntext.tokenize(vntext.exact_form(part))))
            out.add_text("folded", " ".join(vntext.tokenize(vntext.fold(part))))
    return out


def _as_datetime(day: date | None) -> datetime | None:
    # Naive midnight is read as UTC by Tantivy, on both the indexing and the query side.
    return None if day is None else datetime(day.year, day.month, day.day)


def _no_score(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)


def _first(stored: dict[str, list[Any]], name: str) -> Any:
    values = stored.get(name)
    return values[0] if values else None


def _facet_request() -> dict[str, Any]:
    return {
        name: {"terms": {"field": field, "size": FACET_SIZE, "segment_size": FACET_SIZE}}
        for name, field in FACET_FIELDS.items()
    }


def _facets(aggregations: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        name: {
            str(bucket["key"]): int(bucket["doc_count"])
            for bucket in aggregations.get(name, {}).get("buckets", [])
        }
        for name in FACET_FIELDS
    }
