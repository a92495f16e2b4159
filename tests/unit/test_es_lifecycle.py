"""Elasticsearch's generations over their life, without a server (none can run here): which
indices the adapter creates, resumes and deletes, against a small in-memory stand-in for the
few index APIs it calls. The contract suite checks the same on a real server when
`LUUTRU_TEST_ES_URL` is set (tests/contract/test_search_index_life.py).

The stand-in keeps what the adapter relies on: `GET A-*/_alias` lists every index the pattern
matches (another deployment's too) with its aliases, `_aliases` is atomic and fails on a missing
index, creating an existing index is a 400, each index keeps the `_meta` of the template it was
created from. For the purges it keeps documents too (`_bulk` through the client's helpers, `_mget`,
and the notes index's one search): an `index` op over an existing document and a `delete` count
a deleted document in `_stats` until `only_expunge_deletes` merges them away; a `create` over an
existing one answers 409.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fnmatch import fnmatch
from typing import Any

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import BadRequestError, NotFoundError
from elasticsearch.serializer import JsonSerializer

from services.common.errors import TransientError
from services.common.ports import IndexDocument
from services.common.retry import is_transient
from services.indexing import es_bodies
from services.indexing.elasticsearch_index import MERGE_TIMEOUT_S, ElasticsearchIndex

pytestmark = pytest.mark.unit

A = "luutru-records"
SERVING = [A, *(f"{A}-s{n}" for n in range(4))]
TODAY = es_bodies.es_index_version()
OLD = "schema 4, layout 2, template 000000000000"  # an earlier luutru's
_SOURCE_EXCLUDES = es_bodies.index_template()["template"]["mappings"]["_source"]["excludes"]


def _error(kind: type[Exception], status: int, error: str) -> Exception:
    meta = ApiResponseMeta(
        status=status,
        http_version="1.1",
        headers=HttpHeaders(),
        duration=0.0,
        node=NodeConfig("http", "localhost", 9200),
    )
    return kind(error, meta, {"error": {"type": error}, "status": status})


class _Answer(dict):
    @property
    def body(self) -> dict:
        return dict(self)


class FakeCluster:
    """Indices (name → aliases and the version in its mapping `_meta`) and the index APIs."""

    def __init__(self) -> None:
        self.state: dict[str, dict[str, Any]] = {}
        self.template_version: str | None = None
        self.deleted: list[str] = []
        self.deleted_docs: dict[str, int] = {}  # index → documents deleted, not yet merged away
        self.calls: list[tuple[str, dict[str, Any]]] = []  # the purge's requests, in order
        self.hooks: dict[str, Callable[[], None]] = {}  # run once, before the call named
        self.docs: dict[str, dict[str, dict[str, Any]]] = {}  # index → id → _source
        self.plain: set[str] = set()  # indices created without aliases (the purge notes')
        self.seq_no: dict[tuple[str, str], int] = {}  # (index, id) → its last write's number
        self.sequence = itertools.count()

    def add(self, name: str, *aliases: str, version: str | None = TODAY) -> None:
        self.state[name] = {"aliases": set(aliases), "version": version}

    def generation(self, generation: str, *serving: str, version: str | None = TODAY) -> None:
        """A per-level generation's four indices, each with the generation's alias and those
        of `serving` that name it."""
        for n in range(4):
            mine = [a for a in serving if a in (A, f"{A}-s{n}")]
            self.add(f"{generation}-s{n}", generation, *mine, version=version)

    def client(self, ignore_404: bool = False) -> FakeClient:
        return FakeClient(self, ignore_404)

    def hook(self, call: str) -> None:
        if hook := self.hooks.pop(call, None):
            hook()

    def resolve(self, names: str | list[str]) -> list[str]:
        """Indices named by `names` (indices, aliases or patterns); 404 if one matches none."""
        out: list[str] = []
        for name in [names] if isinstance(names, str) else names:
            found = [
                i for i, info in self.state.items() if fnmatch(i, name) or name in info["aliases"]
            ]
            if not found:
                raise _error(NotFoundError, 404, "index_not_found_exception")
            out += found
        return sorted(set(out))


class FakeIndices:
    def __init__(self, cluster: FakeCluster, ignore_404: bool) -> None:
        self.cluster = cluster
        self.ignore_404 = ignore_404

    def put_index_template(self, **kw: Any) -> None:
        self.cluster.template_version = kw["template"]["mappings"]["_meta"][es_bodies.VERSION_KEY]

    def get_alias(self, index: str | None = None, name: str | None = None) -> _Answer:
        cluster = self.cluster
        cluster.hook("get_alias")
        if name is not None:
            held = [i for i, info in cluster.state.items() if name in info["aliases"]]
            if not held:
                raise _error(NotFoundError, 404, "aliases_not_found_exception")
            return _Answer({i: {"aliases": {name: {}}} for i in held})
        try:
            found = cluster.resolve(index or "*")
        except NotFoundError:
            if self.ignore_404:
                return _Answer()
            raise
        return _Answer(
            {i: {"aliases": {a: {} for a in cluster.state[i]["aliases"]}} for i in found}
        )

    def get_mapping(self, index: str | list[str]) -> _Answer:
        cluster = self.cluster
        cluster.hook("get_mapping")
        answer = {}
        for name in cluster.resolve(index):
            version = cluster.state[name]["version"]
            answer[name] = {"mappings": {"_meta": {es_bodies.VERSION_KEY: version}}}
        return _Answer(answer)

    def create(self, index: str, aliases: dict[str, Any] | None = None, **body: Any) -> None:
        cluster = self.cluster
        if aliases is None:  # not a generation's (no template applies outside `A-*`)
            assert not fnmatch(index, f"{A}-*") and body["mappings"]["dynamic"] == "strict"
            if index in cluster.plain:
                raise _error(BadRequestError, 400, "resource_already_exists_exception")
            cluster.plain.add(index)
            return
        cluster.hook("create")
        if index in cluster.state:
            raise _error(BadRequestError, 400, "resource_already_exists_exception")
        cluster.add(index, *aliases, version=cluster.template_version)

    def update_aliases(self, actions: list[dict[str, Any]]) -> None:
        cluster = self.cluster
        cluster.hook("update_aliases")
        for action in actions:  # all or nothing
            ((kind, target),) = action.items()
            if target["index"] not in cluster.state or (
                kind == "remove"
                and target["alias"] not in cluster.state[target["index"]]["aliases"]
            ):
                raise _error(NotFoundError, 404, "aliases_not_found_exception")
        for action in actions:
            ((kind, target),) = action.items()
            aliases = cluster.state[target["index"]]["aliases"]
            (aliases.add if kind == "add" else aliases.discard)(target["alias"])

    def stats(self, index: list[str], metric: str) -> _Answer:
        assert metric == "docs"
        docs = {n: {"primaries": {"docs": {"deleted": self.cluster.deleted_docs.get(n, 0)}}}
                for n in self.cluster.resolve(index)}  # fmt: skip
        return _Answer({"indices": docs})

    def put_settings(self, index: list[str], settings: dict[str, Any]) -> None:
        self.cluster.calls.append(("put_settings", {"index": index, "settings": settings}))

    def flush(self, index: list[str]) -> None:
        self.cluster.calls.append(("flush", {"index": index}))

    def forcemerge(self, index: list[str], **params: Any) -> None:
        self.cluster.hook("forcemerge")
        self.cluster.calls.append(("forcemerge", {"index": index, **params}))
        if params.get("only_expunge_deletes"):
            for name in index:
                self.cluster.deleted_docs.pop(name, None)

    def delete(self, index: str | list[str], ignore_unavailable: bool = False) -> None:
        cluster = self.cluster
        cluster.hook("delete")
        names = [index] if isinstance(index, str) else list(index)
        assert not any("*" in n for n in names), "indices are deleted by name, never by pattern"
        missing = [n for n in names if n not in cluster.state]
        if missing and not (ignore_unavailable or self.ignore_404):
            raise _error(NotFoundError, 404, "index_not_found_exception")
        for name in names:
            if cluster.state.pop(name, None) is not None:
                cluster.deleted.append(name)


class _NoTracing:
    """What `elasticsearch.helpers` asks of the client's tracing: nothing traced."""

    @contextmanager
    def helpers_span(self, name: str) -> Iterator[None]:
        yield None

    @contextmanager
    def use_span(self, span: Any) -> Iterator[None]:
        yield None


