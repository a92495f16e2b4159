"""The search query language, parsed into an engine-neutral plan (pure Python, no engine).

    văn phòng              both words (AND), with or without diacritics
    "văn phòng"            the words adjacent, in this order
    -nháp   NOT nháp       records without the word
    nghị OR quyết          either side (binds tighter than AND: `a OR b c` is `(a|b) c`)
    quyết*                 words starting with "quyết" (or "quyet")
    so:15-NQ/TU            số và ký hiệu (or register number)
    loai:nghi_quyet        kind; `loai:"nghị quyết"` gives the same slug
    coquan:"tỉnh ủy"       issuing organ contains these adjacent words
    ngay:2024-01-01..2024-03-31   date or range; also ngay:2024, ngay:2024-03, ngay:..2024-03-31

Repeating `loai:`, `so:` or `coquan:` means "any of them". Anything else is searched as words,
so punctuation and foreign syntax never fail; only what cannot be meant (an unclosed quote, a
dangling OR, a bad date) raises `BadQuery`, with a message safe to show.
Each adapter translates a `Plan` into its engine's query.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from services.common import vntext
from services.common.errors import BadQuery
from services.common.ports import SORTS, SearchQuery
from services.common.secrecy import HIGHEST

FIELDS = ("so", "loai", "coquan", "ngay")
_FIELD_RE = re.compile(r"(so|loai|coquan|ngay):", re.IGNORECASE)
_OPERATORS = {"OR", "AND", "NOT"}
_SLUG_RE = re.compile(r"[^a-z0-9]+")

# --- the plan (AST) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One token as typed (NFC, lowercase); `prefix` for `word*`."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Tokens that must be adjacent, in order."""

    words: tuple[str, ...]


Atom = Word | Phrase


@dataclass(frozen=True)
class AnyOf:
    """Alternatives joined by OR; a plain word is an AnyOf of one."""

    atoms: tuple[Atom, ...]


@dataclass(frozen=True)
class Keyword:
    """A keyword field (kind, register, status, organ_key) equal to one of `values`."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Tokens:
    """A short text field (organ, number) containing one of these folded token phrases."""

    field: str
    phrases: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class DateRange:
    """Issued date within [start, end], both inclusive; undated records never match."""

    start: date | None
    end: date | None


@dataclass(frozen=True)
class Secrecy:
    """Clearance: levels above `at_most` do not exist; `exactly` narrows to one level."""

    at_most: int
    exactly: int | None = None


Filter = Keyword | Tokens | DateRange | Secrecy
LEVELS = tuple(range(HIGHEST + 1))  # the secrecy scale: each engine keeps an index per level


def stored_level(secrecy: int) -> int:
    """The level a record is indexed at. Only the scale's levels: each has its own index, and
    clearance filters leave out each level above by its term. A level off the scale (none is
    made) would be hidden from everyone below the highest."""
    return secrecy if 0 <= secrecy <= HIGHEST else HIGHEST


def visible_levels(f: Secrecy) -> frozenset[int]:
    """The levels a clearance filter lets through (`exactly` narrows to one, still capped)."""
    levels = frozenset(n for n in LEVELS if n <= f.at_most)
    return levels if f.exactly is None else levels & {f.exactly}


@dataclass(frozen=True)
class Plan:
    must: tuple[AnyOf, ...] = ()
    must_not: tuple[Atom, ...] = ()
    filters: tuple[Filter, ...] = ()
    sort: str = "relevance"
    limit: int = 10
    offset: int = 0

    @property
    def clearance(self) -> Secrecy:
        """The caller's clearance filter (every plan of a search carries one)."""
        return next(f for f in self.filters if isinstance(f, Secrecy))

    @property
    def marked_words(self) -> tuple[str, ...]:
        """The plain words typed with a mark (a tone, a hat, đ), when the order is relevance:
        records holding all of them as typed come first, then the records that match only
        with the marks dropped, each group in score order. The reader who types `bàn` means
        "bàn"; a boost alone let a record full of "bán" outrank it. Empty: one group."""
        if self.sort != "relevance":
            return ()
        words = (g.atoms[0] for g in self.must if len(g.atoms) == 1)
        plain = [w.text for w in words if isinstance(w, Word) and not w.prefix]
        return tuple(dict.fromkeys(filter(vntext.has_diacritics, plain)))

    @property
    def highlight_words(self) -> list[str]:
        """Positive words to mark in snippets (prefix stems included)."""
        words: list[str] = []
        for group in self.must:
            for atom in group.atoms:
                words += [atom.text] if isinstance(atom, Word) else list(atom.words)
        return words


