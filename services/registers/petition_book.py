"""The petitions book (sổ đơn thư): what a petition's metadata holds, its deadlines, and the
list of what falls due. Domain only.

`metadata.petition` = {"category", "anonymous", "accused", "received", "body", "handled",
"accepted_on", "closed_on", "extensions", "complex", "deadlines": [...], "next_due"}. The
petitioner's identity is NOT here: it lives in the catalog's `petitioners` table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.registers.deadlines import PetitionRules, deadlines, next_due
from services.registers.petitions import Petition


def petition_metadata(petition: Petition, received: date, rules: PetitionRules) -> dict[str, Any]:
    """The first `metadata.petition` of a letter just read (no acceptance recorded yet)."""
    base = {
        "category": petition.category,
        "anonymous": petition.anonymous,
        "accused": petition.accused,
        "received": received.isoformat(),
        "accepted_on": None,
        "closed_on": None,
        "extensions": 0,
        "complex": False,
    }
    return with_deadlines(base, rules)


def with_deadlines(petition: dict[str, Any], rules: PetitionRules) -> dict[str, Any]:
    """`petition` with its deadlines recomputed from its dates, extensions and complexity."""
    accepted = _day(petition.get("accepted_on"))
    items = deadlines(
        rules,
        petition["category"],
        received=date.fromisoformat(petition["received"]),
        anonymous=bool(petition.get("anonymous")),
        accepted=accepted,
        extensions=int(petition.get("extensions") or 0),
        complex_case=bool(petition.get("complex")),
    )
    pending = None if petition.get("closed_on") else next_due(items, accepted)
    return {
        **petition,
        "body": rules.body.type,
        # Party bodies do not handle anonymous letters (Quy định 22-QĐ/TW Điều 20).
        "handled": bool(items),
        "deadlines": [d.to_dict() for d in items],
        "next_due": pending.to_dict() if pending else None,
    }


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def due_list(
    entries: list[dict[str, Any]], as_of: date, *, overdue_only: bool = False
) -> list[dict[str, Any]]:
    """Open petitions by their next deadline, soonest first; `days_left` < 0 when overdue.

    `entries` are catalog rows (`petition_records`): id, register, number, year, meta.
    """
    out = []
    for e in entries:
        petition = (e.get("meta") or {}).get("petition") or {}
        due = petition.get("next_due")
        if not due:
            continue
        days_left = (date.fromisoformat(due["due"]) - as_of).days
        if overdue_only and days_left >= 0:
            continue
        out.append(
            {
                "id": e["id"],
                "register": e["register"],
                "number": f"{e['number']:02d}" if e.get("number") else None,
                "category": petition["category"],
                "step": due["step"],
                "due": due["due"],
                "days_left": days_left,
                "overdue": days_left < 0,
                "subject": (e.get("meta") or {}).get("subject"),
                "accused": petition.get("accused"),
            }
        )
    return sorted(out, key=lambda r: (r["due"], r["id"]))
