"""Who may see what: the gateway's access rules as plain functions (no nameko, no HTTP).

- Clearance: a record above the caller's clearance does not exist for them (the same 404 as
  an unknown id, and it counts nowhere). The index applies the same rule inside searches.
- A denunciation's (đơn tố cáo) writer is known only to petition officers cleared for Mật —
  not to admins, who run the system but do not handle cases (Luật Tố cáo 2018 Điều 9.1.b, 56),
  nor to an officer of clearance thường: Điều 56.2 has the identity managed under the secret
  documents' rules (chế độ mật), and QĐ 774/QĐ-TTg (2020) lists it as a Mật state secret (that
  decision's text is still to be verified; see `sees_identity`). Everyone else reads the working
  copy (identity masked) and cannot open the scan or its files, which show the identity in the
  image.
- Roles: what each role may do beyond reading (see docs/portal.md for the matrix).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from services.common import records
from services.common.secrecy import (
    SECRECY_LEVELS,
    SECRECY_NAMES,
    above_ceiling,
    ceiling_reason,
    effective_level,
    secrecy_code,
    urgency_code,
)
from services.gateway.accounts import Forbidden, Principal
from services.registers.working_copy import MASK, is_sealed, working_copy

UPLOADING_ROLES = ("clerk", "archivist", "petition_officer")  # and admin
CORRECTING_ROLES = ("clerk", "archivist", "petition_officer")
PETITION_DESK_ROLES = ("petition_officer",)
IDENTITY_ROLES = ("petition_officer",)  # admins excluded on purpose
# A denouncer's identity is a Mật state secret: QĐ 774/QĐ-TTg (2020), per Luật Tố cáo 2018
# Điều 56.2 (chế độ mật). The decision's text is to be verified before relying on it.
IDENTITY_CLEARANCE = SECRECY_LEVELS["mat"]
# Who may change a record's secrecy, and who approves a lowering (admins pass `require` too);
# each within their own clearance and the installation's ceiling (docs/portal.md).
SECRECY_ROLES = ("clerk", "archivist", "petition_officer")
SECRECY_APPROVING_ROLES = ("archivist",)
# Who recalls a document (NĐ 30/2020 Phụ lục VI, Phần I, III.8): the văn thư and the archive's
# staff (admins pass `require` too); services/registers/recall.py.
RECALL_ROLES = ("clerk", "archivist")


def level(record: dict[str, Any]) -> int:
    """Tuyệt mật until a person or the classifier set the secrecy (services/common/secrecy)."""
    return effective_level(record.get("metadata"))


def visible(record: dict[str, Any], principal: Principal) -> bool:
    """A record above the caller's clearance does not exist for them (same 404 as unknown)."""
    return level(record) <= principal.clearance


def secrecy_change(
    principal: Principal, record: dict[str, Any], to: str | None, ceiling: int
) -> str:
    """`raise`, `lower` or `same` for setting the record's secrecy to `to`; Forbidden when the
    caller's role may not, or the old or new level is above their clearance or the ceiling.
    Levels are the effective ones: setting an unknown (Tuyệt mật) record to Mật is a lowering."""
    principal.require(*SECRECY_ROLES)
    old, new = level(record), SECRECY_LEVELS[to]
    if max(old, new) > principal.clearance:
        raise Forbidden(
            f"Độ mật vượt quá mức bạn được tiếp cận ({SECRECY_NAMES[principal.clearance]})"
            " / Secrecy level above your clearance"
        )
    if above_ceiling(to, ceiling):
        raise Forbidden(ceiling_reason(to, ceiling))
    return "raise" if new > old else "lower" if new < old else "same"


def declared_marks(form: Mapping[str, str]) -> dict[str, str]:
    """An upload's `secrecy`/`urgency` fields as the clerk declares them; PermanentError (400)
    for a bad value, before the file is sent anywhere."""
    secrecy_code(form.get("secrecy")), urgency_code(form.get("urgency"))
    return {name: form[name] for name in ("secrecy", "urgency") if form.get(name)}


