"""Tantivy schema, documents and the translation of a query `Plan` into a Tantivy query.

Vietnamese analysis (NFC, tone placement, folding, lowercasing) happens in Python (`vntext`,
`analysis`), so the Elasticsearch adapter can match the same words; Tantivy only splits the
text. Its analyser for that (`WORDS`) is not persisted by Tantivy: `register_analysers` adds it
to every index opened.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any, NamedTuple

import tantivy

from services.common import vntext
from services.common.ports import IndexDocument
from services.common.secrecy import HIGHEST
from services.indexing import query as q
from services.indexing.analysis import analyse

EXACT_BOOST = 3.0  # a word as typed, diacritics included, outranks its folded look-alikes
PHRASE_BOOST = 2.0  # query words adjacent in the document outrank the same words apart
FUZZY_MIN_CHARS = 3  # one edit on a shorter word matches half the dictionary
FACET_SIZE = 10_000  # far above the number of kinds/registers/years: counts stay exact
ORGAN_FACET_SIZE = 50  # the organs with most records; counts of those stay exact

# The index's version: the schema below and the document analysis (`analysis.py`), and the
# Vietnamese analysis (`vntext`). Each generation is stamped with it; one written under
# another version is rebuilt from the catalog when the indexing service starts. Bump
# SCHEMA_VERSION with any change to build_schema, to_document or analysis.py.
# 4: rebuilt once, so the organs read from letters before are dropped; 5: one index per level.
SCHEMA_VERSION = 5
# Splits at non-alphanumerics, drops words over 40 bytes, like the "default" analyser, but
# lowercases nothing: the text comes lowercased from Python. Tantivy's lowercasing of
# Vietnamese (every word is non-ASCII) was a quarter of its indexing time.
WORDS = "words"
INDEX_VERSION = f"schema {SCHEMA_VERSION}, analysis {vntext.ANALYSIS_VERSION}"

# Facet name in SearchResult -> fast field holding it.
FACET_FIELDS = {"type": "kind", "register": "register", "year": "year", "organ": "organ_key"}
KEYWORD_FIELDS = ("register", "kind", "status", "year", "organ_key", "organ_fold")
STORED_TEXT = ("title", "number", "number_symbol", "organ", "subject")
# Every stored field: what a document indexes is derived from these (a corrected record's
# earlier version differs from the new one in some of them: `content_changed`).
STORED_FIELDS = ("id", *KEYWORD_FIELDS, "secrecy", "issued_date", *STORED_TEXT, "body")
# Plan field names -> Tantivy fields.
_KEYWORD_FIELD = {"organ_key": "organ_fold"}
_TOKENS_FIELD = {"number": "number_tokens", "organ": "organ_tokens"}


def build_schema() -> tantivy.Schema:
    """Filters/facets on raw fast fields; searchable text in an exact and a folded field."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    for name in KEYWORD_FIELDS:
        sb.add_text_field(name, stored=True, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("secrecy", stored=True, indexed=True, fast=True)
    sb.add_date_field("issued_date", stored=True, indexed=True, fast=True)
    for name in STORED_TEXT:
        sb.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    # Stored only: the text (squashed: NFC, single spaces), then its folded copy, where a
    # snippet finds the query's words one character for one (folding per hit was half a
    # snippet's time). One field for both: a generation written before the copy opens with
    # this schema, so searches go on from it while the version change rebuilds the index.
    sb.add_bytes_field("body", stored=True)
    # The words as written, lowercased, split in Rust (bulk indexing speed). Frequencies only:
    # no query reads their positions (phrases are matched folded).
    sb.add_text_field("exact", tokenizer_name=WORDS, index_option="freq")
    # Already folded tokens, one space apart (the folded words are split in Python anyway,
    # for the syllable pairs).
    for name in ("folded", "number_tokens", "organ_tokens"):
        sb.add_text_field(name, tokenizer_name="whitespace")
    # Folded syllable pairs ("van_phong"): a two-syllable phrase becomes one term lookup
    # instead of intersecting two long position lists (Vietnamese words are syllable pairs).
    sb.add_text_field("bigrams", tokenizer_name="whitespace", index_option="freq")
    return sb.build()


# A value of each field's type, for every field documents and queries name.
_SEARCHED_TEXT = ("exact", "folded", "bigrams", "number_tokens", "organ_tokens")
_FIELD_PROBES: dict[str, Any] = dict.fromkeys(
    ("id", *KEYWORD_FIELDS, *STORED_TEXT, *_SEARCHED_TEXT), ""
) | {"secrecy": 0, "issued_date": datetime(2000, 1, 1), "body": b""}


def fits(schema: tantivy.Schema) -> bool:
    """Whether `schema` (an older generation's) has every field of this one, each of the same
    type: then that generation can be searched, and written, as it is until its rebuild."""
    try:
        for name, value in _FIELD_PROBES.items():
            tantivy.Query.term_query(schema, name, value)  # checks the name and the type
    except ValueError:
        return False
    return True


def to_document(doc: IndexDocument) -> tantivy.Document:
    analysed = analyse(doc)
    out = tantivy.Document()
    for name, value in analysed.keywords.items():
        out.add_text(name, value)
    out.add_integer("secrecy", q.stored_level(doc.secrecy))
    for name in STORED_TEXT:
        value = doc.title if name == "title" else getattr(doc, name)
        if value:
            out.add_text(name, vntext.nfc(value))
    if doc.issued_date is not None:
        out.add_date("issued_date", as_datetime(doc.issued_date))
    folded = ""
    # Separate values, so a phrase cannot match across the end of one field and the next.
    for part in analysed.text_parts:
        folded = vntext.fold(part)
        words = vntext.tokenize(folded)
        out.add_text("exact", part.lower())
        out.add_text("folded", " ".join(words))
        out.add_text("bigrams", " ".join(bigrams(words)))
    if analysed.body:  # the last part: folding ignores where a tone mark sits
        out.add_bytes("body", analysed.body.encode())
        out.add_bytes("body", folded.encode())
    out.add_text("number_tokens", analysed.number_tokens)
    out.add_text("organ_tokens", analysed.organ_tokens)
    return out


def register_analysers(index: tantivy.Index) -> None:
    analyser = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    index.register_tokenizer(WORDS, analyser.filter(tantivy.Filter.remove_long(40)).build())


def bigrams(words: list[str]) -> list[str]:
    return list(map("_".join, itertools.pairwise(words)))  # faster than a loop of "+"


def as_datetime(day: date | None) -> datetime | None:
    # Naive midnight is read as UTC by Tantivy, on both the indexing and the query side.
    return None if day is None else datetime(day.year, day.month, day.day)


class Tiers(NamedTuple):
    whole: tantivy.Query  # every match: the total and the facets
    ordered: list[tantivy.Query]  # the same matches in groups, the page read group by group


class Translator:
    """Plan -> tantivy.Query for one schema; `fuzzy` allows one edit per plain word."""

    def __init__(self, schema: tantivy.Schema, fuzzy: bool = False) -> None:
        self.schema = schema
        self.fuzzy = fuzzy

    def query(self, plan: q.Plan) -> tantivy.Query:
        return tantivy.Query.boolean_query(self._clauses(plan))

    def tiers(self, plan: q.Plan) -> Tiers:
        """`plan` as a whole, and as the queries whose hits come one after the other in its
        order (`Plan.marked_words`): the records holding every marked word as typed, then the
        rest. Each tier scores as the whole does; the first is the fast one (an exact word's
        postings are a fraction of its folded twins'), and most pages come from it alone."""
        clauses = self._clauses(plan)
        whole = tantivy.Query.boolean_query(clauses)
        marked = plan.marked_words
        if not marked:
            return Tiers(whole, [whole])
        as_typed = _all([self._term("exact", vntext.exact_form(w)) for w in marked])
        first = self._clauses(plan, as_typed=frozenset(marked))
        rest = [*clauses, (tantivy.Occur.MustNot, as_typed)]
        return Tiers(whole, [tantivy.Query.boolean_query(c) for c in (first, rest)])

    def _clauses(
        self, plan: q.Plan, as_typed: frozenset[str] = frozenset()
    ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """The top-level clauses of `plan`; the words of `as_typed` must match as typed."""
        occur = tantivy.Occur
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        words: list[str] = []
        for group in plan.must:
            if _plain_word(group):  # its clauses inline: one level less for every match
                word = group.atoms[0]
                words.append(word.text)
                clauses += self._word_clauses(word, word.text in as_typed)
            else:
                clauses.append((occur.Must, self.any_of(group)))
        if not plan.must:
            clauses.append((occur.Must, tantivy.Query.all_query()))
        if len(words) > 1:
            clauses.append((occur.Should, self.adjacency(words)))
        clauses += [(occur.MustNot, self.atom(atom)) for atom in plan.must_not]
        clauses += [clause for f in plan.filters for clause in self._filter_clauses(f)]
        return clauses

    def _filter_clauses(self, f: q.Filter) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        if isinstance(f, q.Secrecy) and f.exactly is None:
            # Clearance as the records to leave out: their postings are a few per cent of the
            # visible records' (same match set, a shorter list to skip through). Each level
            # above by its term: a range reads the secrecy column through every match (~0.2 ms
            # of a two-word query's p95 at 100k). `to_document` stores no other level.
            above = [self._term("secrecy", level) for level in range(f.at_most + 1, HIGHEST + 1)]
            return [(tantivy.Occur.MustNot, _should(above))] if above else []
        # Filters score 0 so they never change the ranking, only the match set.
        return [(tantivy.Occur.Must, _no_score(self.filter(f)))]

    def any_of(self, group: q.AnyOf) -> tantivy.Query:
        if len(group.atoms) == 1:
            return self.atom(group.atoms[0])
        return _should([self.atom(a) for a in group.atoms])

    def atom(self, atom: q.Atom) -> tantivy.Query:
        if isinstance(atom, q.Phrase):
            return self.phrase(list(atom.words))
        if atom.prefix:
            return tantivy.Query.boolean_query(
                _either(
                    self._regex("exact", vntext.exact_form(atom.text)),
                    self._regex("folded", vntext.fold(atom.text)),
                )
            )
        return tantivy.Query.boolean_query(self._word_clauses(atom))

    def _word_clauses(
        self, word: q.Word, as_typed: bool = False
    ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        exact = self._term("exact", vntext.exact_form(word.text))
        folded_word = vntext.fold(word.text)
        if self.fuzzy and len(folded_word) >= FUZZY_MIN_CHARS:
            folded = tantivy.Query.fuzzy_term_query(self.schema, "folded", folded_word, 1, True)
        else:
            folded = self._term("folded", folded_word)
        if as_typed:  # the same score; the exact postings decide the match set
            boosted = tantivy.Query.boost_query(exact, EXACT_BOOST)
            return [(tantivy.Occur.Must, boosted), (tantivy.Occur.Should, folded)]
        return _either(exact, folded)

    def phrase(self, words: list[str]) -> tantivy.Query:
        # The folded match already proves the words adjacent; the exact bonus needs only the
        # words as typed in the record. An exact phrase here read the positions of two
        # frequent words in every matching record (phrase p95 53.7 ms at 100k documents,
        # docs/search.md "Benchmark"); this conjunction skips through doc ids.
        exact = _all([self._term("exact", vntext.exact_form(w)) for w in dict.fromkeys(words)])
        return tantivy.Query.boolean_query(_either(exact, self._adjacent(words)))

    def _adjacent(self, words: list[str]) -> tantivy.Query:
        """The words adjacent and in order, folded: the syllable pairs' terms, and for three
        words or more the positions too."""
        folded = [vntext.fold(w) for w in words]
        pairs = [self._term("bigrams", pair) for pair in bigrams(folded)]
        if len(folded) > 2:  # the rare pairs narrow the candidates; positions decide
            pairs.append(self._phrase("folded", folded))
        return pairs[0] if len(pairs) == 1 else _all(pairs)

    def adjacency(self, words: list[str]) -> tantivy.Query:
        # Folded adjacency only: each word's own clause already scores its exact form, so an
        # exact part here would look the same terms up a second time.
        return tantivy.Query.boost_query(self._adjacent(words), PHRASE_BOOST)

    def filter(self, f: q.Filter) -> tantivy.Query:
        if isinstance(f, q.Keyword):
            name = _KEYWORD_FIELD.get(f.field, f.field)
            return _should([self._term(name, v) for v in f.values])
        if isinstance(f, q.Tokens):
            name = _TOKENS_FIELD[f.field]
            return _should([self._phrase(name, list(p)) for p in f.phrases])
        if isinstance(f, q.DateRange):
            return tantivy.Query.range_query(
                self.schema,
                "issued_date",
                tantivy.FieldType.Date,
                as_datetime(f.start),
                as_datetime(f.end),
            )
        # Clearance caps everything; an asked-for level above it matches nothing.
        high = f.at_most if f.exactly is None else min(f.at_most, f.exactly)
        return tantivy.Query.range_query(
            self.schema, "secrecy", tantivy.FieldType.Integer, f.exactly, high
        )

    def _term(self, name: str, value: str) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, name, value)

    def _phrase(self, name: str, words: list[str]) -> tantivy.Query:
        if len(words) == 1:  # Tantivy refuses a one-word phrase
            return self._term(name, words[0])
        return tantivy.Query.phrase_query(self.schema, name, words)

    def _regex(self, name: str, stem: str) -> tantivy.Query:
        # Tokens hold only letters, digits and marks: nothing to escape.
        return tantivy.Query.regex_query(self.schema, name, stem + ".*")


def _either(
    exact: tantivy.Query, folded: tantivy.Query
) -> list[tuple[tantivy.Occur, tantivy.Query]]:
    """An exact match always matches folded too: the folded query decides the match set and
    the exact one only adds score, checked just on the documents already matched."""
    boosted = tantivy.Query.boost_query(exact, EXACT_BOOST)
    return [(tantivy.Occur.Must, folded), (tantivy.Occur.Should, boosted)]


def _plain_word(group: q.AnyOf) -> bool:
    atom = group.atoms[0]
    return len(group.atoms) == 1 and isinstance(atom, q.Word) and not atom.prefix


def has_fuzzy_words(plan: q.Plan) -> bool:
    return any(
        isinstance(a, q.Word) and not a.prefix and len(vntext.fold(a.text)) >= FUZZY_MIN_CHARS
        for g in plan.must
        for a in g.atoms
    )


def _should(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, x) for x in queries])


