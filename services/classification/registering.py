"""What classification adds for the register books: the outgoing number, the petition's
facts (and its restricted identity), and NĐ 30's duplicate warning. Framework-free."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from services.common.ports import Catalog
from services.registers import RegistersConfig
from services.registers.petition_book import petition_metadata, upgraded, with_deadlines
from services.registers.petitions import is_petition, read_petition
from services.registers.series import NoTerm, NumberSeries, term_on

# Facts a person may have set on the petition; re-reading the letter keeps them (`evidence`
# False too: an officer decided it).
_PETITION_STATE = (
    "accepted_on", "closed_on", "extensions", "complexity", "evidence", "verification"
)  # fmt: skip
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
    earlier = upgraded((row["meta"] or {}).get("petition") or {})
    kept = {k: earlier[k] for k in _PETITION_STATE if earlier.get(k) is not None}
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
    catalog: Catalog, row: dict[str, Any], metadata: dict[str, Any]
) -> dict[str, Any]:
    """The số of an outgoing document as the register of numbers holds it. Reading the text
    never gives a number: numbers are given when the signed document is issued, in issue
    order (NĐ 30/2020 Điều 15.2; services/registers/numbering.py). A number printed on the
    page that differs from ours is kept as `number_printed` and `number_symbol` goes to review."""
    assigned = catalog.series_number(row["id"])
    if assigned is None:
        return {}
    printed = metadata.get("number_symbol")
    out: dict[str, Any] = {
        "number_symbol": assigned["symbol"],
        "series": {k: assigned[k] for k in ("series", "scope", "number")},
        "confidence": {**(metadata.get("confidence") or {}), "number_symbol": 1.0},
    }
    if printed and printed != assigned["symbol"]:
        out["number_printed"] = printed
        out["review"] = sorted({*metadata.get("review", []), "number_symbol"})
    return out


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
