"""Elasticsearch request bodies as pure functions: template, layout, documents, bulk actions,
queries.

Kept apart from the client so every body is unit-tested without a server
(tests/unit/test_es_bodies.py). The analyser lives in deploy/elasticsearch/; Python still does
NFC and tone placement (ES has no NFC without the ICU plugin), so both sides see the same words.

Layout, for an alias `A` (default `luutru-records`): generation `A-0002` is four indices
`A-0002-s0` … `A-0002-s3`, one per secrecy level, each a single shard, so BM25's statistics
(document frequencies, document count, average length) are those of one level. Aliases: `A-sL`
names the current generation's index of level L, `A` all of them (counts, ids, verify), and
`A-0002` its own four (the name a rebuild is known by). A search names only the `A-sL` the
caller may see, so the order of its hits cannot depend on records it may not see. A generation
from before levels is one index `A-0001` holding every level; each `A-sL` names it until the
rebuild its version triggers, the clearance filter in every query hiding what it must.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any, NamedTuple

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
AS_TYPED_BOOST = 10_000.0  # far above a query's BM25 scores: a tier, not a nudge
# Bumped when the indices change shape without the documents changing: 2 = one per secrecy level.
LAYOUT_VERSION = 2


@cache
def index_template() -> dict[str, Any]:
    """The composable index template (settings with the Vietnamese analysers, mappings), its
    mappings' `_meta` stamping every index created from it with `es_index_version()`."""
    template = json.loads(TEMPLATE_PATH.read_text())
    template["template"]["mappings"]["_meta"] = {VERSION_KEY: es_index_version()}
    return template


@cache
def es_index_version() -> str:
    """`INDEX_VERSION`, the layout, and a digest of the template's settings and mappings: the
    analysers there tokenise and fold on the server's side, so changing them outdates an index
    too."""
    template = json.loads(TEMPLATE_PATH.read_text())["template"]
    canonical = json.dumps(template, sort_keys=True, ensure_ascii=False).encode()
    digest = hashlib.sha256(canonical).hexdigest()[:12]
    return f"{INDEX_VERSION}, layout {LAYOUT_VERSION}, template {digest}"


def version_of(mapping: Mapping[str, Any]) -> str | None:
    """The version a generation was created under, from `GET <generation>/_mapping` (one entry
    per index); None if unknown (from before versions) or if its indices disagree."""
    versions = {
        (info.get("mappings", {}).get("_meta") or {}).get(VERSION_KEY) for info in mapping.values()
    }
    return versions.pop() if len(versions) == 1 else None


# --- layout: a generation's indices and the aliases searches use ----------------------------


def level_alias(alias: str, level: int) -> str:
    return f"{alias}-s{level}"


def level_index(generation: str, level: int) -> str:
    return f"{generation}-s{level}"


def generation_name(alias: str, number: int) -> str:
    return f"{alias}-{number:04d}"


def next_generation(alias: str, current: str) -> str:
    return generation_name(alias, int(current.rsplit("-", 1)[1]) + 1)


def generation_of(alias: str, index: str) -> str | None:
    """`A-0002` for `A-0002-s1` (and for `A-0002`, an index from before levels); None for a
    name of another shape."""
    rest = index.removeprefix(f"{alias}-")
    number, _, level = rest.partition("-")
    if rest == index or not number.isdigit() or level not in ("", *(f"s{n}" for n in q.LEVELS)):
        return None
    return f"{alias}-{number}"


def generations(indices: Mapping[str, Any], alias: str) -> tuple[str | None, str | None]:
    """From `GET A-*/_alias`: the generation `A` names (None before the first), and the newest
    numbered after it — the one a rebuild fills until it takes the aliases (the old one is
    deleted then)."""
    holding = [name for name, info in indices.items() if alias in info.get("aliases", {})]
    current = generation_of(alias, holding[0]) if holding else None
    numbered = {generation_of(alias, name) for name in indices} - {None, current}
    newer = sorted(g for g in numbered if g is not None and (current is None or g > current))
    return current, (newer[-1] if newer else None)


def indices_of(indices: Mapping[str, Any], alias: str, generation: str) -> list[str]:
    """The concrete indices of `generation` in a `GET A-*/_alias` answer."""
    return sorted(n for n in indices if generation_of(alias, n) == generation)


