"""`SearchIndex` on Elasticsearch 8 (the official client, `elasticsearch>=8,<9`).

Searches go to the alias `luutru-records`; documents live in `luutru-records-NNNN`. A rebuild
fills the next numbered index while the alias keeps serving the current one, then moves the
alias in one atomic `_aliases` call. Bodies are built in `es_bodies` (unit-tested).

Each index is created from the template stamped with `es_bodies.es_index_version()` in its
mapping's `_meta`: one of another version (or none, from before versions) is `outdated()`, and
the indexing service rebuilds it on start like Tantivy's (dependencies.py). Until the swap the
old index answers searches and still gets live writes, without failing on documents its older,
strict mapping refuses (the new index gets them all).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError, helpers

from services.common.errors import NotFound
from services.common.ports import IndexDocument, SearchHit, SearchQuery, SearchResult
from services.common.secrecy import HIGHEST
from services.indexing import es_bodies, highlight, suggest
from services.indexing import query as q
from services.indexing.analysis import candidate_counts, folded_words, significant_terms
from services.indexing.tantivy_query import has_fuzzy_words

log = logging.getLogger(__name__)
DEFAULT_ALIAS = "luutru-records"


class _EsGeneration:
    """One concrete index; the rebuild target."""

    def __init__(self, es: Elasticsearch, name: str) -> None:
        self.es = es
        self.generation = name

    def upsert_many(self, docs: Iterable[IndexDocument], outdated: bool = False) -> int:
        """`outdated`: an index of an older mapping, being replaced; what it refuses is logged,
        not raised (the rebuilt index holds every document)."""
        actions = es_bodies.bulk_actions(self.generation, docs)
        ok, errors = helpers.bulk(self.es, actions, refresh="wait_for", raise_on_error=not outdated)
        if errors:
            log.warning("outdated index %s refused %d documents", self.generation, len(errors))
        return ok

    def ids(self) -> set[str]:
        scan = helpers.scan(
            self.es, index=self.generation, query={"query": {"match_all": {}}, "_source": False}
        )
        return {hit["_id"] for hit in scan}


class ElasticsearchIndex:
    def __init__(self, es: Elasticsearch, alias: str = DEFAULT_ALIAS) -> None:
        self.es = es
        self.alias = alias
        self._next: _EsGeneration | None = None
        self._versions: dict[str, str | None] = {}  # fixed at an index's creation
        self._ensure()

    @classmethod
    def from_url(cls, url: str) -> ElasticsearchIndex:
        """`http(s)://host:9200[/alias]`."""
        parsed = urlparse(url)
        alias = parsed.path.strip("/") or DEFAULT_ALIAS
        return cls(Elasticsearch(f"{parsed.scheme}://{parsed.netloc}"), alias)

    def _ensure(self) -> None:
        template = es_bodies.index_template()
        self.es.indices.put_index_template(
            name=self.alias,
            index_patterns=[f"{self.alias}-*"],
            template=template["template"],
            priority=template["priority"],
            meta=template["_meta"],
        )
        if not self.es.indices.exists_alias(name=self.alias):
            self.es.indices.create(index=f"{self.alias}-0001", aliases={self.alias: {}})

    def _current(self) -> str:
        return next(iter(self.es.indices.get_alias(name=self.alias)))

    def _generations(self) -> tuple[str, str | None]:
        """The index the alias names, and the one a rebuild is filling (any process's)."""
        indices = self.es.indices.get_alias(index=f"{self.alias}-*")
        return current_and_rebuilding(indices, self.alias)

    @property
    def generation(self) -> str:
        return self._current()

    def rebuilding(self) -> str | None:
        return self._generations()[1]

    def outdated(self) -> bool:
        """Whether searches use an index created under another `es_index_version()`."""
        return self._outdated(self._current())

    def _outdated(self, name: str) -> bool:
        if name not in self._versions:
            mapping = self.es.indices.get_mapping(index=name).body
            self._versions[name] = es_bodies.version_of(mapping, name)
        return self._versions[name] != es_bodies.es_index_version()

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, doc: IndexDocument) -> None:
        self.upsert_many([doc])

    def upsert_many(self, docs: Iterable[IndexDocument]) -> int:
        # While a rebuild runs (in this process or another), live writes go to both indices.
        batch = list(docs)
        current, rebuilding = self._generations()
        if rebuilding is None:
            return _EsGeneration(self.es, current).upsert_many(batch)
        _EsGeneration(self.es, current).upsert_many(batch, self._outdated(current))
        return _EsGeneration(self.es, rebuilding).upsert_many(batch)

    def delete(self, record_id: str) -> None:
        for target in self._targets():
            self.es.options(ignore_status=404).delete(
                index=target.generation, id=record_id, refresh="wait_for"
            )

    def _targets(self) -> list[_EsGeneration]:
        return [_EsGeneration(self.es, name) for name in self._generations() if name]

    def close(self) -> None:
        self.es.close()

    # -- rebuild --------------------------------------------------------------------------------

    def begin_rebuild(self) -> _EsGeneration:
        if self._next is None:
            current, name = self._generations()
            if name is None:  # none unfinished to resume: the next number
                name = f"{self.alias}-{int(current.rsplit('-', 1)[1]) + 1:04d}"
                self._create(name)
            self._next = _EsGeneration(self.es, name)
        return self._next

    def _create(self, name: str) -> None:
        try:
            self.es.indices.create(index=name)
        except BadRequestError as exc:  # two processes starting on an outdated index: both begin
            if exc.error != "resource_already_exists_exception":
                raise

    def finish_rebuild(self, generation: str | None = None) -> str:
        """Move the alias to the rebuilt index and delete the old one. `generation` already
        swapped in by another process (both filled it) is not an error."""
        current = self._current()
        target = self._next.generation if self._next else generation
        if target is not None and target == current:
            self._next = None
            return current
        if self._next is None:
            raise RuntimeError("no rebuild in progress")
        try:
            self.es.indices.update_aliases(
                actions=[
                    {"remove": {"index": current, "alias": self.alias}},
                    {"add": {"index": target, "alias": self.alias}},
                ]
            )
        except NotFoundError:  # another process swapped and deleted `current` meanwhile
            if self._current() != target:
                raise
        self.es.options(ignore_status=404).indices.delete(index=current)
        self._next = None
        return target

    # -- reads ----------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.es.count(index=self.alias)["count"])

    def ids(self) -> set[str]:
        return _EsGeneration(self.es, self.alias).ids()

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        plan = q.plan(query)
        result = self._run(plan, es_bodies.search_body(plan))
        if result.total == 0 and has_fuzzy_words(plan):
            result = self._run(plan, es_bodies.search_body(plan, fuzzy=True))
            result.fuzzy = True
            if result.total:
                result.suggestion = self._suggest(query, plan)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _suggest(self, query: SearchQuery, plan: q.Plan) -> str | None:
        """A corrected query from the words of the visible fuzzy hits, offered only if it finds
        visible records exactly (suggest.py)."""
        body = es_bodies.texts_body(plan, suggest.SUGGESTION_SOURCES)
        hits = self.es.search(index=self.alias, body=body)["hits"]["hits"]
        candidate = suggest.corrected(query.text, plan, [_text(h["_source"]) for h in hits])
        if candidate is None:
            return None
        check = es_bodies.exists_body(q.plan(replace(query, text=candidate)))
        found = self.es.search(index=self.alias, body=check)["hits"]["total"]["value"]
        return candidate if found else None

    def _run(self, plan: q.Plan, body: dict[str, Any]) -> SearchResult:
        response = self.es.search(index=self.alias, body=body)
        words = plan.highlight_words
        hits = [
            _hit(h, words, q.rank_score(plan.offset, n))
            for n, h in enumerate(response["hits"]["hits"])
        ]
        return SearchResult(
            total=response["hits"]["total"]["value"],
            hits=hits,
            facets=es_bodies.facets(response.get("aggregations", {})),
        )

    def similar(self, record_id: str, clearance: int = 0, limit: int = 10) -> SearchResult:
        started = time.perf_counter()
        try:
            source = self.es.get(index=self.alias, id=record_id)["_source"]
        except NotFoundError:
            source = None
        if source is None or source.get("secrecy", HIGHEST) > clearance:
            raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
        words = folded_words(source.get("text") or [])
        counts = self.es.search(
            index=self.alias,
            body=es_bodies.term_counts_body(sorted(candidate_counts(words)), clearance),
        )
        df, total = es_bodies.term_counts(counts)
        terms = significant_terms(words, lambda t: df.get(t, 0), total)
        body = es_bodies.similar_body(record_id, terms, clearance, limit)
        response = self.es.search(index=self.alias, body=body)
        hits = [_hit(h, [], q.rank_score(0, n)) for n, h in enumerate(response["hits"]["hits"])]
        took = (time.perf_counter() - started) * 1000
        return SearchResult(total=response["hits"]["total"]["value"], hits=hits, took_ms=took)


def _hit(hit: dict[str, Any], words: list[str], score: float) -> SearchHit:
    source = hit["_source"]
    text = _text(source)
    return SearchHit(
        id=hit["_id"],
        score=score,
        title=source.get("title", ""),
        number=source.get("number"),
        date=source.get("issued_date"),
        type=source.get("kind"),
        snippet=highlight.snippet(text, words),
        number_symbol=source.get("number_symbol"),
        register=source.get("register"),
        organ=source.get("organ"),
    )


def _text(source: dict[str, Any]) -> str:
    return source.get("body") or source.get("subject") or source.get("title") or ""


def current_and_rebuilding(
    indices: dict[str, Any], alias: str
) -> tuple[str, str | None]:  # fmt: skip
    """From `GET <alias>-*/_alias`: the index `alias` names, and the newest index numbered after
    it — the one a rebuild fills until it takes the alias (the old one is deleted then)."""
    current = next(name for name, info in indices.items() if alias in info.get("aliases", {}))
    newer = sorted(name for name in indices if name > current)
    return current, (newer[-1] if newer else None)