# --- lexing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    value: str
    negated: bool = False
    field: str | None = None
    quoted: bool = False


def _chunks(text: str) -> Iterator[_Chunk]:
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        i += negated
        name = None
        if m := _FIELD_RE.match(text, i):
            name, i = m.group(1).lower(), m.end()
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise BadQuery(
                    "Thiếu dấu ngoặc kép đóng cụm từ / Unbalanced quotes: close the phrase"
                )
            yield _Chunk(text[i + 1 : end], negated, name, quoted=True)
            i = end + 1
            continue
        end = i
        while end < n and not text[end].isspace() and text[end] != '"':
            end += 1
        yield _Chunk(text[i:end], negated, name)
        i = end


# --- parsing -------------------------------------------------------------------------------


@dataclass
class _State:
    groups: list[list[Atom]] = field(default_factory=list)
    must_not: list[Atom] = field(default_factory=list)
    fields: dict[str, list] = field(default_factory=dict)
    dates: list[DateRange] = field(default_factory=list)
    pending_or: bool = False
    pending_not: bool = False
    last: str | None = None  # "word", "not", "filter": what the previous chunk was


def parse(text: str) -> _State:
    """Lex and parse the user's text; raises `BadQuery` for what cannot be meant."""
    state = _State()
    for chunk in _chunks(vntext.nfc(text)):
        if chunk.value in _OPERATORS and not (chunk.quoted or chunk.negated or chunk.field):
            _operator(state, chunk.value)
        elif chunk.field:
            _field(state, chunk)
        else:
            _text(state, chunk)
    if state.pending_or:
        raise BadQuery("OR cần từ khóa ở cả hai bên / OR needs a word on both sides")
    if state.pending_not:
        raise BadQuery("NOT cần một từ khóa phía sau / NOT needs a word after it")
    return state


def _operator(state: _State, op: str) -> None:
    if state.pending_or or state.pending_not:
        raise BadQuery(f"{op} đặt sai chỗ / Misplaced {op}")
    if op == "OR":
        if state.last != "word":
            raise BadQuery("OR cần từ khóa ở cả hai bên / OR needs a word on both sides")
        state.pending_or = True
    elif op == "NOT":
        state.pending_not = True


def _text(state: _State, chunk: _Chunk) -> None:
    atom = to_atom(chunk.value, chunk.quoted)
    if atom is None:  # punctuation only: nothing to search
        return
    negated = chunk.negated or state.pending_not
    if negated and state.pending_or:
        raise BadQuery("Không thể dùng OR với từ loại trừ / OR cannot join an excluded word")
    if negated:
        state.must_not.append(atom)
        state.pending_not, state.last = False, "not"
    elif state.pending_or:
        state.groups[-1].append(atom)
        state.pending_or, state.last = False, "word"
    else:
        state.groups.append([atom])
        state.last = "word"


def to_atom(value: str, quoted: bool = False) -> Atom | None:
    """Words of one chunk: several tokens ("15-NQ/TU", a quoted phrase) must be adjacent."""
    tokens = tuple(t for t in vntext.tokenize(value) if vntext.fold(t))
    if not tokens:
        return None
    if len(tokens) > 1:
        return Phrase(tokens)
    return Word(tokens[0], prefix=not quoted and value.rstrip().endswith("*"))


def _field(state: _State, chunk: _Chunk) -> None:
    name = chunk.field or ""
    if chunk.negated or state.pending_not:
        raise BadQuery(f"Không thể loại trừ bộ lọc {name}: / A {name}: filter cannot be negated")
    if state.pending_or:
        raise BadQuery(f"OR không nối được bộ lọc {name}: / OR cannot join a {name}: filter")
    if not chunk.value.strip():
        raise BadQuery(f"Thiếu giá trị sau {name}: / Missing value after {name}:")
    if name == "ngay":
        state.dates.append(parse_date_range(chunk.value))
    elif name == "loai":
        state.fields.setdefault("kind", []).append(kind_slug(chunk.value))
    else:
        folded = tuple(vntext.tokenize(vntext.fold(chunk.value)))
        if not folded:
            raise BadQuery(f"Thiếu giá trị sau {name}: / Missing value after {name}:")
        state.fields.setdefault("number" if name == "so" else "organ", []).append(folded)
    state.last = "filter"


