"""Elasticsearch: one index per secrecy level, checked without a server. Which aliases a
clearance searches, where bulk actions route a document, the `_aliases` actions of opening and
of a rebuild's swap, and how generations are read back from the indices' names."""

from __future__ import annotations

from fnmatch import fnmatch

import pytest

from services.common.errors import NotFound
from services.common.ports import IndexDocument, SearchQuery
from services.indexing import es_bodies
from services.indexing import query as q
from services.indexing.analysis import analyse, folded_words

pytestmark = pytest.mark.unit

A = "luutru-records"
GEN1, GEN2 = f"{A}-0001", f"{A}-0002"
SERVING = [A, *(f"{A}-s{n}" for n in range(4))]


def targets(**kw) -> list[str]:
    return es_bodies.search_targets(A, q.plan(SearchQuery(text="văn", **kw)))


def levels_of(generation: str, *serving: str) -> dict:
    """A `GET A-*/_alias` answer for a per-level generation holding `serving` aliases."""
    return {
        f"{generation}-s{n}": {
            "aliases": {
                generation: {},
                **{a: {} for a in serving if a in (A, f"{A}-s{n}")},
            }
        }
        for n in range(4)
    }


# -- the template ---------------------------------------------------------------------------


def test_the_template_matches_every_level_index_with_one_shard_each():
    """One primary shard per level index: BM25's statistics are those of one level."""
    template = es_bodies.index_template()
    (pattern,) = template["index_patterns"]
    names = [es_bodies.level_index(GEN2, n) for n in q.LEVELS]
    assert names == [f"{GEN2}-s0", f"{GEN2}-s1", f"{GEN2}-s2", f"{GEN2}-s3"]
    assert all(fnmatch(name, pattern) for name in names)
    assert template["template"]["settings"]["number_of_shards"] == 1


# -- searches -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clearance", "secrecy", "searched"),
    [
        (0, None, ["s0"]),
        (1, None, ["s0", "s1"]),
        (3, None, ["s0", "s1", "s2", "s3"]),
        (3, 1, ["s1"]),
        (2, 2, ["s2"]),
        (1, 2, []),  # asked for a level above the clearance: nothing to read
        (-1, None, []),
    ],
)
def test_a_search_names_only_the_levels_the_caller_may_see(clearance, secrecy, searched):
    assert targets(clearance=clearance, secrecy=secrecy) == [f"{A}-{s}" for s in searched]


def test_the_clearance_filter_stays_in_the_body_too():
    """Defence in depth: an index from before levels sits behind every level alias."""
    plan = q.plan(SearchQuery(text="văn", clearance=1))
    clearance = {"range": {"secrecy": {"lte": 1}}}
    assert clearance in es_bodies.search_body(plan)["query"]["bool"]["filter"]
    assert clearance in es_bodies.texts_body(plan, 20)["query"]["bool"]["filter"]
    assert clearance in es_bodies.exists_body(plan)["query"]["bool"]["filter"]
    assert clearance in es_bodies.term_counts_body(["dat"], 1)["query"]["bool"]["filter"]
    assert clearance in es_bodies.similar_body("r1", ["dat"], 1, 5)["query"]["bool"]["filter"]


def test_similar_reads_the_record_through_a_search_within_clearance():
    """A GET cannot name an alias of several indices; the record is found only if visible."""
    body = es_bodies.record_body("r1", clearance=0)
    assert body["query"]["bool"]["filter"] == [
        {"ids": {"values": ["r1"]}},
        {"range": {"secrecy": {"lte": 0}}},
    ]
    assert body["size"] == 1


def test_the_stored_source_gives_back_the_words_the_document_was_indexed_with():
    """`_source` leaves out `text`; "more like this" rebuilds the words from what it keeps."""
    doc = IndexDocument(
        id="r1",
        register="den",
        title="Kế hoạch phòng chống lụt bão",
        number_symbol="15-KH/TU",
        subject="Đê điều",
        organ="Văn phòng Tỉnh ủy",
        text="Thuỷ lợi nội đồng,\n  năm 2024",
    )
    source = es_bodies.document(doc)
    source = {k: v for k, v in source.items() if k not in ("text", "number_tokens", "organ_tokens")}
    assert folded_words(es_bodies.text_parts(source)) == analyse(doc).folded_words
    assert "thuy" in folded_words(es_bodies.text_parts(source))


