"""The indexing service owns the search index; several of its processes may share one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import eventlet
from nameko.extensions import DependencyProvider

from services.common.config import process_settings
from services.common.ports import Catalog, ObjectStore, RebuildableIndex, SearchIndex
from services.indexing import lifecycle
from services.indexing.tantivy_index import TantivyIndex

log = logging.getLogger(__name__)
# A corrected record's earlier version (its level still holds the record live) waits this long
# before the level is rewritten; what a level no longer holds (destroyed, or moved to another
# level, whose deleted copy would still weigh in that level's BM25 statistics) waits
# LUUTRU_INDEX_PURGE_AFTER_S. The earlier version is in the catalog's history anyway (only a
# destroyed record's history forgets its values), and a Tantivy purge rewrites a whole level
# from the catalog (~40 s at 100,000 records, minutes at 1,000,000): a day's corrections, one
# rewrite. A record destroyed meanwhile has no live copy, so the shorter wait applies at once.
KEPT_RECORD_PURGE_AFTER_S = 24 * 3600


def open_search_index(url: str) -> SearchIndex:
    """`tantivy:///path` (embedded) or `http(s)://host:9200[/index-name]` (Elasticsearch)."""
    parsed = urlparse(url)
    if parsed.scheme == "tantivy":
        return TantivyIndex(parsed.path)
    if parsed.scheme in ("http", "https"):
        from services.indexing.elasticsearch_index import ElasticsearchIndex

        return ElasticsearchIndex.from_url(url)
    raise ValueError(f"unsupported LUUTRU_SEARCH_URL scheme: {parsed.scheme!r}")


class SearchIndexProvider(DependencyProvider):
    def setup(self):
        self.index = open_search_index(process_settings().index_url)

    def stop(self):
        close = getattr(self.index, "close", None)
        if close:
            close()

    def get_dependency(self, worker_ctx):
        return self.index


class RebuildJob:
    """At most one rebuild per process, run in a managed green thread; its progress to poll.

    Several indexing processes may serve one index: the status RPC can reach one that is not
    rebuilding, which then answers from the index itself (`RebuildableIndex.rebuilding`)."""

    def __init__(self, spawn) -> None:
        self._spawn = spawn
        self.state: dict[str, Any] = {"state": "idle"}
        self._running = False

    def start(
        self,
        catalog: Catalog,
        store: ObjectStore,
        index: RebuildableIndex,
        levels: frozenset[int] | None = None,
    ) -> dict[str, Any]:
        """Rebuild the index, or only `levels` of it (a purge: see `purge`)."""
        if not self._running:
            self._running = True
            # Held before the generation is named, so no process finds it abandoned meanwhile.
            release = getattr(index, "rebuild_lease", lambda: lambda: None)()
            try:  # at once, so every process can tell from the index that it is under way
                begin = index.begin_rebuild
                target = begin() if levels is None else begin(levels)  # type: ignore[call-arg]
            except Exception:
                self._running = False
                release()
                raise
            self.state = {
                "state": "running", "done": 0, "total": None, "generation": target.generation,
                "levels": None if levels is None else sorted(levels),
            }  # fmt: skip
            self._spawn(lambda: self._run(catalog, store, index, levels, release))
        return dict(self.state)

    def purge(
        self, catalog: Catalog, store: ObjectStore, index: Any, after_s: float = 0
    ) -> dict[str, Any]:
        """Purge the files of the levels holding a record deleted over `after_s` seconds ago
        (docs/search.md, "Destroyed records"): Elasticsearch expunges its deleted documents
        in place (a force merge); Tantivy, which cannot, rebuilds those levels in the
        background (`start`). Nothing due: answered at once, done."""
        kept_after_s = max(after_s, KEPT_RECORD_PURGE_AFTER_S) if after_s > 0 else 0
        levels = index.purge_due(after_s, kept_after_s)
        if levels and hasattr(index, "expunge_deletes"):
            index.expunge_deletes(levels)
        elif levels:
            return self.start(catalog, store, index, levels)
        return {"state": "done", "done": 0, "total": 0, "generation": index.generation,
                "levels": sorted(levels)}  # fmt: skip

    def purge_if_due(
        self, catalog: Catalog, store: ObjectStore, index: Any, after_s: float
    ) -> None:
        """The timer's purge: not while a rebuild runs, here or in another process (it will
        have read or been sent the deletions; what it still holds is purged after it). A
        rebuild no living process fills (one died mid-way) is resumed instead."""
        if self._running:
            return
        if index.rebuilding() is not None:
            if getattr(index, "rebuild_abandoned", bool)():  # its process died: finish it
                log.warning("resuming the index rebuild %s no process fills", index.rebuilding())
                self.start(catalog, store, index)
            return
        state = self.purge(catalog, store, index, after_s)
        if state.get("levels"):
            log.info("purging deleted documents' files from index levels %s", state["levels"])

    def status(self, index: RebuildableIndex, generation: str | None = None) -> dict[str, Any]:
        """This process's rebuild, or what the index says of the rebuild of `generation`."""
        if self._running or generation in (None, self.state.get("generation")):
            return dict(self.state)
        elsewhere = {"generation": generation, "done": None, "total": None}
        if index.rebuilding() == generation:
            return {"state": "running", **elsewhere}
        if index.generation == generation:
            return {"state": "done", **elsewhere}
        return dict(self.state)

    def _run(
        self,
        catalog: Catalog,
        store: ObjectStore,
        index: SearchIndex,
        levels: frozenset[int] | None = None,
        release: Callable[[], None] = lambda: None,
    ) -> None:
        try:
            for progress in lifecycle.rebuild(catalog, store, index, levels):
                self.state.update(progress.__dict__)
                eventlet.sleep(0)  # one batch at a time: searches are answered in between
            self.state["state"] = "done"
        except Exception as exc:  # reported to the operator who polls; the generation resumes
            self.state.update(state="failed", error=str(exc)[:500])
        finally:
            self._running = False
            release()


class RebuildProvider(DependencyProvider):
    """The rebuild job. At start, an index written under another schema or analysis version
    (`outdated()`) is rebuilt from the catalog by itself, as paperless-ngx's search does:
    no operator action, searches answered from the old generation (or an empty stand-in)
    meanwhile. `index`, `catalog`, `store`: the service's attributes holding them."""

    def __init__(self, index: str = "index", catalog: str = "catalog", store: str = "store"):
        self.sources = (index, catalog, store)

    def setup(self):
        self.job = RebuildJob(self.container.spawn_managed_thread)

    def start(self):
        # In a thread of its own: beginning a rebuild waits for the index's inter-process
        # lock, and the service's entrypoints must come up meanwhile.
        self.container.spawn_managed_thread(self._rebuild_if_outdated)

    def _rebuild_if_outdated(self) -> None:
        index, catalog, store = map(self._sibling, self.sources)
        if index.outdated():
            log.warning("search index of another version: rebuilding it from the catalog")
            self.job.start(catalog, store, index)

    def _sibling(self, name: str) -> Any:
        [provider] = [d for d in self.container.dependencies if d.attr_name == name]
        return provider.get_dependency(None)

    def get_dependency(self, worker_ctx):
        return self.job
