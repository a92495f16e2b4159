"""Adapters of the `SearchIndex` contract and helpers shared by the search contract modules.

Tantivy (memory and disk) always runs. Elasticsearch runs when `LUUTRU_TEST_ES_URL` points at
an 8.x server — the one conditional skip of the suite: no Elasticsearch can be installed here.
Each Elasticsearch test gets an alias (and indices, and template) of its own, dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from services.common.ports import IndexDocument, SearchIndex, SearchQuery, SearchResult
from services.indexing.tantivy_index import TantivyIndex

ES_URL = os.environ.get("LUUTRU_TEST_ES_URL")
AdapterFactory = Callable[[Path], SearchIndex]


def _elasticsearch(tmp: Path) -> SearchIndex:
    from elasticsearch import Elasticsearch

    from services.indexing.elasticsearch_index import ElasticsearchIndex

    return ElasticsearchIndex(Elasticsearch(ES_URL), f"luutru-test-{uuid.uuid4().hex[:10]}")


def _drop(adapter: SearchIndex) -> None:
    es, alias = getattr(adapter, "es", None), getattr(adapter, "alias", None)
    if es is not None and alias:
        es.options(ignore_status=404).indices.delete(index=f"{alias}-*")
        es.options(ignore_status=404).indices.delete(index=f"{alias}.purge")  # its notes
        es.options(ignore_status=404).indices.delete_index_template(name=alias)


ADAPTERS = [
    pytest.param(lambda tmp: TantivyIndex(None), id="tantivy-memory"),
    pytest.param(lambda tmp: TantivyIndex(tmp / "tantivy"), id="tantivy-disk"),
    pytest.param(
        _elasticsearch,
        id="elasticsearch",
        marks=pytest.mark.skipif(not ES_URL, reason="LUUTRU_TEST_ES_URL not set"),
    ),
]


def index_fixture(adapters: list = ADAPTERS, name: str = "index"):
    """A module's `index` fixture (or `name`): one fresh adapter per test, for each adapter."""

    @pytest.fixture(params=adapters, name=name)
    def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
        factory: AdapterFactory = request.param
        adapter = factory(tmp_path)
        yield adapter
        _drop(adapter)
        close = getattr(adapter, "close", None)
        if close is not None:
            close()

    return index


def doc(record_id: str, text: str = "", **fields) -> IndexDocument:
    fields.setdefault("register", "den")
    fields.setdefault("title", f"Văn bản {record_id}")
    return IndexDocument(id=record_id, text=text, **fields)


def load(index: SearchIndex, *docs: IndexDocument) -> None:
    for d in docs:
        index.upsert(d)


def search(index: SearchIndex, text: str, **kw) -> SearchResult:
    return index.search(SearchQuery(text=text, **kw))


def ids(result: SearchResult) -> list[str]:
    return [h.id for h in result.hits]