class _Transport:
    class serializers:  # the client's attribute's name
        @staticmethod
        def get_serializer(mimetype: str) -> JsonSerializer:
            return JsonSerializer()


class FakeClient:
    _otel = _NoTracing()
    transport = _Transport()

    def __init__(self, cluster: FakeCluster, ignore_404: bool) -> None:
        self.cluster = cluster
        self.indices = FakeIndices(cluster, ignore_404)
        self.ignore_404 = ignore_404

    def bulk(self, operations: list[Any], refresh: str | None = None) -> _Answer:
        """Each op's item as Elasticsearch answers it (helpers send bytes, callers dicts)."""
        ops = [json.loads(op) if isinstance(op, bytes | str) else op for op in operations]
        if refresh != "wait_for":  # every write is seen by the next read of any process ...
            actions = ops[::2]  # ... but a note written before its write (update, doc)
            assert all(meta["_index"] == NOTES for op in actions for meta in op.values())
        items = []
        while ops:
            ((kind, meta),) = ops.pop(0).items()
            source = ops.pop(0) if kind != "delete" else None
            items.append({kind: {"_id": meta["_id"], "status": self._apply(kind, meta, source)}})
        return _Answer({"errors": any(i[k]["status"] >= 300 for i in items for k in i),
                        "items": items})  # fmt: skip

    def _apply(self, kind: str, meta: dict[str, Any], body: dict[str, Any] | None) -> int:
        cluster, index, doc_id = self.cluster, meta["_index"], meta["_id"]
        docs = cluster.docs.setdefault(index, {})
        if kind == "create" and doc_id in docs:
            return 409
        if kind == "delete" and doc_id not in docs:
            return 404
        if kind == "delete" and meta.get("if_seq_no") not in (None, cluster.seq_no[index, doc_id]):
            return 409
        if kind == "update":  # as the notes are written: a partial doc, or the upsert
            assert body is not None and body["detect_noop"] is False
            body = {**docs[doc_id], **body["doc"]} if doc_id in docs else body["upsert"]
        if doc_id in docs:  # replaced or deleted: marked deleted in its segment
            cluster.deleted_docs[index] = cluster.deleted_docs.get(index, 0) + 1
        cluster.seq_no[index, doc_id] = next(cluster.sequence)
        if kind == "delete":
            del docs[doc_id]
            return 200
        stored = json.loads(json.dumps(body))
        excluded = () if index in cluster.plain else _SOURCE_EXCLUDES  # the template's
        docs[doc_id] = {name: value for name, value in stored.items() if name not in excluded}
        return 201

    def mget(self, docs: list[dict[str, str]]) -> _Answer:
        found = []
        for wanted in docs:
            source = self.cluster.docs.get(wanted["_index"], {}).get(wanted["_id"])
            found.append({**wanted, "found": source is not None, "_source": source})
        return _Answer({"docs": found})

    def search(self, index: str, body: dict[str, Any]) -> _Answer:
        """The notes index's search only: sorted by its fields, paged by `search_after`."""
        if index not in self.cluster.plain:
            if self.ignore_404:
                return _Answer({"error": {"type": "index_not_found_exception"}, "status": 404})
            raise _error(NotFoundError, 404, "index_not_found_exception")
        fields = [next(iter(key)) for key in body["sort"]]
        assert body["seq_no_primary_term"]
        docs = self.cluster.docs.get(index, {})
        hits = sorted(
            (
                {"_source": src, "sort": [src[f] for f in fields], "_primary_term": 1,
                 "_seq_no": self.cluster.seq_no[index, doc_id]}
                for doc_id, src in docs.items()
            ),
            key=lambda hit: hit["sort"],
        )  # fmt: skip
        if "search_after" in body:
            hits = [hit for hit in hits if hit["sort"] > body["search_after"]]
        return _Answer({"hits": {"hits": hits[: body["size"]]}})

    def options(
        self, ignore_status: int | None = None, request_timeout: float | None = None
    ) -> FakeClient:
        if request_timeout is not None:
            self.cluster.calls.append(("options", {"request_timeout": request_timeout}))
        return FakeClient(self.cluster, ignore_status == 404)


