"""The indexing service owns the search index: the single writer of its directory."""

from __future__ import annotations

from urllib.parse import urlparse

from nameko.extensions import DependencyProvider

from services.common.config import Settings
from services.common.ports import SearchIndex
from services.indexing.tantivy_index import TantivyIndex


def open_search_index(url: str) -> SearchIndex:
    parsed = urlparse(url)
    if parsed.scheme == "tantivy":
        return TantivyIndex(parsed.path)
    raise ValueError(f"unsupported LUUTRU_SEARCH_URL scheme: {parsed.scheme!r}")


class SearchIndexProvider(DependencyProvider):
    def setup(self):
        self.index = open_search_index(Settings().index_url)

    def stop(self):
        close = getattr(self.index, "close", None)
        if close:
            close()

    def get_dependency(self, worker_ctx):
        return self.index