def unused_indices(indices: Mapping[str, Any], alias: str) -> list[str]:
    """The indices of `GET A-*/_alias` to delete: this deployment's generations (names of
    `generation_of`'s shape only: the pattern also matches another alias's `A-x-…`) that are
    neither served (by `A` or an `A-sL`: the current one) nor the rebuild under way, and that
    no alias but their generation's own names (an operator's alias keeps an index). What a
    swap cut before its delete leaves, and rebuilds passed over. None while nothing is served:
    which generation is meant is then unknown."""
    current, rebuilding = generations(indices, alias)
    if current is None:
        return []
    unused = []
    for name, info in indices.items():
        generation = generation_of(alias, name)
        if generation is None or generation in (current, rebuilding):
            continue
        if set(info.get("aliases", {})) <= {generation}:
            unused.append(name)
    return sorted(unused)


def layout(indices: Mapping[str, Any], generation: str) -> dict[int, str]:
    """Level → the index holding it: one index per level, or for every level the one index of
    a generation from before levels."""
    if generation in indices:
        return dict.fromkeys(q.LEVELS, generation)
    return {level: level_index(generation, level) for level in q.LEVELS}


def serving_actions(
    indices: Mapping[str, Any], alias: str, generation: str
) -> list[dict[str, Any]]:
    """The `_aliases` actions (one atomic call) that make `generation` the one searched: `A`
    and each `A-sL` taken from whatever index holds them and put on its indices. Empty when
    they are in place already."""
    names = {alias, *(level_alias(alias, level) for level in q.LEVELS)}
    held = {(n, a) for n, info in indices.items() for a in info.get("aliases", {}) if a in names}
    levels = layout(indices, generation)
    wanted = {(index, alias) for index in levels.values()}
    wanted |= {(index, level_alias(alias, level)) for level, index in levels.items()}
    return [
        *({"remove": {"index": n, "alias": a}} for n, a in sorted(held - wanted)),
        *({"add": {"index": n, "alias": a}} for n, a in sorted(wanted - held)),
    ]


def search_targets(alias: str, plan: q.Plan) -> list[str]:
    """The aliases one search names: its visible levels' only (empty: nothing to search)."""
    return [level_alias(alias, level) for level in sorted(q.visible_levels(plan.clearance))]


