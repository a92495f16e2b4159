"""premis.xml: PREMIS 3 that validates against the Library of Congress schema (vendored in
schemas/premis/, read offline), with LoC eventType terms and their valueURIs, and one mapping
table from audit-trail actions to those terms."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from services.retention import premis

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
NS = {"p": premis.NS}
# The LoC eventType scheme's terms as published (label -> code), for the ones used here.
LOC = {
    "accession": "acc", "appraisal": "app", "creation": "cre", "decryption": "der",
    "deletion": "del", "fixity check": "fix", "format identification": "for",
    "ingestion": "ing", "message digest calculation": "mes", "metadata extraction": "mee",
    "metadata modification": "mem", "packing": "pac", "policy assignment": "poa",
    "redaction": "red", "transfer": "tra", "validation": "val",
}  # fmt: skip


def schema() -> etree.XMLSchema:
    # no network: the 3.0 schema imports nothing, and the parser may not fetch anything
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(ROOT / "schemas/premis/premis.xsd"), parser))


RECORD = {
    "id": "rec-1", "file_name": "công văn.pdf", "media_type": "application/pdf",
    "size": 1234, "sha256": "ab" * 32,
}  # fmt: skip
HISTORY = [
    {"seq": 1, "at": "2026-01-02T08:00:00.000+07:00", "stage": "ingest", "action": "received",
     "detail": {"file": "công văn.pdf"}},
    {"seq": 2, "at": "2026-01-02T08:00:01.000+07:00", "stage": "ocr", "action": "ocr_started",
     "detail": None},
    {"seq": 3, "at": "2026-01-02T08:00:09.000+07:00", "stage": "ocr",
     "action": "text_extracted", "detail": {"pages": 1}},
    {"seq": 4, "at": "2026-01-02T08:00:10.000+07:00", "stage": "classification",
     "action": "classified", "detail": None},
    {"seq": 5, "at": "2026-01-02T08:00:11.000+07:00", "stage": "registers",
     "action": "petitioner_stored", "detail": {"sealed": True}},
    {"seq": 6, "at": "2026-02-01T09:00:00.000+07:00", "stage": "secrecy",
     "action": "declassified", "detail": {"fields": ["declassification"]}},
    {"seq": 7, "at": "2031-01-01T09:00:00.000+07:00", "stage": "retention",
     "action": "approved", "detail": {"by": "lan"}},
    {"seq": 8, "at": "2031-01-01T09:00:01.000+07:00", "stage": "indexing",
     "action": "indexed", "detail": None},
]  # fmt: skip
FIXITY = [
    {"seq": 1, "at": "2027-01-01T00:00:00.000+07:00", "object_key": "originals/ab",
     "expected": "ab" * 32, "actual": "ab" * 32, "ok": True},
]  # fmt: skip


def document() -> etree._Element:
    batch = {"id": "b1", "approvals": [{"by": "lan"}, {"by": "minh"}]}
    transfer = premis.transfer_event(
        batch, "nop-luu-b1", "Lưu trữ lịch sử", "2031-01-02T10:00:00.000+07:00"
    )
    return etree.fromstring(premis.premis_xml(RECORD, HISTORY, FIXITY, transfer))


def test_premis_xml_validates_against_the_premis_3_schema():
    xsd = schema()
    assert xsd.validate(etree.ElementTree(document())), xsd.error_log


def test_a_broken_document_does_not_validate():
    root = document()
    root.remove(root.find("p:object", NS))  # a PREMIS document needs an object
    assert not schema().validate(etree.ElementTree(root))


def test_every_term_is_the_locs_with_its_value_uri():
    assert {k: LOC[k] for k in premis.LOC_EVENT_TYPES} == premis.LOC_EVENT_TYPES
    for node in document().iterfind("p:event/p:eventType", NS):
        assert node.get("valueURI") == f"{premis.EVENT_TYPE_SCHEME}/{LOC[node.text]}"
        assert node.get("authorityURI") == premis.EVENT_TYPE_SCHEME


def test_the_mapping_table_uses_only_loc_terms():
    used = {t for terms in premis.AUDIT_EVENTS.values() for t in terms} | set(premis.FALLBACK)
    assert used <= set(premis.LOC_EVENT_TYPES)


@pytest.mark.parametrize(
    ("stage", "action", "terms"),
    [
        ("ingest", "received", ("ingestion", "message digest calculation")),
        ("ocr", "text_extracted", ("creation",)),
        ("classification", "classified", ("metadata extraction",)),
        ("registers", "petitioner_stored", ("redaction",)),
        ("retention", "proposed", ("appraisal",)),
        ("retention", "transferred", ("transfer",)),
        ("retention", "disposed", ("deletion",)),
        ("retention", "fixity_failed", ("fixity check",)),
        ("secrecy", "declassified", ("policy assignment",)),
        ("secrecy", "lowering_requested", ()),
        ("indexing", "indexed", ()),
        ("handling", "task_created", ()),
        ("someone", "new", premis.FALLBACK),
    ],
)
def test_audit_actions_map_to_their_terms(stage, action, terms):
    assert premis.event_types(stage, action) == terms


def test_events_agents_and_the_object_link_each_other():
    root = document()
    types = [e.text for e in root.iterfind("p:event/p:eventType", NS)]
    assert types == [
        "ingestion",
        "message digest calculation",
        "creation",
        "metadata extraction",
        "redaction",
        "policy assignment",
        "fixity check",
        "appraisal",
        "transfer",
    ]  # fmt: skip  (time order; ocr_started and indexed are no preservation events)
    event_ids = [
        e.text for e in root.iterfind("p:event/p:eventIdentifier/p:eventIdentifierValue", NS)
    ]
    linked = [e.text for e in root.iterfind(".//p:linkingEventIdentifierValue", NS)]
    assert linked == event_ids
    agents = {a.text for a in root.iterfind("p:agent/p:agentIdentifier/p:agentIdentifierValue", NS)}
    used = {a.text for a in root.iterfind(".//p:linkingAgentIdentifierValue", NS)}
    assert used == agents and {"person:lan", "person:minh", "luutru/ingest"} <= agents
    digest = root.find("p:object/p:objectCharacteristics/p:fixity/p:messageDigest", NS)
    assert digest.text == RECORD["sha256"]