def start(cluster: FakeCluster) -> ElasticsearchIndex:
    """An indexing process starting on the cluster."""
    return ElasticsearchIndex(cluster.client(), A)  # type: ignore[arg-type]


def levels(generation: str) -> list[str]:
    return [f"{generation}-s{n}" for n in range(4)]


def serving(cluster: FakeCluster) -> dict[str, set[str]]:
    """Serving alias → the indices it names."""
    return {a: {i for i, info in cluster.state.items() if a in info["aliases"]} for a in SERVING}


GEN1, GEN2, GEN3, GEN4 = (es_bodies.generation_name(A, n) for n in range(1, 5))


# -- an unfinished rebuild of another version -----------------------------------------------


def test_an_unfinished_rebuild_of_another_version_is_deleted_and_begun_anew():
    """Begun before an upgrade: resumed, its missing documents would be added under today's
    code to indices built under another template (another analyser, another layout), and the
    result swapped in outdated."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING, version=OLD)
    cluster.generation(GEN3, version=OLD)  # the rebuild the upgrade interrupted
    index = start(cluster)
    assert index.outdated() and index.rebuilding() == GEN3
    target = index.begin_rebuild()
    assert target.generation == GEN4 and index.rebuilding() == GEN4
    assert sorted(cluster.deleted) == levels(GEN3)
    assert {i: cluster.state[i]["version"] for i in levels(GEN4)} == dict.fromkeys(
        levels(GEN4), TODAY
    )
    assert serving(cluster)[A] == set(levels(GEN2))  # still searched until the swap
    assert index.finish_rebuild() == GEN4
    assert sorted(cluster.state) == levels(GEN4) and not index.outdated()


def test_an_unfinished_rebuild_of_this_version_is_resumed_and_its_missing_levels_created():
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING, version=OLD)
    cluster.generation(GEN3)
    del cluster.state[f"{GEN3}-s2"]  # its creation was interrupted
    index = start(cluster)
    assert index.begin_rebuild().generation == GEN3
    assert cluster.deleted == [] and set(levels(GEN3)) <= set(cluster.state)


@pytest.mark.parametrize("version", [None, OLD], ids=["before-versions", "old-version"])
def test_an_unfinished_rebuild_whose_levels_disagree_or_lack_a_version_is_begun_anew(version):
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    cluster.generation(GEN3)
    cluster.state[f"{GEN3}-s1"]["version"] = version
    assert start(cluster).begin_rebuild().generation == GEN4
    assert sorted(cluster.deleted) == levels(GEN3)


def test_an_unfinished_rebuild_from_before_levels_is_deleted_not_left_behind():
    """An older luutru's single index, never swapped in: passed over, and gone."""
    cluster = FakeCluster()
    cluster.add(GEN1, *SERVING, version=OLD)
    cluster.add(GEN2, version=OLD)  # no alias: an index cannot share its name with one
    index = start(cluster)
    assert index.begin_rebuild().generation == GEN3
    assert cluster.deleted == [GEN2]


