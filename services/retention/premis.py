"""PREMIS 3 XML of a record for its transfer package (`premis.xml`): the object, its events
and their agents, from the record's history (audit entries) and fixity checks.

Event types come from the Library of Congress preservation vocabulary
(http://id.loc.gov/vocabulary/preservation/eventType), each with its `valueURI`. `AUDIT_EVENTS`
is the one table from a history entry (stage, action) to those terms; docs/retention.md
("PREMIS events") prints it. An entry mapped to no term is a step of the office's own work
(indexing for search, task handling, a request still waiting for a second person), not a
preservation event, and is left out. The XML validates against the PREMIS 3.0 schema vendored
in schemas/premis/ (tests/unit/test_premis.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

NS = "http://www.loc.gov/premis/v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EVENT_TYPE_SCHEME = "http://id.loc.gov/vocabulary/preservation/eventType"
HASH_SCHEME = "http://id.loc.gov/vocabulary/preservation/cryptographicHashFunctions"
AGENT_TYPE_SCHEME = "http://id.loc.gov/vocabulary/preservation/agentType"

# The LoC eventType terms used here, with their codes (the last part of the valueURI).
LOC_EVENT_TYPES: dict[str, str] = {
    "accession": "acc",
    "appraisal": "app",
    "creation": "cre",
    "decryption": "der",
    "deletion": "del",
    "fixity check": "fix",
    "format identification": "for",
    "ingestion": "ing",
    "message digest calculation": "mes",
    "metadata extraction": "mee",
    "metadata modification": "mem",
    "packing": "pac",
    "policy assignment": "poa",
    "redaction": "red",
    "transfer": "tra",
    "validation": "val",
}

# (stage, action) of a history entry -> the LoC terms it is exported as ("*": any other
# action of that stage; an empty tuple: not a preservation event, left out).
AUDIT_EVENTS: dict[tuple[str, str], tuple[str, ...]] = {
    # the file arrives; its SHA-256 is computed as it is stored
    ("ingest", "received"): ("ingestion", "message digest calculation"),
    ("ingest", "rejected"): ("validation",),  # refused at intake (type, size, ceiling)
    ("ingest", "not_numbered"): ("metadata modification",),
    ("ingest", "*"): ("ingestion",),
    ("ocr", "ocr_started"): (),  # a start marker; its outcome is the next entry
    ("ocr", "text_extracted"): ("creation",),  # page text and the PDF/A access copy made
    ("ocr", "*"): ("creation",),
    ("classification", "rejected"): ("validation",),  # above the secrecy ceiling
    ("classification", "*"): ("metadata extraction",),  # number, date, organ read from text
    ("indexing", "*"): (),  # the search index is no part of the object
    ("registers", "petitioner_stored"): ("redaction",),  # identity kept apart, masked on read
    ("registers", "recalled"): ("policy assignment",),  # frozen (NĐ 30/2020 Phụ lục VI)
    ("registers", "*"): ("metadata modification",),  # numbered, number voided
    ("correction", "*"): ("metadata modification",),
    ("secrecy", "lowering_approved"): ("policy assignment",),  # access level changed
    ("secrecy", "declassified"): ("policy assignment",),  # giải mật with its decision
    ("secrecy", "*"): (),  # a request, or its refusal: nothing changed
    ("retention", "proposed"): ("appraisal",),
    ("retention", "approved"): ("appraisal",),
    ("retention", "rejected"): ("appraisal",),
    ("retention", "pulled"): ("appraisal",),
    ("retention", "retention_recomputed"): ("appraisal",),
    ("retention", "hold_placed"): ("policy assignment",),
    ("retention", "hold_released"): ("policy assignment",),
    ("retention", "fixity_failed"): ("fixity check",),
    ("retention", "fixity_restored"): ("fixity check",),
    ("retention", "transferred"): ("transfer",),
    ("retention", "disposed"): ("deletion",),
    ("retention", "erased"): ("deletion",),
    ("retention", "recalled"): ("deletion",),  # an incoming document its sender recalled
    ("retention", "*"): ("metadata modification",),  # filed, file closed, file delivered
    ("handling", "*"): (),  # the office's work on a letter, not on the object
}
FALLBACK: tuple[str, ...] = ("metadata modification",)


def event_types(stage: str, action: str) -> tuple[str, ...]:
    """The LoC terms a history entry is exported as (see `AUDIT_EVENTS`)."""
    found = AUDIT_EVENTS.get((stage, action))
    return found if found is not None else AUDIT_EVENTS.get((stage, "*"), FALLBACK)


def _el(parent: etree._Element, name: str, text: Any = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{NS}}}{name}", attrs)
    if text is not None:
        node.text = str(text)
    return node


def _identifier(parent: etree._Element, kind: str, id_type: str, value: str) -> None:
    node = _el(parent, kind)
    _el(node, f"{kind}Type", id_type)
    _el(node, f"{kind}Value", value)


def _event(
    root: etree._Element, record_id: str, event: Mapping[str, Any], agents: dict[str, str]
) -> None:
    node = _el(root, "event")
    _identifier(node, "eventIdentifier", "luutru event", event["id"])
    code = LOC_EVENT_TYPES[event["type"]]
    _el(
        node,
        "eventType",
        event["type"],
        authority="eventType",
        authorityURI=EVENT_TYPE_SCHEME,
        valueURI=f"{EVENT_TYPE_SCHEME}/{code}",
    )
    _el(node, "eventDateTime", event["at"])
    _el(_el(node, "eventDetailInformation"), "eventDetail", event["detail"])
    outcome = _el(node, "eventOutcomeInformation")
    _el(outcome, "eventOutcome", event["outcome"])
    if event.get("note"):
        _el(_el(outcome, "eventOutcomeDetail"), "eventOutcomeDetailNote", event["note"])
    for agent, role in event["agents"]:
        link = _el(node, "linkingAgentIdentifier")
        _el(link, "linkingAgentIdentifierType", "luutru agent")
        _el(link, "linkingAgentIdentifierValue", agent)
        _el(link, "linkingAgentRole", role)
        agents.setdefault(agent, "person" if agent.startswith("person:") else "software")
    link = _el(node, "linkingObjectIdentifier")
    _el(link, "linkingObjectIdentifierType", "luutru record")
    _el(link, "linkingObjectIdentifierValue", record_id)


def _object(root: etree._Element, record: Mapping[str, Any], events: list[dict]) -> None:
    node = _el(root, "object", **{f"{{{XSI}}}type": "file"})
    _identifier(node, "objectIdentifier", "luutru record", record["id"])
    traits = _el(node, "objectCharacteristics")
    _el(traits, "compositionLevel", 0)
    fixity = _el(traits, "fixity")
    _el(
        fixity,
        "messageDigestAlgorithm",
        "SHA-256",
        authority="cryptographicHashFunctions",
        authorityURI=HASH_SCHEME,
        valueURI=f"{HASH_SCHEME}/sha256",
    )
    _el(fixity, "messageDigest", record["sha256"])
    _el(traits, "size", record["size"])
    _el(_el(_el(traits, "format"), "formatDesignation"), "formatName", record["media_type"])
    _el(node, "originalName", record["file_name"])
    for event in events:
        _identifier(node, "linkingEventIdentifier", "luutru event", event["id"])


def _agent(root: etree._Element, agent: str, kind: str) -> None:
    node = _el(root, "agent")
    _identifier(node, "agentIdentifier", "luutru agent", agent)
    _el(node, "agentName", agent.removeprefix("person:"))
    _el(node, "agentType", kind, authority="agentType", authorityURI=AGENT_TYPE_SCHEME)


def _note(detail: Any) -> str | None:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None


def _history_events(history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for h in history:
        detail = h.get("detail") or {}
        agents = [(f"luutru/{h['stage']}", "executing program")]
        if isinstance(detail, dict) and isinstance(detail.get("by"), str):
            agents.append((f"person:{detail['by']}", "implementer"))
        for n, kind in enumerate(event_types(h["stage"], h["action"])):
            found.append(
                {
                    "id": f"history-{h['seq']}" + (f"-{n}" if n else ""),
                    "type": kind,
                    "at": h["at"],
                    "detail": f"{h['stage']}: {h['action']}",
                    "outcome": "failure" if h["action"] in ("failed", "rejected") else "success",
                    "note": _note(detail),
                    "agents": agents,
                }
            )
    return found


def _fixity_events(checks: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"fixity-{c['seq']}",
            "type": "fixity check",
            "at": c["at"],
            "detail": f"SHA-256 of {c['object_key']}",
            "outcome": "pass" if c["ok"] else "fail",
            "note": _note({"expected": c["expected"], "actual": c["actual"]}),
            "agents": [("luutru/retention", "executing program")],
        }
        for c in checks
    ]


def transfer_event(
    batch: Mapping[str, Any], bag_name: str, destination: str, at: str
) -> dict[str, Any]:
    """The transfer itself: the approved batch written as a bag for `destination`."""
    approvers = [a["by"] for a in batch.get("approvals") or [] if isinstance(a, dict)]
    return {
        "id": f"transfer-{batch['id']}",
        "type": "transfer",
        "at": at,
        "detail": f"BagIt {bag_name} → {destination} (nộp lưu)",
        "outcome": "success",
        "note": _note({"batch": batch["id"], "destination": destination}),
        "agents": [("luutru/retention", "executing program")]
        + [(f"person:{name}", "authorizer") for name in approvers],
    }


def premis_xml(
    record: Mapping[str, Any],
    history: Iterable[Mapping[str, Any]],
    fixity: Iterable[Mapping[str, Any]],
    transfer: Mapping[str, Any] | None = None,
) -> bytes:
    """The record's PREMIS 3 document: one file object, its events in time order, agents."""
    events = _history_events(history) + _fixity_events(fixity)
    if transfer:
        events.append(dict(transfer))
    events.sort(key=lambda e: e["at"])
    root = etree.Element(f"{{{NS}}}premis", {"version": "3.0"}, nsmap={None: NS, "xsi": XSI})
    _object(root, record, events)
    agents: dict[str, str] = {}
    for event in events:
        _event(root, record["id"], event, agents)
    for agent, kind in agents.items():
        _agent(root, agent, kind)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