def document(doc: IndexDocument) -> dict[str, Any]:
    """The `_source` of one record; `_id` is the record id."""
    analysed = analyse(doc)
    out: dict[str, Any] = dict(analysed.keywords)
    out.update(
        secrecy=q.stored_level(doc.secrecy),  # the level of the index it goes to
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


def bulk_actions(
    levels: Mapping[int, str], docs: Iterable[IndexDocument], fill: bool = False
) -> Iterator[dict[str, Any]]:
    """Actions for `elasticsearch.helpers.bulk` into a generation of `layout` `levels`: an
    `index` op in the index of the document's level replaces any older version there, and a
    `delete` from every other index removes the copy a secrecy correction leaves behind (a
    missing one answers 404, which is no error). A rebuild's `fill` creates instead (409 if
    there, no error): a live write that reached the new generation after the batch was read
    from the catalog (a correction) is newer than the batch's version."""
    op = "create" if fill else "index"
    for doc in docs:
        home = levels[q.stored_level(doc.secrecy)]
        for other in sorted(set(levels.values()) - {home}):
            yield {"_op_type": "delete", "_index": other, "_id": doc.id}
        yield {"_op_type": op, "_index": home, "_id": doc.id, "_source": document(doc)}


def delete_actions(levels: Mapping[int, str], record_id: str) -> list[dict[str, Any]]:
    return [
        {"_op_type": "delete", "_index": index, "_id": record_id}
        for index in sorted(set(levels.values()))
    ]


def refused(errors: list[dict[str, Any]], outdated: bool = False) -> list[dict[str, Any]]:
    """The failed items of a bulk answer that fail the write: not a delete of a missing
    document, nor a rebuild's create of one a live write put there first (`bulk_actions`),
    nor in an `outdated` generation (being replaced) a document its older mapping refuses;
    a failed delete always does (it may leave a record below its level)."""
    return [
        e for e in errors
        if not ("delete" in e and e["delete"].get("status") == 404)
        and not ("create" in e and e["create"].get("status") == 409)
        and not ("index" in e and outdated)
    ]  # fmt: skip


def levels(hits: Iterable[Mapping[str, Any]]) -> dict[str, set[int]]:
    """Each id's levels from a scan of `A` (every index of the current generation) asking for
    `secrecy`, which `document` stores as the level of the index it goes to."""
    placed: dict[str, set[int]] = {}
    for hit in hits:
        placed.setdefault(hit["_id"], set()).add(int(hit["_source"]["secrecy"]))
    return placed


def text_parts(source: Mapping[str, Any]) -> list[str]:
    """A stored document's searchable text, rebuilt from `_source` (which leaves out `text`
    itself to save space), in `analysis.analyse`'s order: the same folded words."""
    names = ("title", "number_symbol", "subject", "organ", "body")
    return [source[name] for name in names if source.get(name)]


# --- purge notes: replaced documents whose content is still in a level's segments --------------
#
# An index op replacing a document, and a delete, only mark the old one deleted: its `_source`
# and words stay in its Lucene segment until a merge. Each such write of other content (a
# deletion, a move to another level, a correction) is noted in the notes index `A.purge`, one
# document per record and level it left content in, so every indexing process sees it (and a
# restart keeps it) until the force merge of that level has run. Outside the `A-*` pattern: the
# generations' template (strict mapping, analysers) is not for it, nor are their sweeps.


class PurgeNote(NamedTuple):
    record: str
    level: int  # the level whose serving index holds the record's earlier content
    noted_at: float  # seconds since the epoch; the first write counts
    # As read (`seq_no_primary_term`): a note is deleted only if nobody noted again since.
    seq_no: int | None = None
    primary_term: int | None = None

    @property
    def key(self) -> str:
        return f"{self.level}:{self.record}"

    @property
    def source(self) -> dict[str, Any]:
        return {"record": self.record, "level": self.level, "noted_at": self.noted_at}


def note_of(hit: Mapping[str, Any]) -> PurgeNote:
    """A note from a hit of `notes_body`."""
    source = hit["_source"]
    return PurgeNote(
        source["record"], int(source["level"]), float(source["noted_at"]),
        hit.get("_seq_no"), hit.get("_primary_term"),
    )  # fmt: skip


NOTES_PAGE = 1000  # notes read per request (search_after)
NOTES_SETTINGS = {"number_of_shards": 1}
NOTES_MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "record": {"type": "keyword"},
        "level": {"type": "integer"},
        "noted_at": {"type": "double"},
    },
}


def notes_index(alias: str) -> str:
    return f"{alias}.purge"


def stored_source(doc: IndexDocument) -> dict[str, Any]:
    """`document(doc)` as `_source` keeps it: without the fields the template leaves out."""
    excluded = index_template()["template"]["mappings"]["_source"]["excludes"]
    kept = {name: value for name, value in document(doc).items() if name not in excluded}
    return json.loads(json.dumps(kept))  # as it comes back: tuples are lists


def copies_request(levels: Mapping[int, str], ids: Iterable[str]) -> list[dict[str, str]]:
    """`_mget` docs: each id in every index of a generation (realtime: the latest write)."""
    return [
        {"_index": index, "_id": record_id}
        for record_id in ids
        for index in sorted(set(levels.values()))
    ]


