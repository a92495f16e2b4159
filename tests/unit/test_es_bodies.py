"""Elasticsearch request bodies, checked without a server: the template's analysers, the
documents and bulk actions, and the query DSL for each kind of query."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from types import SimpleNamespace

import pytest
from elastic_transport import ObjectApiResponse

from services.common.ports import IndexDocument, SearchQuery
from services.indexing import es_bodies
from services.indexing.elasticsearch_index import ElasticsearchIndex
from services.indexing.query import plan
from services.indexing.tantivy_query import INDEX_VERSION

pytestmark = pytest.mark.unit


def body(text: str, fuzzy: bool = False, **kw) -> dict:
    return es_bodies.search_body(plan(SearchQuery(text=text, **kw)), fuzzy)


def bool_of(text: str, **kw) -> dict:
    return body(text, **kw)["query"]["bool"]


# -- template -------------------------------------------------------------------------------


def test_template_folds_marks_and_d_stroke_keeping_the_original():
    settings = es_bodies.index_template()["template"]["settings"]["analysis"]
    folded = settings["analyzer"]["vi_folded"]
    assert settings["filter"]["vi_fold"] == {"type": "asciifolding", "preserve_original": True}
    assert folded["filter"] == ["lowercase", "vi_fold"]
    assert "đ => d" in settings["char_filter"][folded["char_filter"][0]]["mappings"]
    assert settings["analyzer"]["vi_exact"]["filter"] == ["lowercase"]  # marks kept


def test_template_maps_text_with_an_exact_subfield_and_keyword_filters():
    template = es_bodies.index_template()
    mapping = template["template"]["mappings"]["properties"]
    assert template["index_patterns"] == ["luutru-records-*"]
    assert mapping["text"]["analyzer"] == "vi_folded"
    assert mapping["text"]["fields"]["exact"]["analyzer"] == "vi_exact"
    for name in ("kind", "register", "status", "year", "organ_key", "organ_fold"):
        assert mapping[name]["type"] == "keyword"
    assert mapping["secrecy"]["type"] == "integer"
    assert mapping["issued_date"] == {"type": "date", "format": "yyyy-MM-dd"}


def test_template_tokenizer_splits_like_vntext():
    tokenizer = es_bodies.index_template()["template"]["settings"]["analysis"]["tokenizer"]
    # Letters, digits and combining marks are word characters; "_" and punctuation split.
    assert tokenizer["vi_words"] == {"type": "pattern", "pattern": "[^\\p{L}\\p{N}\\p{M}]+"}


def test_every_index_created_from_the_template_is_stamped_with_the_index_version():
    """What `outdated()` reads back: the Tantivy version (schema, Vietnamese analysis) and the
    template's own analysers, so a change to either rebuilds the index on start."""
    version = es_bodies.es_index_version()
    meta = es_bodies.index_template()["template"]["mappings"]["_meta"]
    assert meta == {es_bodies.VERSION_KEY: version}
    # The layout is part of it: an index from before one index per secrecy level is outdated.
    assert version.startswith(f"{INDEX_VERSION}, layout {es_bodies.LAYOUT_VERSION}, template ")
    assert es_bodies.LAYOUT_VERSION == 2
    assert len(version.rsplit(" ", 1)[1]) == 12


def _stamped(version: str | None) -> dict:
    return {"mappings": {"_meta": {es_bodies.VERSION_KEY: version}} if version else {}}


def test_the_version_is_read_from_a_generation_mapping_and_none_from_before_versions():
    """`GET <generation>/_mapping` answers for each of its indices; they must all agree."""
    gen = "luutru-records-0002"
    levels = {f"{gen}-s{n}": _stamped("schema 1, analysis 1") for n in range(4)}
    assert es_bodies.version_of(levels) == "schema 1, analysis 1"
    assert es_bodies.version_of({gen: _stamped("schema 1, analysis 1")}) == "schema 1, analysis 1"
    assert es_bodies.version_of({gen: {"mappings": {"dynamic": "strict"}}}) is None
    assert es_bodies.version_of({**levels, f"{gen}-s3": _stamped("schema 0")}) is None
    assert es_bodies.version_of({}) is None


# -- documents and bulk ---------------------------------------------------------------------


def test_document_is_nfc_with_new_tone_placement_and_keyword_values():
    doc = IndexDocument(
        id="r1",
        register="den",
        number="07",
        kind="nghi_quyet",
        number_symbol="15-NQ/TU",
        title=unicodedata.normalize("NFD", "Nghị quyết về hoà giải"),
        organ="Uỷ ban nhân dân tỉnh",
        issued_date=date(2024, 3, 8),
        secrecy=1,
        text="Thuỷ lợi",
    )
    source = es_bodies.document(doc)
    assert source["text"][0] == "Nghị quyết về hòa giải"
    assert source["text"][-1] == "Thủy lợi"
    assert source["body"] == "Thuỷ lợi"  # snippets show the document as written
    assert source["title"] == "Nghị quyết về hoà giải"  # NFC, written placement
    assert (source["kind"], source["year"], source["issued_date"]) == (
        "nghi_quyet",
        "2024",
        "2024-03-08",
    )
    assert source["organ_key"] == "ỦY BAN NHÂN DÂN TỈNH"
    assert source["organ_fold"] == "uy ban nhan dan tinh"
    assert source["number_tokens"] == "15 nq tu 07 7"
    assert source["secrecy"] == 1