# -- writes ---------------------------------------------------------------------------------


def _ops(actions) -> list[tuple[str, str, str]]:
    return [(a["_op_type"], a["_index"], a["_id"]) for a in actions]


def test_bulk_routes_a_document_to_its_level_and_deletes_it_from_the_others():
    """A secrecy correction moves the record: no copy stays where a lower clearance reads."""
    levels = es_bodies.layout({}, GEN2)
    docs = [IndexDocument(id="m", register="den", secrecy=1)]
    assert _ops(es_bodies.bulk_actions(levels, docs)) == [
        ("delete", f"{GEN2}-s0", "m"),
        ("delete", f"{GEN2}-s2", "m"),
        ("delete", f"{GEN2}-s3", "m"),
        ("index", f"{GEN2}-s1", "m"),
    ]


def test_a_level_off_the_scale_goes_to_the_highest():
    doc = IndexDocument(id="x", register="den", secrecy=7)
    assert q.stored_level(doc.secrecy) == 3
    assert es_bodies.document(doc)["secrecy"] == 3  # the body's clearance filter agrees
    (*_, index) = es_bodies.bulk_actions(es_bodies.layout({}, GEN2), [doc])
    assert (index["_op_type"], index["_index"]) == ("index", f"{GEN2}-s3")


def test_a_delete_reaches_every_level():
    assert _ops(es_bodies.delete_actions(es_bodies.layout({}, GEN2), "r")) == [
        ("delete", f"{GEN2}-s{n}", "r") for n in range(4)
    ]
    legacy = es_bodies.layout({GEN1: {}}, GEN1)
    assert _ops(es_bodies.delete_actions(legacy, "r")) == [("delete", GEN1, "r")]


def test_only_a_delete_of_a_missing_document_is_not_a_refusal():
    missing = {"delete": {"_index": f"{GEN2}-s0", "status": 404, "result": "not_found"}}
    strict = {"index": {"_index": GEN1, "status": 400, "error": {"type": "strict"}}}
    failed = {"delete": {"_index": f"{GEN2}-s0", "status": 503}}
    assert es_bodies.refused([missing, strict, failed]) == [strict, failed]


def test_an_outdated_generation_may_refuse_a_document_but_never_a_delete():
    """The generation being replaced still serves searches: a failed delete from its lower
    level would leave a raised record where clearance 0 finds it until the swap."""
    strict = {"index": {"_index": f"{GEN1}-s2", "status": 400, "error": {"type": "strict"}}}
    failed = {"delete": {"_index": f"{GEN1}-s0", "status": 503}}
    assert es_bodies.refused([strict, failed], outdated=True) == [failed]


# -- generations ----------------------------------------------------------------------------


def test_generations_are_read_from_index_names():
    assert es_bodies.generation_of(A, f"{GEN2}-s3") == GEN2
    assert es_bodies.generation_of(A, GEN1) == GEN1  # an index from before levels
    for other in (f"{A}-s0", f"{A}-0002-s9", f"{A}-foo", "other-0001", f"{A}-2024-0001-s0"):
        assert es_bodies.generation_of(A, other) is None
    assert es_bodies.next_generation(A, GEN1) == GEN2


def test_the_current_generation_and_a_rebuild_under_way_are_seen_from_the_indices_alone():
    """Every process finds them, whoever began the rebuild."""
    assert es_bodies.generations({}, A) == (None, None)
    current = levels_of(GEN2, *SERVING)
    assert es_bodies.generations(current, A) == (GEN2, None)
    during = {**current, **levels_of(f"{A}-0003"), GEN1: {"aliases": {}}}  # 0001: a leftover
    assert es_bodies.generations(during, A) == (GEN2, f"{A}-0003")
    legacy = {GEN1: {"aliases": {a: {} for a in SERVING}}, **levels_of(GEN2)}
    assert es_bodies.generations(legacy, A) == (GEN1, GEN2)
    assert es_bodies.indices_of(during, A, GEN2) == [f"{GEN2}-s{n}" for n in range(4)]
    assert es_bodies.indices_of(legacy, A, GEN1) == [GEN1]


