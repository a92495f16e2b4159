"""Elasticsearch request bodies as pure functions: template, documents, bulk actions, queries.

Kept apart from the client so every body is unit-tested without a server
(tests/unit/test_es_bodies.py). The analyser lives in deploy/elasticsearch/; Python still does
NFC and tone placement (ES has no NFC without the ICU plugin), so both sides see the same words.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from services.common import vntext
from services.common.config import REPO_ROOT
from services.common.ports import IndexDocument
from services.indexing import query as q
from services.indexing.analysis import analyse
from services.indexing.tantivy_query import (
    EXACT_BOOST,
    FACET_FIELDS,
    FACET_SIZE,
    FUZZY_MIN_CHARS,
    INDEX_VERSION,
    ORGAN_FACET_SIZE,
    PHRASE_BOOST,
)

TEMPLATE_PATH = REPO_ROOT / "deploy" / "elasticsearch" / "luutru-records.template.json"
TEXT, EXACT = "text", "text.exact"
_TOKENS_FIELD = {"number": "number_tokens", "organ": "organ_tokens"}
_KEYWORD_FIELD = {"organ_key": "organ_fold"}
_SORTS = {"date_desc": "desc", "date_asc": "asc"}
VERSION_KEY = "luutru_index_version"  # in each index's mapping `_meta`


@cache
def index_template() -> dict[str, Any]:
    """The composable index template (settings with the Vietnamese analysers, mappings), its
    mappings' `_meta` stamping every index created from it with `es_index_version()`."""
    template = json.loads(TEMPLATE_PATH.read_text())
    template["template"]["mappings"]["_meta"] = {VERSION_KEY: es_index_version()}
    return template


@cache
def es_index_version() -> str:
    """`INDEX_VERSION` and a digest of the template's settings and mappings: the analysers
    there tokenise and fold on the server's side, so changing them outdates an index too."""
    template = json.loads(TEMPLATE_PATH.read_text())["template"]
    canonical = json.dumps(template, sort_keys=True, ensure_ascii=False).encode()
    return f"{INDEX_VERSION}, template {hashlib.sha256(canonical).hexdigest()[:12]}"


def version_of(mapping: dict[str, Any], index: str) -> str | None:
    """The version an index was created under, from `GET <index>/_mapping`; None if unknown
    (an index from before versions)."""
    meta = mapping.get(index, {}).get("mappings", {}).get("_meta") or {}
    return meta.get(VERSION_KEY)


def document(doc: IndexDocument) -> dict[str, Any]:
    """The `_source` of one record; `_id` is the record id."""
    analysed = analyse(doc)
    out: dict[str, Any] = dict(analysed.keywords)
    out.update(
        secrecy=doc.secrecy,
        title=vntext.nfc(doc.title),
        body=analysed.body,
        text=analysed.text_parts,  # an array: phrases never span two fields
        number_tokens=analysed.number_tokens,
        organ_tokens=analysed.organ_tokens,
    )
    for name in ("number", "number_symbol", "organ", "subject"):
        if getattr(doc, name):
            out[name] = vntext.nfc(getattr(doc, name))
    if doc.issued_date:
        out["issued_date"] = doc.issued_date.isoformat()
    return out


def bulk_actions(index: str, docs: Iterable[IndexDocument]) -> Iterator[dict[str, Any]]:
    """Actions for `elasticsearch.helpers.bulk`: an `index` op replaces any older version."""
    for doc in docs:
        yield {"_op_type": "index", "_index": index, "_id": doc.id, "_source": document(doc)}


# --- queries -------------------------------------------------------------------------------


def search_body(plan: q.Plan, fuzzy: bool = False) -> dict[str, Any]:
    """The whole `_search` body: query, page, exact total, facets, sort."""
    body: dict[str, Any] = {
        "query": query(plan, fuzzy),
        "from": plan.offset,
        "size": plan.limit,
        "track_total_hits": True,  # pagination needs the exact total, not "10,000+"
        "aggs": facet_aggs(),
        "_source": {"excludes": ["text"]},
    }
    if plan.sort in _SORTS:
        body["sort"] = [
            {"issued_date": {"order": _SORTS[plan.sort], "missing": "_last"}},
            "_score",
        ]
    return body


def texts_body(plan: q.Plan, size: int) -> dict[str, Any]:
    """The texts of the best `size` fuzzy hits (the caller's clearance applies): the source of
    a "did you mean" suggestion (suggest.py)."""
    return {
        "query": query(plan, fuzzy=True),
        "size": size,
        "_source": ["body", "subject", "title"],
    }


def exists_body(plan: q.Plan) -> dict[str, Any]:
    """Whether `plan` finds anything exactly (within the caller's clearance): one hit counted."""
    return {"query": query(plan), "size": 0, "track_total_hits": 1}


def query(plan: q.Plan, fuzzy: bool = False) -> dict[str, Any]:
    must = [any_of(group, fuzzy) for group in plan.must] or [{"match_all": {}}]
    bool_query: dict[str, Any] = {
        "must": must,
        "filter": [filter_clause(f) for f in plan.filters],
    }
    words = [g.atoms[0].text for g in plan.must if len(g.atoms) == 1 and _plain(g.atoms[0])]
    if len(words) > 1:  # adjacent query words outrank the same words apart
        bool_query["should"] = [{"bool": {"should": [phrase(words)], "boost": PHRASE_BOOST}}]
    if plan.must_not:
        bool_query["must_not"] = [atom(a) for a in plan.must_not]
    return {"bool": bool_query}


