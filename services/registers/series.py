"""Number series of outgoing documents (số của văn bản đi): which series and scope a document
takes its number from, and how the number and symbol are printed.

Domain only. The office's rules are data (`deploy/number-series.yaml`, validated by
`schemas/number-series.json`); the counting itself is the catalog's (one atomic statement per
series and scope). Sources: NĐ 30/2020 Điều 15 and Phụ lục I–III (state); 36-HD/VPTW II.1.3.1
(Party).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from services.common import vocabulary
from services.registers.config import REPO_ROOT, load_yaml, validate

SCHEMA_PATH = REPO_ROOT / "schemas" / "number-series.json"
DEFAULT_PATH = REPO_ROOT / "deploy" / "number-series.yaml"

# Type abbreviations in the symbol (services.common.vocabulary); a state kết luận, outside
# NĐ 30/2020's list of types, is numbered with the Party's "KL".
_PARTY_ABBREVIATIONS = vocabulary.PARTY_ABBREVIATIONS
_STATE_ABBREVIATIONS = {
    **vocabulary.STATE_ABBREVIATIONS,
    "ket_luan": _PARTY_ABBREVIATIONS["ket_luan"],
}
CONGRESS_SERIES = "party:dai_hoi"
OUTGOING_KINDS = frozenset(vocabulary.OUTGOING_KINDS)


@dataclass(frozen=True)
class Term:
    name: str
    start: date


@dataclass(frozen=True)
class Congress:
    name: str
    start: date
    end: date
    issuer: str | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class NumberSeries:
    """The office's numbering rules (one issuing organ)."""

    style: str  # "party" | "state"
    issuer: str
    separate_secret: bool
    terms: tuple[Term, ...] = ()
    congresses: tuple[Congress, ...] = ()
    groups: Mapping[str, str] = field(default_factory=dict)  # kind -> group name
    abbreviations: Mapping[str, str] = field(default_factory=dict)

    @property
    def party(self) -> bool:
        return self.style == "party"


@dataclass(frozen=True)
class Slot:
    """Where a document's number comes from, and how it is printed."""

    series: str  # e.g. "party:nghi_quyet", "state:quyet_dinh:mat", "party:dai_hoi"
    scope: str  # e.g. "term:2020-2025", "year:2026", "congress:Đại hội …"
    abbreviation: str | None  # type in the symbol; None for a state công văn
    issuer: str
    party: bool

    def symbol(self, number: int) -> str:
        """ "15-NQ/TU" (Party), "15/QĐ-UBND" (state), "05/UBND" (state công văn); numbers
        below 10 with a leading zero (NĐ 30 Phụ lục I, II.3.c)."""
        n = f"{number:02d}"
        if self.party:
            return (
                f"{n}-{self.abbreviation}/{self.issuer}"
                if self.abbreviation
                else f"{n}/{self.issuer}"
            )
        return (
            f"{n}/{self.abbreviation}-{self.issuer}" if self.abbreviation else f"{n}/{self.issuer}"
        )


class NoTerm(ValueError):
    """A Party document dated before the first configured committee term."""


def slot_for(
    config: NumberSeries,
    kind: str | None,
    *,
    secret: bool,
    on: date,
    congress: bool | None = None,
) -> Slot:
    """The series and scope of an outgoing document of `kind`, signed on `on`.

    `congress`: True for a congress document, False for not, None to decide by the date
    (a Party document dated within a configured congress belongs to the congress).
    """
    kind = kind or "other"
    if config.party:
        return _party_slot(config, kind, on, congress)
    series = f"state:{config.groups.get(kind, kind)}" + (
        ":mat" if secret and config.separate_secret else ""
    )
    return Slot(series, f"year:{on.year}", _abbreviation(config, kind), config.issuer, False)


def _party_slot(config: NumberSeries, kind: str, on: date, congress: bool | None) -> Slot:
    meeting = next((c for c in config.congresses if c.covers(on)), None)
    if congress is True and meeting is None:
        meeting = next((c for c in reversed(config.congresses) if c.start <= on), None)
    if meeting is not None and congress is not False:
        issuer = meeting.issuer or config.issuer
        return Slot(
            CONGRESS_SERIES, f"congress:{meeting.name}", _abbreviation(config, kind), issuer, True
        )
    # Secret documents continue the same series as the others of their type (36-HD/VPTW).
    series = f"party:{config.groups.get(kind, kind)}"
    return Slot(
        series, f"term:{term_on(config, on).name}", _abbreviation(config, kind), config.issuer, True
    )


def term_on(config: NumberSeries, day: date) -> Term:
    """The committee term running on `day`: the last one started on or before it."""
    started = [t for t in config.terms if t.start <= day]
    if not started:
        raise NoTerm(
            f"Không có nhiệm kỳ nào bao gồm ngày {day.isoformat()} trong number-series.yaml / "
            f"No committee term covers {day.isoformat()}"
        )
    return max(started, key=lambda t: t.start)


def _abbreviation(config: NumberSeries, kind: str) -> str | None:
    if kind in config.abbreviations:
        return config.abbreviations[kind]
    table = _PARTY_ABBREVIATIONS if config.party else _STATE_ABBREVIATIONS
    return table.get(kind)


# --- loading -----------------------------------------------------------------------------


def load_series(path: str | Path = DEFAULT_PATH) -> NumberSeries:
    """Read and validate the number-series file; ValueError naming the problem otherwise."""
    return parse_series(load_yaml(path), source=str(path))


def parse_series(data: Any, *, source: str = "number-series") -> NumberSeries:
    data = validate(data, SCHEMA_PATH, source, "number series")
    party = data["style"] == "party"
    terms = tuple(
        sorted(
            (Term(t["name"], _day(t["start"])) for t in data.get("terms", ())),
            key=lambda t: t.start,
        )
    )
    congresses = tuple(
        Congress(c["name"], _day(c["start"]), _day(c["end"]), c.get("issuer"))
        for c in data.get("congresses", ())
    )
    _check_order(terms, congresses, source)
    groups = {kind: name for name, kinds in data.get("groups", {}).items() for kind in kinds}
    secret = data.get("secret_series", "same" if party else "separate")
    return NumberSeries(
        style=data["style"],
        issuer=data["issuer"],
        separate_secret=secret == "separate",
        terms=terms,
        congresses=congresses,
        groups=groups,
        abbreviations=dict(data.get("abbreviations", {})),
    )


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _check_order(terms: tuple[Term, ...], congresses: tuple[Congress, ...], source: str) -> None:
    problems = [
        f"terms: two terms start on {a.start}" for a, b in pairwise(terms) if a.start == b.start
    ]
    problems += [
        f"congresses ({c.name}): ends before it starts" for c in congresses if c.end < c.start
    ]
    if problems:
        raise ValueError(f"{source}: invalid number series:\n  " + "\n  ".join(problems))
