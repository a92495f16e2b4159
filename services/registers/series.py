"""Number series of outgoing documents (số của văn bản đi): which series and scope a document
takes its number from, and how the number and symbol are printed.

Domain only. The office's rules are data (`deploy/number-series.yaml`, validated by
`schemas/number-series.json`); the counting itself is the catalog's (one atomic statement per
series and scope). Sources: NĐ 30/2020 Điều 15 and Phụ lục I–III (state); 36-HD/VPTW II.1.3.1
(Party).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
OUTGOING_KINDS = frozenset(vocabulary.OUTGOING_KINDS)
COPY_FORMS = frozenset(vocabulary.COPY_FORMS)


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
    """The office's numbering rules: one style, one or more issuers (the first is the
    default), the committee terms and congresses (Party), groups and overrides."""

    style: str  # "party" | "state"
    issuer: str
    separate_secret: bool
    terms: tuple[Term, ...] = ()
    congresses: tuple[Congress, ...] = ()
    groups: Mapping[str, str] = field(default_factory=dict)  # kind -> group name
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    issuers: tuple[str, ...] = ()  # every issuer, the default first
    secret_mark: str = "M"
    units: tuple[str, ...] = ()  # drafting units of công văn; empty: any

    @property
    def party(self) -> bool:
        return self.style == "party"

    @property
    def every_issuer(self) -> tuple[str, ...]:
        return self.issuers or (self.issuer,)


class NumberingError(ValueError):
    """A numbering request the office's rules cannot serve (unknown issuer or unit, a unit
    on a document that prints none, a Party date before every term)."""


class NoTerm(NumberingError):
    """A Party document dated before the first configured committee term."""


@dataclass(frozen=True)
class Slot:
    """Where a document's number comes from, and how it is printed.

    `series` is the symbol with its number left out ("{}/QĐ-UBND", "{}-QĐ/TU"): two documents
    that would print the same symbol take their numbers from one counter, so no symbol repeats
    within the scope (NĐ 30/2020 Điều 15.1: "Số và ký hiệu văn bản … là duy nhất trong một
    năm"). A group shares one counter across the kinds it lists (`group:…`)."""

    series: str
    scope: str  # "year:2026", "term:2020-2025", "congress:Đại hội …"
    abbreviation: str | None  # type in the symbol; None for a state công văn
    issuer: str
    party: bool
    unit: str | None = None  # drafting unit of a state công văn (Phụ lục I, II.3.b)
    mark: str | None = None  # the separate secret series' mark (NĐ 30 Điều 15.2)

    def symbol(self, number: int) -> str:
        """ "15-NQ/TU" (Party), "15/QĐ-UBND" (state), "05/UBND-VP" (state công văn),
        "05/QĐ-UBND-M" (state secret series); numbers below 10 with a leading zero (NĐ 30
        Phụ lục I, II.3.c)."""
        return self.template().format(f"{number:02d}")

    def template(self) -> str:
        if self.party:
            head = f"{{}}-{self.abbreviation}/" if self.abbreviation else "{}/"
            return head + self.issuer + (f"-{self.mark}" if self.mark else "")
        parts = [self.abbreviation, self.issuer, self.unit, self.mark]
        return "{}/" + "-".join(p for p in parts if p)


@dataclass(frozen=True)
class NumberRequest:
    """What the clerk says of a document being issued: its kind, whether it is secret, which
    of the office's issuers signs it, the drafting unit (state công văn) and, for a copy, the
    copy form (sao_y, trich_sao, sao_luc)."""

    kind: str | None
    secret: bool = False
    issuer: str | None = None
    unit: str | None = None
    copy: str | None = None
    congress: bool | None = None


def slot_for(
    config: NumberSeries,
    kind: str | None,
    *,
    secret: bool,
    on: date,
    congress: bool | None = None,
    issuer: str | None = None,
    unit: str | None = None,
    copy: str | None = None,
) -> Slot:
    """The series and scope of an outgoing document of `kind`, signed on `on`.

    `congress`: True for a congress document, False for not, None to decide by the date
    (a Party document dated within a configured congress belongs to the congress).
    NumberingError for an issuer or unit the office does not have.
    """
    request = NumberRequest(kind or "other", secret, issuer, unit, copy, congress)
    return slot_of(config, request, on)


def slot_of(config: NumberSeries, request: NumberRequest, on: date) -> Slot:
    issuer = _issuer(config, request.issuer)
    unit = _unit(config, request)
    mark = config.secret_mark if request.secret and config.separate_secret else None
    if request.copy:
        return _copy_slot(config, request.copy, issuer, mark, on)
    if config.party:
        congress = request.congress
        if congress is None and _another_issuer(config, request.issuer, on):
            congress = False
        return _party_slot(config, request.kind or "other", on, congress, issuer, mark)
    kind = request.kind or "other"
    slot = Slot("", f"year:{on.year}", _abbreviation(config, kind), issuer, False, unit, mark)
    return _keyed(config, slot, kind)


def _another_issuer(config: NumberSeries, named: str | None, on: date) -> bool:
    """A document the clerk says another issuer signs (the office's "…/VPTU" công văn sent
    during the congress) is not the congress's: 36-HD/VPTW's one congress series covers the
    congress and its bodies (presidium, secretariat, credentials, vote counting) only."""
    meeting = next((c for c in config.congresses if c.covers(on)), None)
    return bool(meeting and named and named != (meeting.issuer or config.issuer))


def _party_slot(
    config: NumberSeries,
    kind: str,
    on: date,
    congress: bool | None,
    issuer: str,
    mark: str | None,
) -> Slot:
    meeting = next((c for c in config.congresses if c.covers(on)), None)
    if congress is True and meeting is None:
        meeting = next((c for c in reversed(config.congresses) if c.start <= on), None)
    if meeting is not None and congress is not False:
        # Every document of a congress shares one series, whatever its type (36-HD/VPTW).
        slot = Slot(
            "", f"congress:{meeting.name}", _abbreviation(config, kind),
            meeting.issuer or issuer, True,
        )  # fmt: skip
        return replace(slot, series=f"congress/{slot.issuer}")
    # Secret documents continue the same series as the others of their type (36-HD/VPTW;
    # the loader refuses `secret_series: separate` for a Party office).
    scope = f"term:{term_on(config, on).name}"
    slot = Slot("", scope, _abbreviation(config, kind), issuer, True, None, mark)
    return _keyed(config, slot, kind)


def _copy_slot(config: NumberSeries, form: str, issuer: str, mark: str | None, on: date) -> Slot:
    """Copies (sao y, trích sao, sao lục) count in one series of their own, per year (NĐ
    30/2020 Điều 25; Phụ lục I Phần II: SY, TrS, SL); a Party copy prints "BS" (24-BS/UBKTTU,
    36-HD/VPTW as quoted; its own text not read) and counts per term."""
    if form not in COPY_FORMS:
        raise NumberingError(
            f"Hình thức sao không hợp lệ: {form!r} (chọn {vocabulary.listed(tuple(COPY_FORMS))})"
            " / Unknown copy form"
        )
    if config.party:
        scope = f"term:{term_on(config, on).name}"
        slot = Slot("", scope, vocabulary.PARTY_COPY_ABBREVIATION, issuer, True, None, mark)
    else:
        abbreviation = vocabulary.COPY_FORMS[form][1]
        slot = Slot("", f"year:{on.year}", abbreviation, issuer, False, None, mark)
    return replace(slot, series=f"copies/{issuer}" + (f"-{mark}" if mark else ""))


def _keyed(config: NumberSeries, slot: Slot, kind: str) -> Slot:
    """The slot with its counter: its group's, else its own symbol without the number (a
    công văn's unit left out, so the organ's công văn share one series)."""
    mark = f"-{slot.mark}" if slot.mark else ""
    if kind in config.groups:
        return replace(slot, series=f"group:{config.groups[kind]}/{slot.issuer}{mark}")
    return replace(slot, series=replace(slot, unit=None).template())


def _issuer(config: NumberSeries, issuer: str | None) -> str:
    if issuer is None:
        return config.issuer
    if issuer not in config.every_issuer:
        raise NumberingError(
            f"Cơ quan ban hành không có trong number-series.yaml: {issuer!r} (chọn "
            f"{vocabulary.listed(config.every_issuer)}) / Unknown issuer"
        )
    return issuer


def _unit(config: NumberSeries, request: NumberRequest) -> str | None:
    """A drafting unit only where the symbol prints one: a state công văn (Phụ lục I,
    II.3.b: "05/BNV-VP"); for a Party công văn 36-HD's rule could not be read."""
    if request.unit is None:
        return None
    if config.party or request.kind != "cong_van" or request.copy:
        raise NumberingError(
            "Chỉ công văn (kiểu nhà nước) ghi đơn vị soạn thảo trong ký hiệu / "
            "Only a state công văn carries a drafting unit"
        )
    if config.units and request.unit not in config.units:
        raise NumberingError(
            f"Đơn vị soạn thảo không có trong number-series.yaml: {request.unit!r} (chọn "
            f"{vocabulary.listed(config.units)}) / Unknown drafting unit"
        )
    return request.unit


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
    _check_secret_series(party, secret, source)
    others = [i for i in data.get("issuers", ()) if i != data["issuer"]]
    config = NumberSeries(
        style=data["style"],
        issuer=data["issuer"],
        separate_secret=secret == "separate",
        terms=terms,
        congresses=congresses,
        groups=groups,
        abbreviations=dict(data.get("abbreviations", {})),
        issuers=(data["issuer"], *others),
        secret_mark=data.get("secret_mark", "M"),
        units=tuple(data.get("units", ())),
    )
    _check_unique_symbols(config, source)
    return config


def _check_secret_series(party: bool, secret: str, source: str) -> None:
    """The style decides where secret documents count: a state organ's have their own series
    (NĐ 30/2020 Điều 15.2), a Party organ's continue their type's (36-HD/VPTW II.1.3.1, as
    quoted in secondary sources). A file asking the other way is refused, not obeyed."""
    if party and secret == "separate":
        rule = "36-HD/VPTW II.1.3.1: Party secret documents continue their type's series"
    elif not party and secret == "same":
        rule = "NĐ 30/2020 Điều 15.2: a state organ's secret documents have their own series"
    else:
        return
    raise ValueError(
        f"{source}: invalid number series: secret_series: {secret} breaks {rule};"
        " leave secret_series out (the style decides it)"
    )


def _check_unique_symbols(config: NumberSeries, source: str) -> None:
    """Refuse rules under which two counters would print the same symbol: a kind outside a
    group abbreviated like one inside it (NĐ 30/2020 Điều 15.1, unique số và ký hiệu)."""
    on = config.terms[-1].start if config.terms else date(2026, 1, 1)
    counters: dict[tuple[str, str], set[str]] = {}
    for issuer in config.every_issuer:
        for kind in OUTGOING_KINDS:
            for secret in (False, True):
                slot = slot_for(config, kind, secret=secret, on=on, congress=False, issuer=issuer)
                counters.setdefault((slot.template(), slot.scope), set()).add(slot.series)
    shared = sorted(t for (t, _), keys in counters.items() if len(keys) > 1)
    if shared:
        raise ValueError(
            f"{source}: invalid number series: two series would print the same symbol "
            f"{', '.join(t.format('NN') for t in shared)}; put the kinds in one group or give "
            "them different abbreviations"
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