def test_two_processes_passing_over_the_same_stale_rebuild_fill_one_new_generation():
    """The second reads the stale generation's version after the first deleted it: not an
    error, and no third generation."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING, version=OLD)
    cluster.generation(GEN3, version=OLD)
    first, second = start(cluster), start(cluster)
    cluster.hooks["get_mapping"] = first.begin_rebuild  # between second's read and its check
    assert second.begin_rebuild().generation == GEN4
    assert first.begin_rebuild().generation == GEN4
    assert sorted(i for i in cluster.state if i.startswith(GEN4)) == levels(GEN4)
    assert not any(i.startswith(GEN3) for i in cluster.state)


# -- indices no alias serves ----------------------------------------------------------------


def _after_a_cut_swap(cluster: FakeCluster) -> None:
    """The aliases moved to GEN3, the process died before deleting GEN2; GEN1 is older still."""
    cluster.generation(GEN1)
    cluster.generation(GEN2)
    cluster.generation(GEN3, *SERVING)


def test_a_process_starting_after_a_swap_cut_before_its_delete_removes_the_old_generations():
    cluster = FakeCluster()
    _after_a_cut_swap(cluster)
    start(cluster)
    assert sorted(cluster.deleted) == levels(GEN1) + levels(GEN2)
    assert sorted(cluster.state) == levels(GEN3)
    assert serving(cluster)[A] == set(levels(GEN3))


def test_only_this_deployments_generations_that_nothing_names_are_deleted():
    """Kept: what a serving alias names, the rebuild under way, an index another alias (an
    operator's) names, another deployment's indices the `A-*` pattern also matches, and names
    not of a generation."""
    cluster = FakeCluster()
    _after_a_cut_swap(cluster)
    cluster.generation(GEN4)  # a rebuild under way
    cluster.add(f"{GEN1}-s0", GEN1, "kept-by-an-operator")
    others = [f"{A}-2024-0001-s0", f"{A}-archive", f"{A}-0002-s9", f"{A}-test-0001"]
    for other in others:
        cluster.add(other)  # no alias at all
    start(cluster)
    assert sorted(cluster.deleted) == levels(GEN1)[1:] + levels(GEN2)
    assert sorted(cluster.state) == sorted([f"{GEN1}-s0", *levels(GEN3), *levels(GEN4), *others])


def test_nothing_is_deleted_by_a_start_that_found_no_generation_served():
    """No alias at all (the first creation cut, or aliases removed by hand): the newest
    generation takes the aliases, a guess; nothing is deleted on it."""
    cluster = FakeCluster()
    cluster.generation(GEN1)
    assert es_bodies.unused_indices(cluster.client().indices.get_alias(index=f"{A}-*"), A) == []
    cluster.generation(GEN2)
    start(cluster)
    assert serving(cluster)[A] == set(levels(GEN2)) and cluster.deleted == []
    start(cluster)  # the next start finds GEN2 served: GEN1 is an old generation
    assert sorted(cluster.deleted) == levels(GEN1)


def test_a_swap_removes_every_older_generation_and_keeps_a_newer_rebuild():
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    target = index.begin_rebuild().generation
    cluster.generation(GEN1)  # left by an earlier cut swap, while this process ran
    cluster.hooks["update_aliases"] = lambda: cluster.generation(GEN4)  # another begins
    assert index.finish_rebuild() == target == GEN3
    assert sorted(cluster.deleted) == levels(GEN1) + levels(GEN2)
    assert sorted(cluster.state) == levels(GEN3) + levels(GEN4)


def test_a_swap_whose_delete_failed_is_cleaned_up_by_the_next_start():
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.begin_rebuild()

    def crash() -> None:
        raise ConnectionError("the process died after the swap")

    cluster.hooks["delete"] = crash
    with pytest.raises(ConnectionError):
        index.finish_rebuild()
    assert serving(cluster)[A] == set(levels(GEN3)) and set(levels(GEN2)) <= set(cluster.state)
    start(cluster)
    assert sorted(cluster.state) == levels(GEN3)


def test_a_process_beginning_while_another_passes_over_a_stale_rebuild_joins_its_generation():
    """The stale generation was deleted before the new one was created: a second process
    reading in between saw no rebuild at all and began one under the stale generation's own
    number, which the next sweep deleted while that process filled it (it was not the
    newest)."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING, version=OLD)
    cluster.generation(GEN3, version=OLD)
    first, second = start(cluster), start(cluster)
    joined: list[str] = []
    cluster.hooks["create"] = lambda: joined.append(second.begin_rebuild().generation)
    assert first.begin_rebuild().generation == GEN4
    assert joined == [GEN4]
    assert sorted(i for i in cluster.state if not i.startswith(GEN2)) == levels(GEN4)


# -- purging deleted documents ---------------------------------------------------------------


NOTES = es_bodies.notes_index(A)


def _doc(record_id: str, text: str = "công văn", secrecy: int = 0, **fields: Any) -> IndexDocument:
    return IndexDocument(id=record_id, register="den", title=f"Văn bản {record_id}", text=text,
                         secrecy=secrecy, **fields)  # fmt: skip


def _age_notes(cluster: FakeCluster, seconds: float) -> None:
    """As if every note had been written `seconds` earlier."""
    for note in cluster.docs.get(NOTES, {}).values():
        note["noted_at"] -= seconds


def _purge_index(index: ElasticsearchIndex, after_s: float) -> frozenset[int]:
    """What the indexing service's purge does on Elasticsearch (dependencies.RebuildJob)."""
    levels = index.purge_due(after_s)
    if levels:
        index.expunge_deletes(levels)
    return levels


def test_a_purge_expunges_the_deleted_documents_of_the_levels_holding_some():
    """A destroyed record's document stays in its Lucene segment, marked deleted, until a
    merge: once its note is old enough the purge force-merges only the serving indices that
    hold deleted documents, with only_expunge_deletes and the threshold set to 0 first (at the
    default 10 %, one deleted document in a large segment would stay); then the note goes."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    assert NOTES in cluster.plain and NOTES not in cluster.state  # none of the generations'
    assert index.purge_due(0) == frozenset()  # nothing deleted
    index.upsert_many([_doc("gone", secrecy=1), _doc("stays", secrecy=1), _doc("open")])
    index.delete("gone")
    assert index.pending_purge() == {"gone": [1]}
    assert index.purge_due(600) == frozenset()  # not due yet
    _age_notes(cluster, 601)
    assert index.purge_due(600) == {1}
    index.expunge_deletes({1})
    assert cluster.calls == [
        ("put_settings", {"index": [f"{GEN2}-s1"],
                          "settings": {"index.merge.policy.expunge_deletes_allowed": 0}}),
        ("flush", {"index": [f"{GEN2}-s1"]}),  # else kept for a recovery from the last commit
        ("options", {"request_timeout": MERGE_TIMEOUT_S}),
        ("forcemerge", {"index": [f"{GEN2}-s1"], "only_expunge_deletes": True}),
    ]  # fmt: skip
    assert cluster.docs[NOTES] == {} and index.pending_purge() == {}
    assert index.purge_due(0) == frozenset()


def test_the_notes_are_the_clusters_so_another_process_purges_them():
    """Noted in the cluster, with refresh: a process started later (a restart, or another
    indexing process) sees the deletion and purges it; the first then sees nothing due."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    first = start(cluster)
    first.upsert_many([_doc("gone"), _doc("stays")])
    first.delete("gone")
    second = start(cluster)  # its start leaves the notes as they are
    assert second.pending_purge() == {"gone": [0]}
    _age_notes(cluster, 601)
    assert _purge_index(second, 600) == {0}
    assert first.purge_due(0) == frozenset() and first.pending_purge() == {}


def test_a_correction_and_a_level_move_are_noted_and_the_same_content_is_not():
    """An `index` op leaves the replaced version in its segment whatever it held: a corrected
    trích yếu (other content) and a raise to Mật (the copy left at level 0) are noted; the same
    document indexed again (a redelivery, a recovery) is not, so it rewrites no level."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    named = _doc("named", subject="Về việc hỗ trợ ông Lường Văn Xổm")
    index.upsert_many([named, _doc("raised", "kho vũ khí"), _doc("same")])
    index.upsert_many([named, _doc("same")])  # redelivered
    index.upsert(_doc("same"))
    assert index.pending_purge() == {} and NOTES not in cluster.docs  # no note written
    _age_notes(cluster, 601)
    assert index.purge_due(600) == frozenset()  # deleted documents, but no content left
    index.upsert(_doc("named", subject="Về việc hỗ trợ hộ khó khăn"))
    index.upsert(_doc("raised", "kho vũ khí", secrecy=1))
    assert index.pending_purge() == {"named": [0], "raised": [0]}
    assert sorted(cluster.docs[NOTES]) == ["0:named", "0:raised"]
    assert {n["record"]: n["level"] for n in cluster.docs[NOTES].values()} == {
        "named": 0,
        "raised": 0,
    }
    _age_notes(cluster, 601)
    assert _purge_index(index, 600) == {0}
    assert index.pending_purge() == {}


def test_a_note_keeps_the_time_of_the_first_change():
    """A record corrected twice is due when its first earlier version is old enough."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert(_doc("r", "bản một"))
    index.upsert(_doc("r", "bản hai"))
    _age_notes(cluster, 601)
    index.upsert(_doc("r", "bản ba"))  # the note is written again, its time kept
    assert index.purge_due(600) == {0}


def test_a_note_whose_deleted_document_elasticsearch_merged_away_is_dropped():
    """Elasticsearch merges by itself too: a note whose level counts no deleted document any
    more has nothing left to purge."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("gone"), _doc("stays")])
    index.delete("gone")
    cluster.deleted_docs.clear()  # a merge of its own
    _age_notes(cluster, 601)
    assert index.purge_due(600) == frozenset() and cluster.docs[NOTES] == {}


def test_a_change_noted_during_the_force_merge_stays_for_the_next_purge():
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("gone"), _doc("late"), _doc("stays")])
    index.delete("gone")
    cluster.hooks["forcemerge"] = lambda: index.delete("late")
    assert _purge_index(index, 0) == {0}
    assert [note["record"] for note in cluster.docs[NOTES].values()] == ["late"]
    cluster.deleted_docs[f"{GEN2}-s0"] = 1  # the merge began before it: still on disk
    assert index.pending_purge() == {"late": [0]}


def test_a_record_changed_again_during_the_force_merge_keeps_its_note():
    """Its note was read before the merge, which may have missed the second change: noted
    again meanwhile (its sequence number moved), the note is not deleted after the merge."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("r", "bản một"), _doc("stays")])
    index.upsert(_doc("r", "bản hai"))
    cluster.hooks["forcemerge"] = lambda: index.upsert(_doc("r", "bản ba"))
    assert _purge_index(index, 0) == {0}
    assert list(cluster.docs[NOTES]) == ["0:r"]


def test_a_level_move_during_a_rebuild_is_noted_against_the_serving_generation():
    """Live writes reach both generations; the copy read before is the one searches used."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert(_doc("raised"))
    index.begin_rebuild()
    index.upsert(_doc("raised", secrecy=2))
    assert index.pending_purge() == {"raised": [0]}
    assert cluster.docs[f"{GEN3}-s2"].keys() == {"raised"}  # the rebuild got it too


def test_purge_note_bodies():
    """A note is an upsert that keeps its first time and always moves its sequence number; it
    is deleted only as read; the notes are read oldest first, resumable by `search_after`; a
    copy is noted only when it differs from the new document."""
    assert es_bodies.note_operations(NOTES, [("r", 1), ("r", 1)], 5.0) == [
        {"update": {"_index": NOTES, "_id": "1:r"}},
        {"doc": {"record": "r"}, "upsert": {"record": "r", "level": 1, "noted_at": 5.0},
         "detect_noop": False},
    ]  # fmt: skip
    read = es_bodies.note_of({"_source": {"record": "r", "level": 1, "noted_at": 5.0},
                              "_seq_no": 7, "_primary_term": 2})  # fmt: skip
    assert es_bodies.forget_operations(NOTES, [read]) == [
        {"delete": {"_index": NOTES, "_id": "1:r", "if_seq_no": 7, "if_primary_term": 2}}
    ]
    assert es_bodies.notes_body(after=[5.0, "r", 1])["search_after"] == [5.0, "r", 1]
    assert "search_after" not in es_bodies.notes_body()
    new = _doc("r", "bản mới")
    same = (0, es_bodies.stored_source(new))
    other = (0, es_bodies.stored_source(_doc("r", "bản cũ")))
    assert es_bodies.replaced({"r": [same]}, [new]) == []
    assert es_bodies.replaced({"r": [other]}, [new]) == [("r", 0)]
    assert es_bodies.replaced({"r": [same, (2, same[1])]}, [new]) == [("r", 2)]  # a cut move
    assert "text" not in same[1]  # the template keeps it out of `_source`


def test_a_change_is_noted_even_when_the_rebuilding_generations_write_fails(monkeypatch):
    """The serving index was written, the rebuilding one failed: the redelivered event will
    find the same content there and note nothing, so the note is written before the error."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("r", "bản một"), _doc("stays")])
    index.begin_rebuild()
    real = es_bodies.bulk_actions

    def failing_in_the_rebuild(levels, docs, *fill):
        if GEN3 in next(iter(levels.values())):
            raise ConnectionError("the rebuilding index is unreachable")
        return real(levels, docs, *fill)

    monkeypatch.setattr(es_bodies, "bulk_actions", failing_in_the_rebuild)
    with pytest.raises(ConnectionError):
        index.upsert(_doc("r", "bản hai"))
    assert index.pending_purge() == {"r": [0]}


def test_an_operators_purge_during_a_rebuild_expunges_the_rebuilding_generation_too():
    """A record the rebuild has filled and a live write then corrects leaves its earlier
    version in both generations' segments. `luutru index purge` may run meanwhile (the timer
    waits for the rebuild, the operator does not): merging only the serving index and then
    deleting the note would leave that version in the generation about to be swapped in, with
    no note to purge it there. Both generations' indices of the levels due are merged."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("r", "ông Lường Văn Xổm"), _doc("stays")])
    target = index.begin_rebuild()
    target.upsert_many([_doc("r", "ông Lường Văn Xổm"), _doc("stays")])  # a rebuild batch
    index.upsert(_doc("r", "hộ gia đình khó khăn"))  # a correction, live: both generations
    assert cluster.deleted_docs[f"{GEN3}-s0"] == 1
    assert index.pending_purge() == {"r": [0]}
    assert _purge_index(index, 0) == {0}  # the operator's purge, the rebuild still running
    assert not cluster.deleted_docs.get(f"{GEN3}-s0") and not cluster.deleted_docs.get(f"{GEN2}-s0")
    index.finish_rebuild(target.generation)
    assert index.pending_purge() == {} and index.purge_due(0) == frozenset()


def test_a_rebuild_batch_read_before_a_live_correction_does_not_undo_it():
    """The rebuild reads a batch from the catalog, then writes it; a correction in between
    reaches both generations live. The batch's older version must not replace it (the swap
    would serve a trích yếu corrected away): the rebuild creates, it does not overwrite. A
    record its repair moves is still moved."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("r", "ông Lường Văn Xổm"), _doc("s"), _doc("up", secrecy=1)])
    target = index.begin_rebuild()
    index.upsert(_doc("r", "hộ khó khăn"))  # live: both generations
    target.upsert_many([_doc("r", "ông Lường Văn Xổm"), _doc("s"), _doc("up", secrecy=1)])
    assert cluster.docs[f"{GEN3}-s0"]["r"]["body"] == "hộ khó khăn"
    assert set(cluster.docs[f"{GEN3}-s0"]) == {"r", "s"}
    target.upsert_many([_doc("up")])  # the repair: lowered in the catalog meanwhile
    assert "up" in cluster.docs[f"{GEN3}-s0"] and "up" not in cluster.docs[f"{GEN3}-s1"]