def may_be_petition(record: dict[str, Any]) -> bool:
    """Worth asking for a stored petitioner: the petitions register, or a letter's metadata."""
    return records.may_be_petition(record.get("register"), record.get("metadata"))


def sees_identity(principal: Principal) -> bool:
    """The one rule for "may know who wrote a sealed letter" (its name, address, handwriting in
    the scan): a petition officer cleared for Mật (IDENTITY_CLEARANCE). Every route, desk, book
    and flag sent to another service asks this, never the role alone."""
    return principal.role in IDENTITY_ROLES and principal.clearance >= IDENTITY_CLEARANCE


def require_identity_role(principal: Principal) -> None:
    if not sees_identity(principal):
        raise Forbidden(
            "Chỉ cán bộ xử lý đơn thư được tiếp cận bí mật độ"
            f" {SECRECY_NAMES[IDENTITY_CLEARANCE]} mới được xem danh tính người viết đơn"
            " / Only petition officers cleared for Mật may see a petitioner's identity"
        )


def sealed_for(
    principal: Principal, record: dict[str, Any], identity: dict[str, Any] | None
) -> bool:
    """True when the caller must get the working copy of this record."""
    return is_sealed(record.get("metadata"), identity) and not sees_identity(principal)


def require_scan_access(
    principal: Principal, record: dict[str, Any], identity: dict[str, Any] | None
) -> None:
    """Page images, the original and the PDF/A show the denouncer in the image itself."""
    if sealed_for(principal, record, identity):
        raise Forbidden(
            "Đơn tố cáo: chỉ cán bộ xử lý đơn được tiếp cận bí mật độ"
            f" {SECRECY_NAMES[IDENTITY_CLEARANCE]} mới được xem bản quét; hãy đọc bản làm"
            " việc đã che danh tính / Denunciation: only petition"
            " officers cleared for Mật may see the scan; read the working copy"
        )


def working_record(
    principal: Principal, record: dict[str, Any], identity: dict[str, Any] | None
) -> dict[str, Any]:
    """The record as the caller may read it: a sealed letter's subject, organ and history
    masked, and its uploaded file name withheld (it often carries the writer's name: Luật Tố
    cáo 2018 Điều 9.1.b)."""
    if not sealed_for(principal, record, identity):
        return record
    metadata = dict(record.get("metadata") or {})
    for field in ("subject", "organ", "organ_parent"):  # an organ: the writer, read before 0019
        if metadata.get(field):
            metadata[field] = working_copy(metadata[field], metadata, identity)
    file_name = record.get("file")
    history = [
        {**h, "detail": _masked(h.get("detail"), metadata, identity, file_name)}
        for h in record.get("history") or []
    ]
    masked = {"metadata": metadata, "history": history, "working_copy": True}
    return {**record, **masked, "file": MASK if file_name else file_name}


def _masked(
    detail: Any, metadata: dict[str, Any], identity: dict[str, Any] | None, file_name: str | None
) -> Any:
    """A history detail (old → new values of a correction, …) with the identity and the
    uploaded file name masked."""
    if not detail:
        return detail
    text = json.dumps(detail, ensure_ascii=False)
    if file_name:
        text = text.replace(json.dumps(file_name, ensure_ascii=False)[1:-1], MASK)
    masked = working_copy(text, metadata, identity)
    try:
        return json.loads(masked)
    except ValueError:
        return {"masked": True}


def working_text(
    principal: Principal,
    record: dict[str, Any],
    identity: dict[str, Any] | None,
    text: dict[str, Any],
) -> dict[str, Any]:
    """`{"id", "pages": [...]}` with each page masked when the caller must not see the writer."""
    if not sealed_for(principal, record, identity):
        return text
    pages = [
        {**page, "text": working_copy(page["text"], record.get("metadata"), identity)}
        for page in text["pages"]
    ]
    return {**text, "pages": pages, "working_copy": True}


def desk_rows(principal: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The petitions desk as the caller may read it: the subject line (trích yếu), which often
    names the writer, only for petition officers (Luật Tố cáo 2018 Điều 9.1.b, 56)."""
    if sees_identity(principal):
        return rows
    return [{**row, "subject": MASK if row.get("subject") else None} for row in rows]
