"""What a caller may learn of retention batches and legal holds: plain functions, no nameko.

A record above the caller's clearance does not exist for them (docs/retention.md, "Clearance"):
a batch or hold lists, and counts, only the records they may see; one that covers nothing they
may see does not exist for them (the same answer as an unknown id); nothing says how many
records were left out. Approving a destruction, or releasing a hold, needs someone who sees
every record it covers: under Luật Bảo vệ bí mật nhà nước 2018 only people cleared for a
secret may reach it, and its destruction (Điều 22, as far as we know: the text was not at hand
when this was written) is decided by people who know what is destroyed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from services.gateway.accounts import Forbidden
from services.retention.errors import NEEDS_CLEARANCE


def all_ids(batch: dict[str, Any]) -> list[str]:
    """Every record a batch names: those still in it and those pulled out of it."""
    return list(batch["records"]) + [p["id"] for p in batch.get("pulled") or []]


def batch_view(batch: dict[str, Any], visible: Collection[str]) -> dict[str, Any] | None:
    """The batch with only `visible` records (None when it covers none of them)."""
    if not any(i in visible for i in all_ids(batch)):
        return None
    return {
        **batch,
        "records": [i for i in batch["records"] if i in visible],
        "pulled": [p for p in batch.get("pulled") or [] if p["id"] in visible],
        "files": files_view(batch.get("files") or [], visible),
    }


def files_view(groups: list[dict[str, Any]], visible: Collection[str]) -> list[dict[str, Any]]:
    """A batch's hồ sơ with only `visible` records; a file with none of them is left out."""
    shown = ({**g, "records": [i for i in g["records"] if i in visible]} for g in groups)
    return [g for g in shown if g["records"]]


def summary_view(batch: dict[str, Any], shown: dict[str, Any] | None) -> dict[str, Any] | None:
    """A `list_batches` row with its `records` count taken from the caller's view."""
    return None if shown is None else {**batch, "records": len(shown["records"])}


def hold_view(hold: dict[str, Any], ids: Iterable[str], visible: Collection[str]):
    """A `hold_list` row counting only `visible` records (None when it holds none of them)."""
    seen = [i for i in ids if i in visible]
    return {**hold, "records": len(seen)} if seen else None


def covers_hidden(ids: Iterable[str], visible: Collection[str]) -> bool:
    return any(i not in visible for i in ids)


def require_sees_all(ids: Iterable[str], visible: Collection[str]) -> None:
    """Refuse an approval over records the caller may not see, without saying how many."""
    if covers_hidden(ids, visible):
        raise Forbidden(NEEDS_CLEARANCE)