def test_a_correction_is_noted_when_its_process_dies_just_after_the_write(monkeypatch):
    """Killed between the write and its note, a process would leave the earlier version in
    the segments for good: the redelivered event finds the same content and notes nothing. So
    the note is written before the write too."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("r", "ông Lường Văn Xổm"), _doc("stays")])
    written: list[bool] = []
    real_bulk = FakeClient.bulk

    def dying_after_the_write(client, operations, refresh=None):
        if written:
            raise SystemExit("killed")  # nothing after the write runs
        answer = real_bulk(client, operations=operations, refresh=refresh)
        if any(GEN2 in str(op) for op in operations):
            written.append(True)
        return answer

    monkeypatch.setattr(FakeClient, "bulk", dying_after_the_write)
    with pytest.raises(SystemExit):
        index.upsert(_doc("r", "hộ khó khăn"))
    monkeypatch.setattr(FakeClient, "bulk", real_bulk)
    assert written and cluster.docs[f"{GEN2}-s0"]["r"]["body"] == "hộ khó khăn"
    restarted = start(cluster)
    restarted.upsert(_doc("r", "hộ khó khăn"))  # the redelivery: the same content
    assert restarted.pending_purge() == {"r": [0]}


def test_a_record_still_indexed_waits_the_longer_purge():
    """A corrected record's note is due after `kept_after_s` (a day, by the job), a destroyed
    record's after `after_s`: the record's live copy tells them apart."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("corrected", "bản một"), _doc("gone")])
    index.upsert(_doc("corrected", "bản hai"))
    _age_notes(cluster, 601)
    assert index.purge_due(600, 86_400) == frozenset()
    index.delete("gone")
    _age_notes(cluster, 601)
    assert index.purge_due(600, 86_400) == {0}  # the destroyed one
    assert index.pending_purge() == {"corrected": [0], "gone": [0]}


