"""What classification adds for the register books: the outgoing number, the petition's
facts (and its restricted identity), and NĐ 30's duplicate warning. Framework-free."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from services.common.ports import Catalog
from services.registers import RegistersConfig
from services.registers.petition_book import petition_metadata, with_deadlines
from services.registers.petitions import is_petition, read_petition
from services.registers.series import NoTerm, NumberSeries, slot_for, term_on

# Facts a person may have set on the petition; re-reading the letter keeps them.
_PETITION_STATE = ("accepted_on", "closed_on", "extensions", "complex", "verification")
# Kept when a person set them: the receipt date (with its source), the writer, the instance.
_PETITION_SET = {
    "received": "received_source",
    "writer": "writer_confirmed_by",
    "instance": "instance_set_by",
}


def received_on(row: dict[str, Any]) -> date:
    return date.fromisoformat(row["received_at"][:10])


def petition_part(
    catalog: Catalog,
    row: dict[str, Any],
    text: str,
    metadata: dict[str, Any],
    config: RegistersConfig,
) -> dict[str, Any]:
    """{"kind", "petition"} for a letter, {} otherwise; stores the identity apart."""
    if not is_petition(text, metadata.get("kind"), metadata.get("number_symbol")):
        return {}
    petition = read_petition(text, metadata.get("kind"))
    facts = petition_metadata(petition, received_on(row), config.petitions)
    earlier = (row["meta"] or {}).get("petition") or {}
    kept = {k: earlier[k] for k in _PETITION_STATE if earlier.get(k) not in (None, 0, False)}
    for key, marker in _PETITION_SET.items():
        if earlier.get(marker) not in (None, "registered"):
            kept |= {key: earlier[key], marker: earlier[marker]}
    if kept:
        facts = with_deadlines({**facts, **kept}, config.petitions)
    store_petitioner(catalog, row["id"], petition.identity, facts["anonymous"], petition.sealed)
    return {"kind": petition.kind, "petition": facts}


def store_petitioner(
    catalog: Catalog, record_id: str, identity: dict[str, Any], anonymous: bool, sealed: bool
) -> None:
    """Store the writer's identity apart, unless the stored one is the same; `anonymous` is
    the desk's decision once it confirmed who wrote the letter."""
    identity = {**identity, "anonymous": anonymous, "sealed": sealed}
    stored = catalog.petitioner(record_id)
    if stored is None or any(stored.get(k) != v for k, v in identity.items()):
        catalog.save_petitioner(record_id, identity)


def outgoing_number(
    catalog: Catalog, row: dict[str, Any], metadata: dict[str, Any], series: NumberSeries
) -> dict[str, Any]:
    """The số of an outgoing document from its series (see docs/registers.md, "When `di`
    numbers are given"): kept if the clerk's upload already gave one; given now when the
    text shows no number and the kind is known; a number printed on the page is kept as is."""
    assigned = catalog.series_number(row["id"])
    printed = metadata.get("number_symbol")
    kind = metadata.get("kind")
    if assigned is None and printed is None and kind not in (None, "other"):
        assigned = assign(catalog, row["id"], series, kind, metadata, received_on(row))
    if assigned is None:
        return {}
    out: dict[str, Any] = {
        "number_symbol": assigned["symbol"],
        "series": {k: assigned[k] for k in ("series", "scope", "number")},
        "confidence": {**(metadata.get("confidence") or {}), "number_symbol": 1.0},
    }
    if printed and printed != assigned["symbol"]:
        out["number_printed"] = printed
        out["review"] = sorted({*metadata.get("review", []), "number_symbol"})
    return out


def assign(
    catalog: Catalog,
    record_id: str,
    series: NumberSeries,
    kind: str,
    metadata: dict[str, Any],
    fallback: date,
) -> dict[str, Any] | None:
    on = date.fromisoformat(metadata["issued_date"]) if metadata.get("issued_date") else fallback
    try:
        slot = slot_for(series, kind, secret=metadata.get("secrecy") is not None, on=on)
    except NoTerm:
        return None  # left for the clerk: `number_symbol` stays in review
    assigned, _ = catalog.assign_series_number(record_id, slot.series, slot.scope, slot.symbol)
    return assigned


# A Party symbol puts the type between the number and the organ: "15-NQ/TU" (36-HD/VPTW).
_PARTY_SYMBOL_RE = re.compile(r"^\s*\d+\s*-[^/]+/")


def term_of(metadata: dict[str, Any], series: NumberSeries) -> str | None:
    """The committee term (nhiệm kỳ) a Party document's number belongs to, by its date; None
    for a state document (numbered per year) or an undated one or one before every term."""
    symbol, issued = metadata.get("number_symbol"), metadata.get("issued_date")
    if not symbol or not issued or not _PARTY_SYMBOL_RE.match(symbol):
        return None
    try:
        return term_on(series, date.fromisoformat(issued)).name
    except NoTerm:
        return None  # the key falls back to the year


def flag_duplicate(
    catalog: Catalog, record_id: str, metadata: dict[str, Any], series: NumberSeries
) -> dict[str, Any]:
    """NĐ 30 Phụ lục VI: warn when số + ký hiệu + organ (with its parent) repeat an earlier
    record of the same year (state) or committee term (Party): see `document_key`."""
    term = term_of(metadata, series)
    if metadata.get("term") != term:
        metadata = catalog.update_metadata(record_id, "classification", {"term": term})
    others = catalog.same_document(record_id)
    first = others[0] if others else None
    if metadata.get("duplicate_of") == first:
        return metadata
    action = "duplicate_suspected" if first else "duplicate_cleared"
    return catalog.update_metadata(record_id, "classification", {"duplicate_of": first}, action)