def test_bulk_actions_index_by_record_id_into_an_index_from_before_levels():
    docs = [IndexDocument(id="a", register="den"), IndexDocument(id="b", register="di")]
    legacy = es_bodies.layout({"luutru-records-0001": {}}, "luutru-records-0001")
    actions = list(es_bodies.bulk_actions(legacy, docs))
    assert [(a["_op_type"], a["_index"], a["_id"]) for a in actions] == [
        ("index", "luutru-records-0001", "a"),
        ("index", "luutru-records-0001", "b"),
    ]
    assert actions[1]["_source"]["register"] == "di"


# -- queries --------------------------------------------------------------------------------


def test_a_word_matches_exact_boosted_or_folded():
    (word,) = bool_of("hoà")["must"]
    exact, folded = word["bool"]["should"]
    assert exact == {"match": {"text.exact": {"query": "hòa", "boost": 3.0}}}
    assert folded == {"match": {"text": {"query": "hòa"}}}
    assert word["bool"]["minimum_should_match"] == 1


def test_two_words_are_both_required_and_adjacency_boosts():
    query = bool_of("van phong")
    assert len(query["must"]) == 2
    (boost,) = query["should"]  # typed without marks: no as-typed tier
    assert boost["bool"]["boost"] == 2.0
    phrase = boost["bool"]["should"][0]["bool"]["should"]
    assert phrase[0] == {"match_phrase": {"text.exact": {"query": "van phong", "boost": 3.0}}}
    assert phrase[1] == {"match_phrase": {"text": {"query": "van phong"}}}


def test_records_holding_the_marked_words_as_typed_score_a_tier_above():
    _, tier = bool_of("hoà phong")["should"]
    exact = [{"match": {"text.exact": {"query": "hòa"}}}]
    assert tier == {"constant_score": {"filter": {"bool": {"must": exact}}, "boost": 10_000.0}}
    assert "should" not in bool_of("hoà", sort="date_desc")  # a date order has no tiers
    assert "should" not in body("hoà", fuzzy=True)["query"]["bool"]  # nor the fallback


def test_a_quoted_phrase_is_a_match_phrase():
    (phrase,) = bool_of('"cấp ủy"')["must"]
    assert phrase["bool"]["should"][1] == {"match_phrase": {"text": {"query": "cấp ủy"}}}
    assert "should" not in bool_of('"cấp ủy"')  # one phrase: no adjacency clause


def test_prefix_queries_the_exact_and_folded_forms():
    (prefix,) = bool_of("Quyết*")["must"]
    assert prefix["bool"]["should"] == [
        {"prefix": {"text.exact": {"value": "quyết", "boost": 3.0}}},
        {"prefix": {"text": {"value": "quyet"}}},
    ]


def test_or_and_exclusion():
    query = bool_of("khen OR thưởng -nháp")
    (either,) = query["must"]
    assert either["bool"]["minimum_should_match"] == 1 and len(either["bool"]["should"]) == 2
    (excluded,) = query["must_not"]
    assert excluded["bool"]["should"][1] == {"match": {"text": {"query": "nháp"}}}


def test_fuzzy_allows_one_edit_on_the_folded_field_for_long_enough_words():
    query = body("thuowng ab", fuzzy=True)["query"]["bool"]
    long_word, short_word = query["must"]
    assert long_word["bool"]["should"][1] == {
        "fuzzy": {"text": {"value": "thuowng", "fuzziness": 1, "transpositions": True}}
    }
    assert short_word["bool"]["should"][1] == {"match": {"text": {"query": "ab"}}}


def test_filters_are_in_filter_context_with_clearance_first():
    query = bool_of(
        'văn so:15-NQ/TU coquan:"tỉnh ủy" ngay:2024',
        kind="nghi_quyet",
        organ="Tỉnh ủy",
        clearance=1,
        secrecy=1,
    )
    assert query["filter"] == [
        {"range": {"secrecy": {"lte": 1, "gte": 1}}},
        {"terms": {"kind": ["nghi_quyet"]}},
        {"terms": {"organ_fold": ["tinh uy"]}},
        {
            "bool": {
                "should": [{"match_phrase": {"number_tokens": "15 nq tu"}}],
                "minimum_should_match": 1,
            }
        },
        {
            "bool": {
                "should": [{"match_phrase": {"organ_tokens": "tinh uy"}}],
                "minimum_should_match": 1,
            }
        },
        {
            "range": {
                "issued_date": {"format": "yyyy-MM-dd", "gte": "2024-01-01", "lte": "2024-12-31"}
            }
        },
    ]