def _all(queries: list[tantivy.Query]) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, x) for x in queries])


def _no_score(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)


TOTAL = "total"  # the aggregation counting the matches: every document has one secrecy value


def facet_request(every_organ: bool = False) -> dict[str, Any]:
    """The four facets and the number of matches, in one pass over the matches (a count beside
    the top hits would keep Tantivy from skipping the documents that cannot reach them).
    `every_organ`: up to FACET_SIZE organs, for `merged_facets` to pick the top of the sums."""
    organs = FACET_SIZE if every_organ else ORGAN_FACET_SIZE
    return {TOTAL: {"value_count": {"field": "secrecy"}}} | {
        name: {
            "terms": {
                "field": field,
                "size": organs if name == "organ" else FACET_SIZE,
                "segment_size": FACET_SIZE,
            }
        }
        for name, field in FACET_FIELDS.items()
    }


def total(aggregations: dict[str, Any]) -> int:
    return int(aggregations[TOTAL]["value"])


def facets(aggregations: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        name: {
            str(bucket["key"]): int(bucket["doc_count"])
            for bucket in aggregations.get(name, {}).get("buckets", [])
        }
        for name in FACET_FIELDS
    }


def merged_facets(aggregations: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """The facets of several indices' matches (each asked with `every_organ`): the counts
    summed, most first; the ORGAN_FACET_SIZE organs with most records, exact as in one index."""
    summed: dict[str, dict[str, int]] = {name: {} for name in FACET_FIELDS}
    for each in aggregations:
        for name, buckets in facets(each).items():
            for key, count in buckets.items():
                summed[name][key] = summed[name].get(key, 0) + count
    return {
        name: dict(
            sorted(buckets.items(), key=lambda bucket: (-bucket[1], bucket[0]))[
                : ORGAN_FACET_SIZE if name == "organ" else None
            ]
        )
        for name, buckets in summed.items()
    }