def any_of(group: q.AnyOf, fuzzy: bool = False) -> dict[str, Any]:
    if len(group.atoms) == 1:
        return atom(group.atoms[0], fuzzy)
    return {"bool": {"should": [atom(a, fuzzy) for a in group.atoms], "minimum_should_match": 1}}


def atom(a: q.Atom, fuzzy: bool = False) -> dict[str, Any]:
    if isinstance(a, q.Phrase):
        return phrase(list(a.words))
    if a.prefix:
        return _either(
            {"prefix": {EXACT: {"value": vntext.exact_form(a.text), "boost": EXACT_BOOST}}},
            {"prefix": {TEXT: {"value": vntext.fold(a.text)}}},
        )
    exact = {"match": {EXACT: {"query": vntext.normalize_tones(a.text), "boost": EXACT_BOOST}}}
    folded_word = vntext.fold(a.text)
    if fuzzy and len(folded_word) >= FUZZY_MIN_CHARS:
        folded = {"fuzzy": {TEXT: {"value": folded_word, "fuzziness": 1, "transpositions": True}}}
    else:
        folded = {"match": {TEXT: {"query": vntext.normalize_tones(a.text)}}}
    return _either(exact, folded)


def phrase(words: list[str]) -> dict[str, Any]:
    text = " ".join(vntext.normalize_tones(w) for w in words)
    return _either(
        {"match_phrase": {EXACT: {"query": text, "boost": EXACT_BOOST}}},
        {"match_phrase": {TEXT: {"query": text}}},
    )


def filter_clause(f: q.Filter) -> dict[str, Any]:
    if isinstance(f, q.Keyword):
        return {"terms": {_KEYWORD_FIELD.get(f.field, f.field): list(f.values)}}
    if isinstance(f, q.Tokens):
        name = _TOKENS_FIELD[f.field]
        return {
            "bool": {
                "should": [{"match_phrase": {name: " ".join(p)}} for p in f.phrases],
                "minimum_should_match": 1,
            }
        }
    if isinstance(f, q.DateRange):
        bounds = {"format": "yyyy-MM-dd"}
        if f.start:
            bounds["gte"] = f.start.isoformat()
        if f.end:
            bounds["lte"] = f.end.isoformat()
        return {"range": {"issued_date": bounds}}
    high = f.at_most if f.exactly is None else min(f.at_most, f.exactly)
    secrecy: dict[str, int] = {"lte": high}
    if f.exactly is not None:
        secrecy["gte"] = f.exactly
    return {"range": {"secrecy": secrecy}}


def facet_aggs() -> dict[str, Any]:
    return {
        name: {
            "terms": {"field": field, "size": ORGAN_FACET_SIZE if name == "organ" else FACET_SIZE}
        }
        for name, field in FACET_FIELDS.items()
    }


def facets(aggregations: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        name: {
            str(b["key"]): int(b["doc_count"])
            for b in aggregations.get(name, {}).get("buckets", [])
        }
        for name in FACET_FIELDS
    }


def term_counts_body(terms: list[str], clearance: int) -> dict[str, Any]:
    """How many records within `clearance` hold each folded word, and how many there are: the
    statistics "more like this" weighs words by, blind to records the caller may not see
    (ES's own `more_like_this` reads index-wide statistics, hidden records included)."""
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": [filter_clause(q.Secrecy(clearance))]}},
        "aggs": {"df": {"filters": {"filters": {t: {"term": {TEXT: t}} for t in terms}}}},
    }


def term_counts(response: dict[str, Any]) -> tuple[dict[str, int], int]:
    """(records per word, records in all) from the answer to `term_counts_body`."""
    buckets = response.get("aggregations", {}).get("df", {}).get("buckets", {})
    df = {term: int(b["doc_count"]) for term, b in buckets.items()}
    return df, int(response["hits"]["total"]["value"])


def similar_body(record_id: str, terms: list[str], clearance: int, limit: int) -> dict[str, Any]:
    """More like this: records sharing any of `terms` (the record's distinctive folded words,
    chosen within the caller's clearance), the clearance kept, the record itself left out."""
    matches: dict[str, Any] = {
        "should": [{"term": {TEXT: t}} for t in terms],
        "minimum_should_match": 1,
    }
    return {
        "query": {
            "bool": {
                **(matches if terms else {"must": [{"match_none": {}}]}),
                "filter": [filter_clause(q.Secrecy(clearance))],
                "must_not": [{"ids": {"values": [record_id]}}],
            }
        },
        "size": limit,
        "track_total_hits": True,
        "_source": {"excludes": ["text"]},
    }


def _either(exact: dict[str, Any], folded: dict[str, Any]) -> dict[str, Any]:
    return {"bool": {"should": [exact, folded], "minimum_should_match": 1}}


def _plain(a: q.Atom) -> bool:
    return isinstance(a, q.Word) and not a.prefix