def test_a_first_generation_gets_every_alias():
    assert es_bodies.serving_actions(levels_of(GEN1), A, GEN1) == sorted(
        [{"add": {"index": f"{GEN1}-s{n}", "alias": A}} for n in range(4)]
        + [{"add": {"index": f"{GEN1}-s{n}", "alias": f"{A}-s{n}"}} for n in range(4)],
        key=lambda a: (a["add"]["index"], a["add"]["alias"]),
    )
    assert es_bodies.serving_actions(levels_of(GEN1, *SERVING), A, GEN1) == []  # in place


def test_an_index_from_before_levels_is_named_by_every_level_alias_until_rebuilt():
    legacy = {GEN1: {"aliases": {A: {}}}}
    assert es_bodies.layout(legacy, GEN1) == dict.fromkeys(range(4), GEN1)
    assert es_bodies.serving_actions(legacy, A, GEN1) == [
        {"add": {"index": GEN1, "alias": f"{A}-s{n}"}} for n in range(4)
    ]


@pytest.mark.parametrize(
    "old",
    [levels_of(GEN1, *SERVING), {GEN1: {"aliases": {a: {} for a in SERVING}}}],
    ids=["levels", "before-levels"],
)
def test_a_swap_moves_every_alias_in_one_call(old):
    indices = {**old, **levels_of(GEN2)}
    actions = es_bodies.serving_actions(indices, A, GEN2)
    removed = {(a["remove"]["index"], a["remove"]["alias"]) for a in actions if "remove" in a}
    added = {(a["add"]["index"], a["add"]["alias"]) for a in actions if "add" in a}
    assert removed == {(n, a) for n, info in old.items() for a in info["aliases"] if a != GEN1}
    assert added == {(f"{GEN2}-s{n}", A) for n in range(4)} | {
        (f"{GEN2}-s{n}", f"{A}-s{n}") for n in range(4)
    }
    assert actions.index(next(a for a in actions if "add" in a)) == len(removed)
    # The generation's own alias is not a serving one: it stays with its indices.
    assert all(a[next(iter(a))]["alias"] != GEN2 for a in actions)


# -- the adapter names them -----------------------------------------------------------------


class _Recording:
    """Stands in for a server (none can run here) to see which indices the adapter names:
    every alias in place on one generation; searches answer one hit, or none once `found`
    is spent. The contract suite checks the answers on a real server."""

    def __init__(self, found: int = 99) -> None:
        self.searched: list[list[str]] = []
        self.found = found
        self.indices = self
        self.options = lambda **_: self

    def put_index_template(self, **_) -> None:
        pass

    def create(self, **_) -> None:  # the purge notes' index
        pass

    def get_alias(self, **_) -> dict:
        return levels_of(GEN1, *SERVING)

    def search(self, index: list[str], body: dict) -> dict:
        self.searched.append(index)
        self.found -= 1
        hit = {"_id": "r", "_source": {"title": "Văn bản", "body": "văn bản đất đai"}}
        hits = [hit] if self.found >= 0 else []
        return {"hits": {"total": {"value": len(hits)}, "hits": hits}}


def test_the_adapter_searches_only_the_callers_levels():
    from services.indexing.elasticsearch_index import ElasticsearchIndex

    es = _Recording()
    index = ElasticsearchIndex(es, A)
    index.search(SearchQuery(text="văn", clearance=1))
    index.similar("r", clearance=0)
    assert es.searched == [[f"{A}-s0", f"{A}-s1"]] + [[f"{A}-s0"]] * 3  # record, counts, hits
    es.searched.clear()
    result = index.search(SearchQuery(text="văn", clearance=0, secrecy=2))
    assert (es.searched, result.total) == ([], 0)
    es.found = 0  # nothing visible: "more like this" answers as for an unknown record
    with pytest.raises(NotFound):
        index.similar("r", clearance=2)
    assert es.searched == [[f"{A}-s0", f"{A}-s1", f"{A}-s2"]]


def test_verify_reads_each_ids_levels_from_the_scan_so_a_cut_move_shows_twice():
    hits = [
        {"_index": f"{GEN2}-s0", "_id": "a", "_source": {"secrecy": 0}},
        {"_index": f"{GEN2}-s2", "_id": "a", "_source": {"secrecy": 2}},  # its delete failed
        {"_index": GEN1, "_id": "b", "_source": {"secrecy": 3}},  # an index from before levels
    ]
    assert es_bodies.levels(hits) == {"a": {0, 2}, "b": {3}}
