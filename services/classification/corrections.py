"""A clerk's corrections of a record's metadata: which fields may be set, how values are
checked, and the `record.metadata_corrected` event that re-indexes and re-computes retention.

Framework-free: the nameko RPC `classification.correct` calls `correct_record`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from services.classification.registering import flag_duplicate, store_petitioner
from services.common import events, vocabulary
from services.common.errors import PermanentError
from services.common.ports import Catalog
from services.common.records import letter_organ_cleared
from services.common.secrecy import KNOWN
from services.registers import RegistersConfig
from services.registers.deadlines import CATEGORIES, MAX_EXTENSIONS, PetitionRules, check_correction
from services.registers.petition_book import case_of, with_deadlines
from services.registers.petitions import ANONYMOUS, NAMED
from services.registers.recall import check_not_recalled

KINDS = frozenset(vocabulary.KINDS)
FIELD_NAME = re.compile(r"[a-z][a-z0-9_.]{0,39}")
SECRECY = frozenset(vocabulary.SECRECY_VALUES)
URGENCY = frozenset(vocabulary.URGENCY_VALUES)
COMPLEXITY = frozenset(vocabulary.COMPLEXITY_VALUES)


def _bad(field: str, hint: str) -> PermanentError:
    """A refused value is not quoted back, whatever the field: a trích yếu pasted into a date
    or a writer's name into a count is the record's content, and nameko logs the message of
    every refused RPC (tests/e2e/test_secrets_in_logs.py)."""
    return PermanentError(f"Giá trị không hợp lệ cho {field} ({hint}) / Bad value for {field}")


# NĐ 30/2020 Phụ lục VI Phần II (the document system's input fields): Subject (trích yếu) 500
# characters, OrganName 200, SignerInfo = Position 100 + FullName 50. A value the decree's
# system could not hold is refused; other free text up to 1000.
TEXT_LIMITS = {"subject": 500, "organ": 200, "organ_parent": 200, "signer_title": 100,
               "signer": 50}  # fmt: skip
TEXT_LIMIT = 1000


def _text(field: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    limit = TEXT_LIMITS.get(field, TEXT_LIMIT)
    if not isinstance(value, str) or len(value) > TEXT_LIMIT:
        raise _bad(field, f"văn bản tối đa {limit} ký tự")
    text = " ".join(value.split())
    if len(text) > limit:
        raise _bad(field, f"văn bản tối đa {limit} ký tự, NĐ 30/2020 Phụ lục VI")
    return text


def _choice(allowed: frozenset[str]) -> Callable[[str, Any], str | None]:
    def check(field: str, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if value not in allowed:
            raise _bad(field, "một trong " + ", ".join(sorted(allowed)))
        return value

    return check


def _kind(field: str, value: Any) -> str:
    if value not in KINDS:
        raise _bad(field, "một loại văn bản, ví dụ nghi_quyet, cong_van")
    return value


def _date(field: str, value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise _bad(field, "YYYY-MM-DD") from None


def _recipients(field: str, value: Any) -> list[str] | None:
    if value in (None, ""):
        return None
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _bad(field, "danh sách, phân cách bằng ';'")
    return [" ".join(i.split()) for i in items if i.strip()] or None


def _extensions(field: str, value: Any) -> int:
    """0 to MAX_EXTENSIONS; how many the case's complexity allows is `check_correction`'s."""
    hint = f"0 đến {MAX_EXTENSIONS}, Luật TC 2018 Điều 30"
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise _bad(field, hint) from None
    if not 0 <= n <= MAX_EXTENSIONS:
        raise _bad(field, hint)
    return n


def _instance(field: str, value: Any) -> int:
    if str(value) not in ("1", "2"):
        raise _bad(field, "1 (lần đầu) hoặc 2 (lần hai)")
    return int(value)


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "co", "có"):
        return True
    if str(value).lower() in ("0", "false", "no", "khong", "không"):
        return False
    raise _bad(field, "true hoặc false")


CHECKS: dict[str, Callable[[str, Any], Any]] = {
    **{name: _text for name in vocabulary.TEXT_FIELDS},
    "kind": _kind,
    "issued_date": _date,
    "secrecy": _choice(SECRECY),
    "urgency": _choice(URGENCY),
    "recipients": _recipients,
    "retention.class": _text,
    "petition.accepted_on": _date,
    "petition.closed_on": _date,
    "petition.extensions": _extensions,
    "petition.complexity": _choice(COMPLEXITY),  # "" clears it (không phức tạp)
    "petition.evidence": _flag,  # an anonymous tố cáo's concrete evidence (Luật TC Điều 25.2)
    "petition.verification": _flag,
    "petition.anonymous": _flag,  # the desk confirms an "identity to confirm"
    "petition.instance": _instance,
}


def _field_name(name: Any) -> str:
    """An unknown field as the message names it: a name that reads as one (`colour`), else
    "?" (a key holding free text would be the record's content in the log)."""
    return name if isinstance(name, str) and FIELD_NAME.fullmatch(name) else "?"


def check_fields(fields: dict[str, Any], retention_classes: frozenset[str]) -> dict[str, Any]:
    """Checked values by field name; PermanentError naming the first bad one."""
    if not fields:
        raise PermanentError("Không có trường nào để sửa / Nothing to correct")
    unknown = sorted(set(fields) - set(CHECKS))
    if unknown:
        raise PermanentError(
            f"Không sửa được trường {', '.join(map(_field_name, unknown))}; được sửa: "
            f"{', '.join(sorted(CHECKS))} / Unknown field"
        )
    values = {name: CHECKS[name](name, value) for name, value in fields.items()}
    code = values.get("retention.class")
    if "retention.class" in values and code not in retention_classes:
        raise _bad("retention.class", "một mã trong deploy/retention-schedule.yaml")
    return values


def apply(
    meta: dict[str, Any], values: dict[str, Any], by: str, rules: PetitionRules
) -> dict[str, Any]:
    """The metadata keys to write: dotted fields land inside their object."""
    out: dict[str, Any] = {k: v for k, v in values.items() if "." not in k}
    if "retention.class" in values:
        # A clerk's class wins over the schedule until changed again (audited in history).
        out["retention"] = {
            **(meta.get("retention") or {}),
            "class": values["retention.class"],
            "override": True,
            "overridden_by": by,
        }
    petition = {
        k.removeprefix("petition."): v for k, v in values.items() if k.startswith("petition.")
    }
    if values.get("kind") in CATEGORIES and meta.get("petition"):
        # A letter corrected into another category is handled under that category's law
        # (Luật KN 2011 Điều 27–28, Luật TC 2018 Điều 29–30, TT 05/2021): its deadlines follow.
        petition["category"] = CATEGORIES[values["kind"]]
    if petition and meta.get("petition"):
        out["petition"] = _petition(meta["petition"], petition, by, rules)
    elif petition:
        raise PermanentError("Hồ sơ này không phải đơn thư / This record is not a petition")
    if "secrecy" in values:  # a person set the level: it is known now (services/common/secrecy)
        out[KNOWN] = True
    touched = {k.split(".")[0] for k in values}
    out["confidence"] = {**(meta.get("confidence") or {}), **dict.fromkeys(touched, 1.0)}
    out["review"] = [f for f in meta.get("review") or [] if f not in touched]
    # Re-reading the text (a reprocess, a redelivery) must not undo a person's correction.
    out["corrected"] = sorted(set(meta.get("corrected") or []) | touched)
    return out


def _petition(
    earlier: dict[str, Any], fields: dict[str, Any], by: str, rules: PetitionRules
) -> dict[str, Any]:
    """The petition with a person's facts and its deadlines recomputed. Setting `anonymous`
    confirms who wrote it (an "identity to confirm" leaves the desk); `instance` is kept over
    a re-read of the letter. Extensions over the complexity (or a complexity lowered below
    them) and evidence on a named letter are refused (`check_correction`); stored facts the
    person did not touch are not (a letter stored with two extensions and complex: true keeps
    its warning until the complexity is set)."""
    petition = {**earlier, **fields}
    if "anonymous" in fields:
        petition |= {
            "writer": ANONYMOUS if fields["anonymous"] else NAMED,
            "writer_confirmed_by": by,
        }
    if "instance" in fields:
        petition["instance_set_by"] = by
    try:
        corrected = with_deadlines(petition, rules)
        check_correction(rules, case_of(corrected), set(fields))
        return corrected
    except ValueError as exc:
        raise PermanentError(str(exc)) from None


def _confirm_writer(catalog: Catalog, record_id: str, anonymous: bool) -> None:
    """The stored identity follows the desk's decision on who wrote the letter."""
    if stored := catalog.petitioner(record_id):
        store_petitioner(catalog, record_id, stored, anonymous, bool(stored.get("sealed")))


def correct_record(
    catalog: Catalog,
    record_id: str,
    fields: dict[str, Any],
    by: str,
    *,
    retention_classes: frozenset[str],
    config: RegistersConfig,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Apply a correction; (the record, `record.metadata_corrected` payload or None if nothing
    changed). The history entry keeps every changed field's old and new value and who."""
    row = catalog.row(record_id)
    if row["status"] in ("rejected", "disposed", "transferred"):
        raise PermanentError(
            f"Hồ sơ đã {row['status']}, không sửa được / Record is {row['status']}"
        )
    check_not_recalled(row["meta"])  # a recalled document is frozen with its metadata
    values = check_fields(fields, retention_classes)
    meta = row["meta"] or {}
    audited = {k.split(".")[0] for k in values}
    merged, changes = catalog.correct_metadata(
        record_id, apply(meta, values, by, config.petitions), by, audited
    )
    if changes and (cleared := letter_organ_cleared(row["register"], merged)):
        # corrected into a letter: the organ read from its header is its writer
        merged = catalog.update_metadata(record_id, "classification", cleared, "letter_organ")
    if "petition" in changes and "petition.anonymous" in values:
        _confirm_writer(catalog, record_id, values["petition.anonymous"])
    if changes and {"number_symbol", "organ", "organ_parent", "issued_date"} & set(changes):
        merged = flag_duplicate(catalog, record_id, merged, config.series)
    record = catalog.get(record_id)
    if not changes:
        return record, None
    return record, corrected_event(catalog.row(record_id), sorted(values), by)


def corrected_event(row: dict[str, Any], changed: list[str], by: str) -> dict[str, Any] | None:
    """`record.metadata_corrected` for a record whose metadata a person changed (re-index,
    recompute retention); None before it has text and a known secrecy: classification will
    carry the new values then."""
    merged = row["meta"] or {}
    if not row["sha256"] or not row["page_info"] or not merged.get(KNOWN):
        return None
    return events.new_event(
        events.RECORD_METADATA_CORRECTED,
        row["id"],
        sha256=row["sha256"],
        text_keys=[p["key"] for p in row["page_info"]],
        changed=changed,
        by=by,
    )
