"""`SearchIndex` on Elasticsearch 8 (the official client, `elasticsearch>=8,<9`).

One index per secrecy level in each numbered generation, behind aliases (layout and names:
`es_bodies`): a search names only the levels the caller may see, so BM25's statistics, and the
order of the hits, never include a record above its clearance. A rebuild fills the next
generation while the aliases keep serving the current one, then moves them all in one atomic
`_aliases` call. Bodies are built in `es_bodies` (unit-tested).

Each index is created from the template stamped with `es_bodies.es_index_version()` in its
mapping's `_meta`: a generation of another version (or none, from before versions) is
`outdated()`, and the indexing service rebuilds it on start like Tantivy's (dependencies.py).
Until the swap the old generation answers searches and still gets live writes, without failing
on documents its older, strict mapping refuses (the new one gets them all). An unfinished
rebuild is resumed only if begun under today's version (else deleted and begun anew), and the
indices of generations nothing serves nor rebuilds are deleted on start and after each swap (a
crash between the swap and its delete leaves the old one).

A delete, a move to another level and a replacement by other content leave the earlier
content in a Lucene segment, marked deleted: each is noted in the cluster (the notes index
`A.purge`: `es_bodies`, "purge notes"), and the indexing service's timer force-merges the
levels noted over `LUUTRU_INDEX_PURGE_AFTER_S` ago (docs/search.md, "Destroyed records").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError, helpers
from elasticsearch.helpers import BulkIndexError

from services.common.errors import NotFound, TransientError
from services.common.ports import IndexDocument, SearchHit, SearchQuery, SearchResult
from services.indexing import es_bodies, highlight, suggest
from services.indexing import query as q
from services.indexing.analysis import candidate_counts, folded_words, significant_terms
from services.indexing.tantivy_query import has_fuzzy_words

log = logging.getLogger(__name__)
DEFAULT_ALIAS = "luutru-records"
MERGE_TIMEOUT_S = 3600
COPIES_PER_REQUEST = 1000  # ids per `_mget` (each looked up in every level's index)


class _EsGeneration:
    """One generation (its indices, by level); the rebuild target (`fill`: its writes never
    replace a document, `es_bodies.bulk_actions`)."""

    def __init__(
        self, es: Elasticsearch, name: str, levels: Mapping[int, str], fill: bool = False
    ) -> None:
        self.es = es
        self.generation = name
        self.levels = levels
        self.fill = fill

    def upsert_many(self, docs: Iterable[IndexDocument], outdated: bool = False) -> int:
        """`outdated`: a generation of an older mapping, being replaced; the documents it
        refuses are logged, not raised (the rebuilt generation holds every document)."""
        batch = list(docs)
        actions = es_bodies.bulk_actions(self.levels, batch, self.fill)
        _, errors = helpers.bulk(self.es, actions, refresh="wait_for", raise_on_error=False)
        failed = es_bodies.refused(errors, outdated)  # type: ignore[arg-type]
        if failed:
            raise BulkIndexError(f"{len(failed)} document(s) failed to index.", failed)
        if skipped := es_bodies.refused(errors):  # type: ignore[arg-type]
            log.warning("outdated index %s refused %d documents", self.generation, len(skipped))
        return len(batch)

    def delete(self, record_id: str) -> None:
        actions = es_bodies.delete_actions(self.levels, record_id)
        helpers.bulk(self.es, actions, refresh="wait_for", ignore_status=404)

    def copies(self, ids: list[str]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        """Each of `ids` this generation holds → its (level, `_source`) copies, read before
        a write replaces them (`es_bodies.replaced`)."""
        found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for start in range(0, len(ids), COPIES_PER_REQUEST):
            docs = es_bodies.copies_request(self.levels, ids[start : start + COPIES_PER_REQUEST])
            found |= es_bodies.copies(self.es.mget(docs=docs).body)
        return found

    def ids(self) -> set[str]:
        return set(self.levels())

    def levels(self) -> dict[str, set[int]]:
        query = {"query": {"match_all": {}}, "_source": ["secrecy"]}
        return es_bodies.levels(helpers.scan(self.es, index=self.generation, query=query))


class ElasticsearchIndex:
    def __init__(self, es: Elasticsearch, alias: str = DEFAULT_ALIAS) -> None:
        self.es = es
        self.alias = alias
        self._next: _EsGeneration | None = None
        self._versions: dict[str, str | None] = {}  # fixed at a generation's creation
        self.notes = es_bodies.notes_index(alias)  # pending purges, every process's
        self._ensure()

    @classmethod
    def from_url(cls, url: str) -> ElasticsearchIndex:
        """`http(s)://host:9200[/alias]`."""
        parsed = urlparse(url)
        alias = parsed.path.strip("/") or DEFAULT_ALIAS
        return cls(Elasticsearch(f"{parsed.scheme}://{parsed.netloc}"), alias)

    def _ensure(self) -> None:
        """The template, a first generation if there is none, the aliases on the current one (a
        generation from before levels gets the level aliases it lacked), and the generations
        nothing serves deleted: a swap cut before its delete (a crash) leaves the old one."""
        template = es_bodies.index_template()
        self.es.indices.put_index_template(
            name=self.alias,
            index_patterns=[f"{self.alias}-*"],
            template=template["template"],
            priority=template["priority"],
            meta=template["_meta"],
        )
        indices = self._indices()
        current, newest = es_bodies.generations(indices, self.alias)
        served = current is not None
        if current is None:  # a process starting beside this one may be creating it too
            current = newest or es_bodies.generation_name(self.alias, 1)
            if current not in indices:  # (a single index, from before levels, exists)
                self._create(current)
                indices = self._indices()
        actions = es_bodies.serving_actions(indices, self.alias, current)
        if actions:
            try:
                self.es.indices.update_aliases(actions=actions)
            except NotFoundError:  # another process swapped a rebuilt generation in meanwhile
                if es_bodies.generations(self._indices(), self.alias)[0] == current:
                    raise
        if served:  # else the newest was served on a guess (no alias at all): nothing deleted
            self._delete_unused()
        self._create_notes()

    def _create_notes(self) -> None:
        """The notes index (`es_bodies`, "purge notes"); another process may create it too."""
        try:
            self.es.indices.create(
                index=self.notes, settings=es_bodies.NOTES_SETTINGS,
                mappings=es_bodies.NOTES_MAPPINGS,
            )  # fmt: skip
        except BadRequestError as exc:
            if exc.error != "resource_already_exists_exception":
                raise

    def _indices(self) -> dict[str, Any]:
        """`GET A-*/_alias`: every index of every generation, with its aliases."""
        answer = self.es.options(ignore_status=404).indices.get_alias(index=f"{self.alias}-*")
        return {n: i for n, i in dict(answer).items() if isinstance(i, dict) and "aliases" in i}

    def _delete_unused(self) -> None:
        """Delete this alias's indices that nothing serves and no rebuild fills
        (`es_bodies.unused_indices`), by name."""
        unused = es_bodies.unused_indices(self._indices(), self.alias)
        if unused:
            log.info("deleting search indices no alias serves: %s", ", ".join(unused))
            self._delete(unused)

    def _delete(self, indices: list[str]) -> None:
        """By name, never by pattern; one already gone (another process's delete) is no error."""
        if indices:
            self.es.options(ignore_status=404).indices.delete(
                index=indices, ignore_unavailable=True
            )

    def _generations(self) -> tuple[dict[str, Any], str, str | None]:
        """The indices, the generation searches use, and the one a rebuild is filling (any
        process's)."""
        indices = self._indices()
        current, rebuilding = es_bodies.generations(indices, self.alias)
        if current is None:
            raise RuntimeError(f"no index behind the alias {self.alias}")
        return indices, current, rebuilding

    def _current(self) -> str:
        index = next(iter(self.es.indices.get_alias(name=self.alias)))
        return es_bodies.generation_of(self.alias, index) or index

    @property
    def generation(self) -> str:
        return self._current()

    def rebuilding(self) -> str | None:
        return self._generations()[2]

    def outdated(self) -> bool:
        """Whether searches use a generation created under another `es_index_version()`."""
        return self._outdated(self._current())

    def _outdated(self, generation: str) -> bool:
        if generation not in self._versions:
            mapping = self.es.indices.get_mapping(index=generation).body
            self._versions[generation] = es_bodies.version_of(mapping)
        return self._versions[generation] != es_bodies.es_index_version()

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, doc: IndexDocument) -> None:
        self.upsert_many([doc])

    def upsert_many(self, docs: Iterable[IndexDocument]) -> int:
        # While a rebuild runs (in this process or another), live writes go to both generations.
        # What each replaces is read first: other content (a correction) or another level
        # (a move) stays in the serving index's segments until a purge.
        batch = list(docs)
        indices, current, rebuilding = self._generations()
        serving = self._target(indices, current)
        left = es_bodies.replaced(serving.copies([doc.id for doc in batch]), batch)
        self._note(left, before=True)
        try:
            if rebuilding is None:
                serving.upsert_many(batch)
            else:
                serving.upsert_many(batch, self._outdated(current))
                self._target(indices, rebuilding).upsert_many(batch)
        finally:  # even if a write failed: its redelivery would replace nothing different
            self._note(left)
        return len(batch)

    def delete(self, record_id: str) -> None:
        indices, *names = self._generations()
        earlier = self._target(indices, names[0]).copies([record_id])
        left = [(record_id, level) for level, _ in earlier.get(record_id, [])]
        self._note(left, before=True)
        try:
            for name in names:
                if name:
                    self._target(indices, name).delete(record_id)
        finally:  # as for an upsert
            self._note(left)

    # -- purges of deleted documents (docs/search.md, "Destroyed records") ----------------------

    def _note(self, left: list[tuple[str, int]], before: bool = False) -> None:
        """Note (record, level) pairs whose earlier content stays in that level's segments,
        twice. `before` the write, not waiting for a refresh: a process killed after the
        write keeps its note (the redelivery would find the same content and note nothing).
        After it, refreshed at once, as any process's next read must find it: a purge that
        read the first note before the write landed, and so may have dropped it (its level
        counting no deleted document yet) or merged without it, finds the note written again
        (an upsert; its sequence number moved, so the purge's delete of it answers 409).
        The write waits for the first note: refused, it raises TransientError before writing,
        so the event is retried (then failed and dead-lettered: docs/reliability.md) with
        the earlier content still there to note; written anyway, a refused second note
        would have left it noted nowhere, as a redelivery replaces the same content."""
        if not left:
            return
        operations = es_bodies.note_operations(self.notes, left, time.time())
        answer = self.es.bulk(operations=operations, refresh=None if before else "wait_for").body
        if (failed := es_bodies.bulk_failures(answer)) and before:
            raise TransientError(
                "Chưa ghi được ghi chú dọn chỉ mục, chưa ghi văn bản / Purge notes not written"
                f", the write not done: {left[:3]} {failed[:3]}"
            )
        if failed:  # after the write: the first note holds it, unless a purge dropped it
            log.error("purge notes not written again after the write, for %s: %s", left,
                      failed[:3])  # fmt: skip

    def _notes(self) -> list[es_bodies.PurgeNote]:
        """Every process's notes, oldest first (none if the notes index is gone)."""
        notes: list[es_bodies.PurgeNote] = []
        after = None
        reader = self.es.options(ignore_status=404)
        while True:
            answer = reader.search(index=self.notes, body=es_bodies.notes_body(after)).body
            page = answer.get("hits", {}).get("hits", [])
            notes += [es_bodies.note_of(hit) for hit in page]
            if len(page) < es_bodies.NOTES_PAGE:
                return notes
            after = page[-1]["sort"]

    def _forget(self, notes: list[es_bodies.PurgeNote]) -> None:
        """Delete `notes` unless noted again since they were read (409: kept, for the next
        purge) or already deleted by another process (404)."""
        if notes:
            operations = es_bodies.forget_operations(self.notes, notes)
            answer = self.es.bulk(operations=operations, refresh="wait_for").body
            if failed := es_bodies.bulk_failures(answer, ignored=(404, 409)):
                log.warning("purge notes not deleted (purged again later): %s", failed[:3])

    def _layouts(self) -> list[dict[int, str]]:
        """Level → index of the serving generation, and of the rebuilding one if any (only
        its indices that exist). Live writes reach both: a record the rebuild has filled and
        a live write then replaces leaves its earlier version in both, and the rebuilding
        one's segments are searched once it is swapped in."""
        indices, current, rebuilding = self._generations()
        layouts = [self._target(indices, current).levels]
        if rebuilding is not None:
            levels = es_bodies.layout(indices, rebuilding)
            layouts.append({level: name for level, name in levels.items() if name in indices})
        return layouts

    def _holding_deleted(self) -> frozenset[int]:
        """The levels whose serving (or rebuilding) index counts deleted documents (`_stats`)."""
        layouts = self._layouts()
        names = sorted({name for levels in layouts for name in levels.values()})
        stats = self.es.indices.stats(index=names, metric="docs").body
        held = {
            name for name, info in stats["indices"].items()
            if info["primaries"]["docs"]["deleted"]
        }  # fmt: skip
        return frozenset(
            level for levels in layouts for level, name in levels.items() if name in held
        )

    def _live_notes(self) -> tuple[list[es_bodies.PurgeNote], frozenset[int]]:
        """The notes whose level still counts deleted documents, and those levels. The notes
        are read first: each was written after its write was refreshed, so `_stats` read
        after them counts its deleted document, unless a merge of Elasticsearch's own rewrote
        the segment — such notes are dropped."""
        notes = self._notes()
        held = self._holding_deleted()
        self._forget([note for note in notes if note.level not in held])
        return [note for note in notes if note.level in held], held

    def purge_due(self, after_s: float, kept_after_s: float | None = None) -> frozenset[int]:
        """The levels holding a record's earlier content noted over `after_s` seconds ago, by
        any process, or `kept_after_s` ago for a record the level still holds live (its
        earlier version: a correction); with 0 (the operator's `luutru index purge`) every
        level whose serving index counts deleted documents, noted or not."""
        notes, held = self._live_notes()
        if after_s <= 0:
            return held
        live: set[tuple[str, int]] = set()  # (record, level) the serving index holds live
        if kept_after_s is not None and notes:
            indices, current, _ = self._generations()
            copies = self._target(indices, current).copies(sorted({n.record for n in notes}))
            live = {(record, level) for record, found in copies.items() for level, _ in found}
        now = time.time()
        return frozenset(
            note.level for note in notes
            if note.noted_at
            <= now - (kept_after_s if (note.record, note.level) in live else after_s)
        )  # fmt: skip

    def pending_purge(self) -> dict[str, list[int]]:
        """Records whose earlier content is noted and still counted deleted in its level."""
        pending: dict[str, list[int]] = {}
        for note in self._live_notes()[0]:
            pending.setdefault(note.record, []).append(note.level)
        return {record: sorted(levels) for record, levels in pending.items()}

    def expunge_deletes(self, levels: Iterable[int]) -> None:
        """`_forcemerge?only_expunge_deletes=true` on the serving indices of `levels`, and
        the rebuilding ones' (`_layouts`: the operator's purge does not wait for a rebuild):
        Lucene rewrites the segments holding deleted documents without them. Only segments
        whose share of deleted documents passes `index.merge.policy.expunge_deletes_allowed`
        (10 % by default; dynamic) are merged, so it is set to 0 first: one destroyed record
        in a large segment must go too."""
        layouts = self._layouts()
        wanted = set(levels)
        names = sorted(
            {name for layout in layouts for level, name in layout.items() if level in wanted}
        )
        if not names:
            return
        # Read before the merge: each note's deleted document is in the segments it rewrites.
        # A note written meanwhile stays, for the next purge.
        done = [
            note for note in self._notes()
            if all(note.level not in layout or layout[note.level] in names for layout in layouts)
        ]  # fmt: skip
        self.es.indices.put_settings(
            index=names, settings={"index.merge.policy.expunge_deletes_allowed": 0}
        )
        # A merge keeps the soft-deleted documents above the last Lucene commit's checkpoint
        # (kept for a recovery from that commit): flushed first, the noted ones are below it.
        self.es.indices.flush(index=names)
        # It answers when the merge has ended: longer than the client's default 10 s.
        merging = self.es.options(request_timeout=MERGE_TIMEOUT_S)
        merging.indices.forcemerge(index=names, only_expunge_deletes=True)
        self._forget(done)

    def _target(self, indices: Mapping[str, Any], generation: str) -> _EsGeneration:
        return _EsGeneration(self.es, generation, es_bodies.layout(indices, generation))

    def close(self) -> None:
        self.es.close()

    # -- rebuild --------------------------------------------------------------------------------

    def begin_rebuild(self) -> _EsGeneration:
        """The unfinished rebuild if any (resume), else a new generation. One begun under
        another version (before an upgrade), or of a single index (an older luutru's), is
        deleted and a new one begun after it: resumed, it would be swapped in outdated."""
        if self._next is None:
            indices, current, name = self._generations()
            stale: list[str] = []
            if name is not None and not self._resumable(indices, name):
                log.warning("search index rebuild %s is of another version: begun anew", name)
                stale = es_bodies.indices_of(indices, self.alias, name)
                # A new name: a second process passing it over too must not delete the new one.
                name = es_bodies.next_generation(self.alias, name)
            name = name or es_bodies.next_generation(self.alias, current)
            self._create(name)  # also the levels an interrupted creation left out
            # Only now, the new one being the newest: deleted first, a process beginning in
            # between saw no rebuild and began one under the stale number, which a sweep then
            # deleted under it (it is not the newest generation).
            self._delete(stale)
            self._next = _EsGeneration(self.es, name, es_bodies.layout({}, name), fill=True)
        return self._next

    def _resumable(self, indices: Mapping[str, Any], generation: str) -> bool:
        """Whether the unfinished `generation` was begun under today's `es_index_version()`
        (read afresh: another process may have begun it). Gone meanwhile (another process
        passed it over first): not resumable."""
        if generation in indices:  # one index, from before levels
            return False
        names = es_bodies.indices_of(indices, self.alias, generation)
        try:
            mapping = self.es.indices.get_mapping(index=names).body
        except NotFoundError:
            return False
        return es_bodies.version_of(mapping) == es_bodies.es_index_version()

    def _create(self, generation: str) -> None:
        """A generation's index per level, each named by the generation's alias. Two processes
        starting on an outdated index both begin: a second `create` is not an error."""
        for level in q.LEVELS:
            try:
                self.es.indices.create(
                    index=es_bodies.level_index(generation, level), aliases={generation: {}}
                )
            except BadRequestError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise

    def finish_rebuild(self, generation: str | None = None) -> str:
        """Move every alias to the rebuilt generation in one call and delete the old one.
        `generation` already swapped in by another process (both filled it) is not an error."""
        indices, current, _ = self._generations()
        target = self._next.generation if self._next else generation
        if target is not None and target == current:
            self._next = None
            return current
        if self._next is None or target is None:
            raise RuntimeError("no rebuild in progress")
        try:
            actions = es_bodies.serving_actions(indices, self.alias, target)
            self.es.indices.update_aliases(actions=actions)
        except NotFoundError:  # another process swapped and deleted `current` meanwhile
            if self._current() != target:
                raise
        self._next = None
        # `current`, and any older generation an earlier swap cut before its delete left; a
        # crash here leaves them to the next start's `_ensure`.
        self._delete_unused()
        return target

    # -- reads ---------------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.es.count(index=self.alias)["count"])

    def ids(self) -> set[str]:
        return _EsGeneration(self.es, self.alias, {}).ids()

    def levels(self) -> dict[str, set[int]]:
        return _EsGeneration(self.es, self.alias, {}).levels()

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        plan = q.plan(query)
        targets = es_bodies.search_targets(self.alias, plan)
        if not targets:  # `secrecy=` above the clearance: no level to read
            return SearchResult(total=0, hits=[], facets=es_bodies.facets({}))
        result = self._run(targets, plan, es_bodies.search_body(plan))
        if result.total == 0 and has_fuzzy_words(plan):
            result = self._run(targets, plan, es_bodies.search_body(plan, fuzzy=True))
            result.fuzzy = True
            if result.total:
                result.suggestion = self._suggest(targets, query, plan)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _suggest(self, targets: list[str], query: SearchQuery, plan: q.Plan) -> str | None:
        """A corrected query from the words of the visible fuzzy hits, offered only if it finds
        visible records exactly (suggest.py)."""
        body = es_bodies.texts_body(plan, suggest.SUGGESTION_SOURCES)
        hits = self.es.search(index=targets, body=body)["hits"]["hits"]
        candidate = suggest.corrected(query.text, plan, [_text(h["_source"]) for h in hits])
        if candidate is None:
            return None
        check = es_bodies.exists_body(q.plan(replace(query, text=candidate)))
        found = self.es.search(index=targets, body=check)["hits"]["total"]["value"]
        return candidate if found else None

    def _run(self, targets: list[str], plan: q.Plan, body: dict[str, Any]) -> SearchResult:
        response = self.es.search(index=targets, body=body)
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
        """Only the caller's levels are read: the record, the words' counts, the answer."""
        started = time.perf_counter()
        levels = sorted(q.visible_levels(q.Secrecy(clearance)))
        targets = [es_bodies.level_alias(self.alias, level) for level in levels]
        found = []
        if targets:
            body = es_bodies.record_body(record_id, clearance)
            found = self.es.search(index=targets, body=body)["hits"]["hits"]
        if not found:  # unknown, or above the clearance
            raise NotFound(f"Không tìm thấy hồ sơ / No record {record_id}")
        words = folded_words(es_bodies.text_parts(found[0]["_source"]))
        counts = self.es.search(
            index=targets,
            body=es_bodies.term_counts_body(sorted(candidate_counts(words)), clearance),
        )
        df, total = es_bodies.term_counts(counts)
        terms = significant_terms(words, lambda t: df.get(t, 0), total)
        body = es_bodies.similar_body(record_id, terms, clearance, limit)
        response = self.es.search(index=targets, body=body)
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