def kind_slug(value: str) -> str:
    """`nghị quyết`, `Nghi-Quyet`, `nghi_quyet` → `nghi_quyet` (the metadata slug)."""
    return _SLUG_RE.sub("_", vntext.fold(value)).strip("_")


def organ_key(organ: str) -> str:
    """An organ as facets show it: NFC, new tone placement, upper case, single spaces."""
    return " ".join(vntext.normalize_tones(organ).upper().split())


# --- dates ---------------------------------------------------------------------------------

_DATE_FORMS = (
    (re.compile(r"(\d{4})$"), ("y",)),
    (re.compile(r"(\d{4})-(\d{1,2})$"), ("y", "m")),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})$"), ("d", "m", "y")),
)


def parse_date_range(value: str) -> DateRange:
    """`2024`, `2024-03`, `2024-03-08`, `8/3/2024`, or `A..B` with either side open."""
    start_text, sep, end_text = value.strip().partition("..")
    if not sep:
        return DateRange(_day(start_text, last=False), _day(start_text, last=True))
    if not start_text and not end_text:
        raise _bad_date()
    start = _day(start_text, last=False) if start_text else None
    end = _day(end_text, last=True) if end_text else None
    if start and end and start > end:
        raise BadQuery(
            "Ngày bắt đầu phải trước ngày kết thúc / The start date must precede the end date"
        )
    return DateRange(start, end)


def _day(text: str, last: bool) -> date:
    for pattern, parts in _DATE_FORMS:
        if m := pattern.match(text.strip()):
            got = dict(zip(parts, map(int, m.groups()), strict=True))
            year, month = got["y"], got.get("m", 12 if last else 1)
            try:
                end_of_month = calendar.monthrange(year, month)[1]
                return date(year, month, got.get("d", end_of_month if last else 1))
            except ValueError:
                raise _bad_date() from None
    raise _bad_date()


def _bad_date() -> BadQuery:
    """Not quoting the date typed: the refusal is logged by the indexing service."""
    return BadQuery(
        "Ngày không hợp lệ (YYYY-MM-DD hoặc YYYY-MM-DD..YYYY-MM-DD) / "
        "Invalid date: use YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD"
    )


# --- the plan for one SearchQuery ----------------------------------------------------------


def plan(query: SearchQuery) -> Plan:
    """Parse `query.text` and merge it with the query's own filters and clearance."""
    if query.limit < 0 or query.offset < 0:
        raise BadQuery("Số trang không hợp lệ / Invalid limit or offset")
    if query.sort not in SORTS:
        raise BadQuery(f"Cách sắp xếp không hợp lệ / sort must be one of {', '.join(SORTS)}")
    state = parse(query.text)
    filters = _filters(query, state)
    if not state.groups and len(filters) == 1:  # only the clearance: nothing asked for
        raise BadQuery("Hãy nhập từ khóa tìm kiếm / Please enter search words")
    return Plan(
        must=tuple(AnyOf(tuple(group)) for group in state.groups),
        must_not=tuple(state.must_not),
        filters=filters,
        sort=query.sort,
        limit=query.limit,
        offset=query.offset,
    )


def _filters(query: SearchQuery, state: _State) -> tuple[Filter, ...]:
    out: list[Filter] = [Secrecy(query.clearance, query.secrecy)]
    given = {
        "kind": query.kind,
        "register": query.register,
        "status": query.status,
        "organ_key": vntext.fold(organ_key(query.organ)) if query.organ else None,
    }
    out += [Keyword(name, (value,)) for name, value in given.items() if value]
    if "kind" in state.fields:
        out.append(Keyword("kind", tuple(state.fields["kind"])))
    for name in ("number", "organ"):
        if name in state.fields:
            out.append(Tokens(name, tuple(state.fields[name])))
    if query.date_from or query.date_to:
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise BadQuery(
                "Ngày bắt đầu phải trước ngày kết thúc / The start date must precede the end date"
            )
        out.append(DateRange(query.date_from, query.date_to))
    return tuple(out + state.dates)


def rank_score(offset: int, position: int) -> float:
    """The score a hit answers with: its rank alone (1, 1/2, 1/3 … over the whole list).

    BM25's statistics (document frequency, average length) count every indexed document,
    those above the caller's clearance included, so a raw score would hint at hidden
    records (docs/search.md, "Scores"); the rank says only what the caller already sees.
    """
    return 1.0 / (offset + position + 1)
