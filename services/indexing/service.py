"""indexing: keeps the search index and answers `search` over RPC."""

from __future__ import annotations

from dataclasses import asdict

from nameko.rpc import rpc

from services.common import events
from services.common.dependencies import CatalogProvider, ObjectStoreProvider
from services.common.health import Pingable
from services.common.messaging import ValidatingDispatcher, event_handler
from services.indexing.dependencies import SearchIndexProvider
from services.indexing.handlers import index_record, search_query


class IndexingService(Pingable):
    name = "indexing"

    catalog = CatalogProvider()
    store = ObjectStoreProvider()
    index = SearchIndexProvider()
    dispatch = ValidatingDispatcher()

    @event_handler("classification", "record.classified")
    def on_record_classified(self, payload: dict) -> None:
        event = index_record(payload, self.catalog, self.store, self.index)
        if event:
            self.dispatch(events.RECORD_INDEXED, event)

    @rpc
    def search(self, params: dict, clearance: int = 0) -> dict:
        return asdict(self.index.search(search_query(params, clearance)))