def test_a_record_moved_to_another_level_does_not_wait_longer():
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("raised"), _doc("stays")])
    index.upsert(_doc("raised", secrecy=1))
    _age_notes(cluster, 601)
    assert index.pending_purge() == {"raised": [0]}
    assert index.purge_due(600, 86_400) == {0}


def test_a_change_whose_note_is_refused_is_not_written_and_its_retry_notes_it(monkeypatch):
    """The notes index refusing its writes around a correction or a deletion (its shard
    unavailable): written anyway, the earlier version would be noted nowhere — the redelivered
    event finds the same content and notes nothing. So the write waits for its first note: a
    transient error, retried by the messaging layer (docs/reliability.md), nothing replaced
    yet; the retry, the notes index back, notes it."""
    cluster = FakeCluster()
    cluster.generation(GEN2, *SERVING)
    index = start(cluster)
    index.upsert_many([_doc("r", "ông Lường Văn Xổm"), _doc("gone", "ông Lò Văn Pọm")])
    real_bulk = FakeClient.bulk

    def refusing_notes(client, operations, refresh=None):
        ops = [json.loads(op) if isinstance(op, bytes | str) else op for op in operations]
        if any(meta["_index"] == NOTES for op in ops[::2] for meta in op.values()):
            refused = {"status": 503, "error": {"type": "unavailable_shards_exception"}}
            items = [{kind: {"_id": meta["_id"], **refused}}
                     for op in ops[::2] for kind, meta in op.items()]  # fmt: skip
            return _Answer({"errors": True, "items": items})
        return real_bulk(client, operations=operations, refresh=refresh)

    monkeypatch.setattr(FakeClient, "bulk", refusing_notes)
    for change in (lambda: index.upsert(_doc("r", "hộ khó khăn")), lambda: index.delete("gone")):
        with pytest.raises(TransientError) as raised:
            change()
        assert is_transient(raised.value)
    assert cluster.docs[f"{GEN2}-s0"]["r"]["body"] == "ông Lường Văn Xổm"  # not replaced
    assert "gone" in cluster.docs[f"{GEN2}-s0"] and NOTES not in cluster.docs
    monkeypatch.setattr(FakeClient, "bulk", real_bulk)
    index.upsert(_doc("r", "hộ khó khăn"))  # the retries
    index.delete("gone")
    assert index.pending_purge() == {"gone": [0], "r": [0]}