def copies(answer: Mapping[str, Any]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """From an `_mget` answer: each id found → its (level, `_source`) copies; the level is the
    `secrecy` `document` stores (one index per level, or one index from before levels)."""
    found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for hit in answer["docs"]:
        if hit.get("found"):
            source = hit["_source"]
            found.setdefault(hit["_id"], []).append((int(source["secrecy"]), source))
    return found


def replaced(
    earlier: Mapping[str, list[tuple[int, dict[str, Any]]]], docs: Iterable[IndexDocument]
) -> list[tuple[str, int]]:
    """(record, level) of every earlier copy `docs` replace with something else: at another
    level (a move), or of other content (a correction). The same content indexed again (a
    redelivery, a recovery) leaves nothing new on disk: not noted."""
    out: list[tuple[str, int]] = []
    for doc in docs:
        if found := earlier.get(doc.id):
            home, new = q.stored_level(doc.secrecy), stored_source(doc)
            out += [(doc.id, level) for level, old in found if level != home or old != new]
    return out


def note_operations(
    index: str, left: Iterable[tuple[str, int]], now: float
) -> list[dict[str, Any]]:
    """`_bulk` operations noting each (record, level): an upsert, so a note already there keeps
    its earlier time; written even then (`detect_noop` off), so its sequence number moves and
    a purge that read it before (its merge may have missed this change) leaves it in place."""
    operations: list[dict[str, Any]] = []
    for record, level in sorted(set(left)):
        note = PurgeNote(record, level, now)
        operations += [
            {"update": {"_index": index, "_id": note.key}},
            {"doc": {"record": record}, "upsert": note.source, "detect_noop": False},
        ]
    return operations


def forget_operations(index: str, notes: Iterable[PurgeNote]) -> list[dict[str, Any]]:
    """Deletes of `notes` as they were read: one noted again since answers 409 and stays."""
    operations = []
    for note in notes:
        delete = {"_index": index, "_id": note.key}
        if note.seq_no is not None and note.primary_term is not None:
            delete |= {"if_seq_no": note.seq_no, "if_primary_term": note.primary_term}
        operations.append({"delete": delete})
    return operations


def notes_body(after: list[Any] | None = None) -> dict[str, Any]:
    """One page of the notes, oldest first, in an order `search_after` can resume."""
    body: dict[str, Any] = {
        "query": {"match_all": {}},
        "size": NOTES_PAGE,
        "sort": [{"noted_at": "asc"}, {"record": "asc"}, {"level": "asc"}],
        "seq_no_primary_term": True,
    }
    if after is not None:
        body["search_after"] = after
    return body


def bulk_failures(answer: Mapping[str, Any], ignored: Iterable[int] = ()) -> list[dict[str, Any]]:
    """The items of a raw `_bulk` answer that failed, but for the statuses `ignored`."""
    items = [next(iter(item.values())) for item in answer.get("items", [])]
    skipped = set(ignored)
    return [i for i in items if i.get("status", 500) >= 300 and i.get("status") not in skipped]


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
    should: list[dict[str, Any]] = []
    words = [g.atoms[0].text for g in plan.must if len(g.atoms) == 1 and _plain(g.atoms[0])]
    if len(words) > 1:  # adjacent query words outrank the same words apart
        should.append({"bool": {"should": [phrase(words)], "boost": PHRASE_BOOST}})
    if plan.marked_words and not fuzzy:
        should.append(as_typed(plan.marked_words))
    if should:
        bool_query["should"] = should
    if plan.must_not:
        bool_query["must_not"] = [atom(a) for a in plan.must_not]
    return {"bool": bool_query}


def as_typed(words: tuple[str, ...]) -> dict[str, Any]:
    """The records holding every marked word as typed rank first (`Plan.marked_words`): a
    constant above any BM25 sum of a query's clauses makes them a tier, each in score order,
    as Tantivy's adapter reads them tier by tier."""
    exact = [{"match": {EXACT: {"query": vntext.normalize_tones(w)}}} for w in words]
    return {"constant_score": {"filter": {"bool": {"must": exact}}, "boost": AS_TYPED_BOOST}}


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
    """Exact counts across the levels searched: each shard (one per level) returns all of its
    buckets up to FACET_SIZE, not just its own top 50 organs."""
    return {
        name: {
            "terms": {
                "field": field,
                "size": ORGAN_FACET_SIZE if name == "organ" else FACET_SIZE,
                "shard_size": FACET_SIZE,
            }
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


def record_body(record_id: str, clearance: int) -> dict[str, Any]:
    """One record, if within `clearance` (a GET cannot go through an alias of several
    indices)."""
    only = [{"ids": {"values": [record_id]}}, filter_clause(q.Secrecy(clearance))]
    return {"query": {"bool": {"filter": only}}, "size": 1}


def term_counts_body(terms: list[str], clearance: int) -> dict[str, Any]:
    """How many records within `clearance` hold each folded word, and how many there are: the
    statistics "more like this" weighs words by, blind to records the caller may not see
    (ES's own `more_like_this` picks words per shard, by statistics of its own)."""
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
