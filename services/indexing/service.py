"""indexing: keeps the search index and answers `search` over RPC (its only writers)."""

from __future__ import annotations

import logging
from dataclasses import asdict

from nameko.rpc import rpc
from nameko.timer import timer

from services.common import events
from services.common.callers import OPERATOR_CALLERS, operator_rpc
from services.common.config import process_settings
from services.common.dependencies import CatalogProvider, ObjectStoreProvider
from services.common.health import Pingable
from services.common.messaging import ValidatingDispatcher, event_handler
from services.common.metrics import Metrics
from services.indexing import lifecycle
from services.indexing.dependencies import RebuildProvider, SearchIndexProvider
from services.indexing.handlers import index_record, search_query, with_books

log = logging.getLogger(__name__)
PURGE_CHECK_S = 60  # how often the timer looks for a purge due (LUUTRU_INDEX_PURGE_AFTER_S)


class IndexingService(Pingable):
    name = "indexing"
    metrics = Metrics(index_dir=lambda: process_settings().data_dir / "index")

    catalog = CatalogProvider()
    store = ObjectStoreProvider()
    index = SearchIndexProvider()
    rebuilds = RebuildProvider()
    dispatch = ValidatingDispatcher()

    @event_handler("classification", "record.classified")
    def on_record_classified(self, payload: dict) -> None:
        event = index_record(payload, self.catalog, self.store, self.index)
        if event:
            self.dispatch(events.RECORD_INDEXED, event)

    @event_handler("classification", "record.metadata_corrected")
    def on_metadata_corrected(self, payload: dict) -> None:
        index_record(payload, self.catalog, self.store, self.index, action="reindexed")

    @rpc
    def search(self, params: dict, clearance: int = 0) -> dict:
        result = self.index.search(search_query(params, clearance))
        return asdict(with_books(result, self.catalog))

    @rpc
    def similar(self, record_id: str, clearance: int = 0, size: int = 10) -> dict:
        result = self.index.similar(record_id, clearance, max(1, min(int(size), 100)))
        return asdict(with_books(result, self.catalog))

    @operator_rpc(allowed=OPERATOR_CALLERS | {"retention"})  # disposal deletes
    def delete(self, record_id: str) -> None:
        """Drop a disposed record from the index (retention calls this); idempotent."""
        self.index.delete(record_id)

    @operator_rpc
    def verify(self, repair: bool = False) -> dict:
        report = lifecycle.verify(self.catalog, self.store, self.index, repair)
        return report.to_dict()

    @operator_rpc
    def rebuild(self) -> dict:
        """Start (or resume) a rebuild in the background; poll `rebuild_status`."""
        return self.rebuilds.start(self.catalog, self.store, self.index)

    @rpc
    def rebuild_status(self, generation: str | None = None) -> dict:
        """Progress of the rebuild of `generation`, whichever indexing process runs it."""
        return self.rebuilds.status(self.index, generation)

    @operator_rpc
    def purge(self) -> dict:
        """Purge now the index files still holding deleted (destroyed, recalled), moved or
        corrected records' earlier content; a Tantivy purge runs in the background like a
        rebuild: poll `rebuild_status`."""
        return self.rebuilds.purge(self.catalog, self.store, self.index)

    @timer(interval=PURGE_CHECK_S)
    def purge_when_due(self) -> None:
        """Deleted, moved and corrected records' earlier words and text leave the files
        LUUTRU_INDEX_PURGE_AFTER_S after the write (+ this interval + the purge's own time):
        docs/search.md."""
        try:
            after = process_settings().index_purge_after_s
            self.rebuilds.purge_if_due(self.catalog, self.store, self.index, after)
        except Exception:  # the next tick tries again
            log.exception("index purge failed")