def test_filter_only_query_matches_all_then_filters():
    query = bool_of("", register="di")
    assert query["must"] == [{"match_all": {}}]
    assert {"terms": {"register": ["di"]}} in query["filter"]


def test_page_total_facets_and_relevance_sort():
    b = body("văn", limit=20, offset=40)
    assert (b["from"], b["size"], b["track_total_hits"]) == (40, 20, True)
    assert set(b["aggs"]) == {"type", "register", "year", "organ"}
    assert b["aggs"]["type"] == {"terms": {"field": "kind", "size": 10_000, "shard_size": 10_000}}
    # Several levels are several shards: each sends all its organs, so the top 50 are exact.
    assert b["aggs"]["organ"]["terms"] == {"field": "organ_key", "size": 50, "shard_size": 10_000}
    assert "sort" not in b


@pytest.mark.parametrize(("sort", "order"), [("date_desc", "desc"), ("date_asc", "asc")])
def test_date_sort_puts_undated_last(sort, order):
    assert body("văn", sort=sort)["sort"] == [
        {"issued_date": {"order": order, "missing": "_last"}},
        "_score",
    ]


def test_facets_are_read_from_aggregations():
    aggs = {"type": {"buckets": [{"key": "nghi_quyet", "doc_count": 3}]}, "year": {"buckets": []}}
    assert es_bodies.facets(aggs) == {
        "type": {"nghi_quyet": 3},
        "register": {},
        "year": {},
        "organ": {},
    }


def test_similar_matches_the_chosen_words_within_clearance_without_itself():
    b = es_bodies.similar_body("r1", ["dat", "dai"], clearance=1, limit=5)
    query = b["query"]["bool"]
    assert query["should"] == [{"term": {"text": "dat"}}, {"term": {"text": "dai"}}]
    assert query["minimum_should_match"] == 1
    assert query["filter"] == [{"range": {"secrecy": {"lte": 1}}}]
    assert query["must_not"] == [{"ids": {"values": ["r1"]}}]
    assert b["size"] == 5
    assert "more_like_this" not in json.dumps(b)  # ES's MLT reads index-wide statistics


def test_similar_without_words_matches_nothing():
    query = es_bodies.similar_body("r1", [], clearance=0, limit=5)["query"]["bool"]
    assert query["must"] == [{"match_none": {}}] and "should" not in query


def test_word_statistics_for_similar_count_only_records_within_clearance():
    """Words are weighed by how many records the caller may see hold them, never hidden ones."""
    b = es_bodies.term_counts_body(["dat", "dai"], clearance=0)
    assert b["query"] == {"bool": {"filter": [{"range": {"secrecy": {"lte": 0}}}]}}
    assert b["size"] == 0 and b["track_total_hits"] is True
    assert b["aggs"]["df"]["filters"]["filters"] == {
        "dat": {"term": {"text": "dat"}},
        "dai": {"term": {"text": "dai"}},
    }
    answer = {
        "hits": {"total": {"value": 7}},
        "aggregations": {"df": {"buckets": {"dat": {"doc_count": 3}, "dai": {"doc_count": 0}}}},
    }
    assert es_bodies.term_counts(answer) == ({"dat": 3, "dai": 0}, 7)


class _Indices:
    """What `ElasticsearchIndex` asks of `es.indices` to open an index and read its version:
    one generation of four level indices, every alias in place, each mapping stamped with
    `stamped`. Standing in for a server that cannot run here; the bodies are the real ones."""

    def __init__(self, alias: str, stamped: str | None) -> None:
        self.generation, self.alias = f"{alias}-0001", alias
        self.names = [f"{self.generation}-s{n}" for n in range(4)]
        self.mapping = {name: _stamped(stamped) for name in self.names}

    def put_index_template(self, **_) -> None:
        pass

    def create(self, **_) -> None:  # the purge notes' index
        pass

    def get_alias(self, name: str | None = None, index: str | None = None) -> dict:
        aliases = {self.alias: {}, self.generation: {}}
        return {n: {"aliases": {**aliases, f"{self.alias}-s{n[-1]}": {}}} for n in self.names}

    def get_mapping(self, index: str) -> ObjectApiResponse:
        assert index == self.generation  # the generation's alias: all four indices
        return ObjectApiResponse(body=self.mapping, meta=None)


def _client(alias: str, stamped: str | None) -> SimpleNamespace:
    es = SimpleNamespace(indices=_Indices(alias, stamped))
    es.options = lambda **_: es
    return es


@pytest.mark.parametrize(
    ("stamped", "outdated"),
    [(None, True), ("schema 0, analysis 0", True), (es_bodies.es_index_version(), False)],
)
def test_an_index_of_another_version_or_none_is_outdated(stamped, outdated):
    index = ElasticsearchIndex(_client("luutru-records", stamped), "luutru-records")
    assert index.outdated() is outdated
    assert index.generation == "luutru-records-0001"
