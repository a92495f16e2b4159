"""The petitions desk's own acts on a letter: set or correct the date it was received.
Framework-free: the nameko RPC `classification.set_petition_received` calls `set_received`."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common import clock
from services.common.errors import PermanentError
from services.common.ports import Catalog
from services.registers.deadlines import PetitionRules
from services.registers.petition_book import set_received as with_received


def set_received(
    catalog: Catalog,
    record_id: str,
    received: str,
    source: str,
    reason: str,
    by: str,
    rules: PetitionRules,
) -> dict[str, Any]:
    """Set the receipt date (postmark, reception desk) a petition's deadlines count from; the
    history keeps old → new, the source, the reason and who. Answers the petition's facts only
    (no subject, no identity), so the answer is safe for whoever may set it."""
    petition = (catalog.row(record_id)["meta"] or {}).get("petition")
    reason = " ".join(str(reason or "").split())
    if not petition:
        raise PermanentError("Hồ sơ này không phải đơn thư / This record is not a petition")
    if not reason or len(reason) > 500:
        raise PermanentError("Cần lý do (tối đa 500 ký tự) / A reason is required")
    try:
        updated = with_received(
            petition, date.fromisoformat(received), source, clock.today(), rules
        )
    except ValueError as exc:
        raise PermanentError(str(exc)) from None
    merged, changes = catalog.correct_metadata(record_id, {"petition": updated}, by)
    if changes:
        detail = {"by": by, "old": petition["received"], "new": updated["received"]}
        catalog.log(
            record_id,
            "correction",
            "receipt_date_set",
            detail | {"source": source, "reason": reason},
        )
    return {"id": record_id, "petition": merged["petition"]}
