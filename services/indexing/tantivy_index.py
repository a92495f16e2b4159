"""`SearchIndex` on Tantivy: in memory for tests, a directory of generations in production.

Layout of the index directory: `gen-NNNN/` holds one full index; the file `CURRENT` names the
generation searches use, `REBUILD` the one a rebuild is filling. A rebuild fills a new generation
while searches keep using the current one, then `CURRENT` is replaced atomically (rename). An
index directory from before generations (Tantivy files at its top) is used as it is until the
first rebuild.

Quirks of tantivy 0.27 this adapter works around: one IndexWriter per directory (LockBusy
otherwise), so each generation keeps its one writer for the life of the process; the default
reader reloads with a delay, so every commit reloads; a search with limit 0 panics.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tantivy

from services.common.errors import NotFound
from services.common.ports import IndexDocument, SearchHit, SearchQuery, SearchResult
from services.indexing import highlight
from services.indexing import query as q
from services.indexing.analysis import analyse, significant_terms
from services.indexing.tantivy_query import (
    Translator,
    build_schema,
    facet_request,
    facets,
    has_fuzzy_words,
    to_document,
)

log = logging.getLogger(__name__)
WRITER_HEAP = 50_000_000
CURRENT, REBUILD = "CURRENT", "REBUILD"


class _Generation:
    """One Tantivy index (a directory or memory) with its single, lazily opened writer."""

    def __init__(self, schema: tantivy.Schema, path: Path | None, name: str) -> None:
        self.name = name
        self.path = path
        if path is None:
            self.index = tantivy.Index(schema)
        else:
            path.mkdir(parents=True, exist_ok=True)
            self.index = tantivy.Index(schema, path=str(path))
        self._writer: tantivy.IndexWriter | None = None
        self._lock = threading.Lock()  # the rebuild and live writes share this writer

    @property
    def generation(self) -> str:
        return self.name

    def upsert_many(self, docs: Iterable[IndexDocument]) -> int:
        batch = list(docs)
        self.write(batch)
        return len(batch)

    def write(self, docs: list[IndexDocument], deletes: Iterable[str] = ()) -> None:
        with self._lock:
            self._write(docs, deletes)

    def _write(self, docs: list[IndexDocument], deletes: Iterable[str]) -> None:
        if self._writer is None:
            self._writer = self.index.writer(WRITER_HEAP, 1)
        writer = self._writer
        for record_id in deletes:
            writer.delete_documents_by_term("id", record_id)
        for doc in docs:
            writer.delete_documents_by_term("id", doc.id)
            writer.add_document(to_document(doc))
        writer.commit()
        self.index.reload()  # the default reader reloads with a delay; searches must see it now

    def ids(self) -> set[str]:
        # The filter makes deleted documents (still in the term dictionary) not count.
        terms = self.index.searcher().terms_with_prefix("id", "", tantivy.Query.all_query())
        return {term for term, _ in terms}

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()  # consumes the writer and drops the lock
                self._writer = None


class TantivyIndex:
    """One instance per index directory and process: it owns the directory's only writers."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self._schema = build_schema()
        self._root = None if path is None else Path(path)
        self._lock = threading.RLock()
        self._current = self._open_current()
        self._next: _Generation | None = None

    # -- generations ----------------------------------------------------------------------------

    def _open_current(self) -> _Generation:
        if self._root is None:
            return _Generation(self._schema, None, "memory")
        pointer = self._root / CURRENT
        try:
            if pointer.is_file():
                name = pointer.read_text().strip()
                return _Generation(self._schema, self._root / name, name)
            if (self._root / "meta.json").is_file():  # an index from before generations
                return _Generation(self._schema, self._root, ".")
        except ValueError as exc:
            if "schema does not match" not in str(exc):
                raise
            # Written by an older luutru: start empty beside it; `luutru index verify --repair`
            # (or `rebuild`) fills it from the catalog.
            log.warning("index schema changed: new empty generation; run luutru index rebuild")
        name = _next_name(self._root)
        generation = _Generation(self._schema, self._root / name, name)
        _write_atomically(pointer, name)
        return generation

    @property
    def generation(self) -> str:
        return self._current.name

    def begin_rebuild(self) -> _Generation:
        """The unfinished rebuild generation if any (resume), else a new empty one."""
        with self._lock:
            if self._next is None:
                self._next = self._open_next()
            return self._next

    def _open_next(self) -> _Generation:
        if self._root is None:
            return _Generation(self._schema, None, "memory-next")
        pending = self._root / REBUILD
        if pending.is_file():
            name = pending.read_text().strip()
        else:
            name = _next_name(self._root)
            _write_atomically(pending, name)
        return _Generation(self._schema, self._root / name, name)

    def finish_rebuild(self) -> str:
        """Swap the rebuilt generation in; searches move to it at once; the old one is removed."""
        with self._lock:
            if self._next is None:
                raise RuntimeError("no rebuild in progress")
            old, self._current, self._next = self._current, self._next, None
            if self._root is not None:
                _write_atomically(self._root / CURRENT, self._current.name)
                (self._root / REBUILD).unlink(missing_ok=True)
            old.close()
            if old.path is not None and old.name != ".":
                shutil.rmtree(old.path, ignore_errors=True)
            return self._current.name

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, doc: IndexDocument) -> None:
        self.upsert_many([doc])

    def upsert_many(self, docs: Iterable[IndexDocument]) -> int:
        batch = list(docs)
        with self._lock:
            for generation in self._targets():
                generation.write(batch)
        return len(batch)

    def delete(self, record_id: str) -> None:
        with self._lock:
            for generation in self._targets():
                generation.write([], deletes=[record_id])

    def _targets(self) -> list[_Generation]:
        # While a rebuild runs, live writes go to both, so the new generation misses nothing.
        return [self._current] + ([self._next] if self._next else [])

    def close(self) -> None:
        """Release the directory locks so another process (or instance) can write."""
        with self._lock:
            for generation in self._targets():
                generation.close()

    # -- reads ----------------------------------------------------------------------------------

    def count(self) -> int:
        return self._current.index.searcher().num_docs

    def ids(self) -> set[str]:
        return self._current.ids()

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        plan = q.plan(query)
        searcher = self._current.index.searcher()
        result = self._run(searcher, plan, Translator(self._schema).query(plan))
        if result.total == 0 and has_fuzzy_words(plan):
            result = self._run(searcher, plan, Translator(self._schema, fuzzy=True).query(plan))
            result.fuzzy = True
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _run(self, searcher: tantivy.Searcher, plan: q.Plan, tq: tantivy.Query) -> SearchResult:
        order: dict[str, Any] = {}
        if plan.sort != "relevance":
            order = {"order_by_field": "issued_date", "order": _ORDERS[plan.sort]}
        # Tantivy panics on limit 0, so ask for one hit and drop it.
        found = searcher.search(tq, max(1, plan.limit), count=True, offset=plan.offset, **order)
        words = plan.highlight_words
        hits = [
            self._hit(searcher, key if not order else 0.0, addr, words)
            for key, addr in found.hits[: plan.limit]
        ]
        return SearchResult(
            total=found.count, hits=hits, facets=facets(searcher.aggregate(tq, facet_request()))
        )

    def similar(self, record_id: str, clearance: int = 0, limit: int = 10) -> SearchResult:
        started = time.perf_counter()
        searcher = self._current.index.searcher()
        source = self._stored(searcher, record_id)
        if source is None or _first(source, "secrecy") > clearance:
            raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
        terms = significant_terms(
            analyse(_as_document(source)).folded_words,
            lambda t: searcher.doc_freq("folded", t),
            searcher.num_docs,
        )
        plan = q.Plan(filters=(q.Secrecy(clearance),), limit=limit)
        translator = Translator(self._schema)
        occur = tantivy.Occur
        tq = tantivy.Query.boolean_query(
            [(occur.Should, tantivy.Query.term_query(self._schema, "folded", t)) for t in terms]
            + [
                (occur.Must, tantivy.Query.const_score_query(translator.filter(f), 0.0))
                for f in plan.filters
            ]
            + [(occur.MustNot, tantivy.Query.term_query(self._schema, "id", record_id))]
            + [(occur.Must, _at_least_one(self._schema, terms))]
        )
        found = searcher.search(tq, max(1, limit), count=True)
        hits = [self._hit(searcher, s, a, terms[:8]) for s, a in found.hits[:limit]]
        took = (time.perf_counter() - started) * 1000
        return SearchResult(total=found.count, hits=hits, took_ms=took)

    def _stored(self, searcher: tantivy.Searcher, record_id: str) -> dict[str, list] | None:
        found = searcher.search(tantivy.Query.term_query(self._schema, "id", record_id), 1)
        return searcher.doc(found.hits[0][1]).to_dict() if found.hits else None

    def _hit(
        self, searcher: tantivy.Searcher, score: float, addr: tantivy.DocAddress, words: list[str]
    ) -> SearchHit:
        stored = searcher.doc(addr).to_dict()
        issued = _first(stored, "issued_date")
        body = _first(stored, "body")
        source = bytes(body).decode() if body else None
        source = source or _first(stored, "subject") or _first(stored, "title")
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
            organ=_first(stored, "organ"),
        )


_ORDERS = {"date_desc": tantivy.Order.Desc, "date_asc": tantivy.Order.Asc}


def _at_least_one(schema: tantivy.Schema, terms: list[str]) -> tantivy.Query:
    if not terms:
        return tantivy.Query.empty_query()
    return tantivy.Query.term_set_query(schema, "folded", terms)


def _as_document(stored: dict[str, list]) -> IndexDocument:
    body = _first(stored, "body")
    return IndexDocument(
        id=_first(stored, "id"),
        register=_first(stored, "register") or "",
        title=_first(stored, "title") or "",
        subject=_first(stored, "subject"),
        text=bytes(body).decode() if body else "",
    )


def _first(stored: dict[str, list[Any]], name: str) -> Any:
    values = stored.get(name)
    return values[0] if values else None


def _next_name(root: Path) -> str:
    taken = [int(p.name[4:]) for p in root.glob("gen-*") if p.name[4:].isdigit()]
    name = f"gen-{max(taken, default=0) + 1:04d}"
    shutil.rmtree(root / name, ignore_errors=True)  # leftovers of a generation never named
    return name


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text + "\n")
    os.replace(tmp, path)
