"""Transfer (nộp lưu) on the real stack: a secret record is refused until it is declassified.

A Party resolution stamped MẬT and dated 2024 is still protected (Luật Bảo vệ bí mật nhà nước
2018 Điều 19: 10 years): `retention run` withholds it, naming it. One dated 2010 is past its
period and goes into a batch at once. After a declassification decision (asked by one person,
approved by another) the first one is batched too. Each export's bag validates, every
premis.xml validates against the PREMIS 3 schema, and bag-info names the Party archive. An
archivist cleared below Mật learns nothing of the batch. The portal's retention page lists the
withheld record (level, dates dd/mm/yyyy, link) to an archivist cleared for it, and nothing of
it (no row, no count) to one below; the decision typed in the record page's correction form is
kept in `metadata.declassification` once a second person approves. The stack is shared:
batches are narrowed to this module's records first (tests/e2e/test_retention.py `narrow`).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import bagit
import pytest
from lxml import etree

from services.common.config import Settings
from tests.e2e.test_retention import narrow, wait_retention
from tests.fixtures.documents import born_digital_pdf

pytestmark = pytest.mark.e2e

FAR = "2100-01-01"
ROOT = Path(__file__).resolve().parents[2]
PREMIS = "{http://www.loc.gov/premis/v3}"
PARTY_ARCHIVE = Settings.model_fields["transfer_party_archive"].default
DECISION = "Quyết định số 7-QĐ/TU ngày 01/12/2026 về giải mật"
PORTAL_DECISION = "Quyết định số 9-QĐ/TU ngày 02/12/2026"
PAGE_AS_OF = "01/01/2100"  # the portal's dd/mm/yyyy for FAR


def resolution(number: int, year: int, marker: str) -> bytes:
    """A Party resolution (a permanent record, transferred) stamped MẬT."""
    lines = ["MẬT", "TỈNH ỦY BÌNH ĐỊNH", f"Số {number}-NQ/TU",
             f"Bình Định, ngày 05 tháng 01 năm {year}", "NGHỊ QUYẾT",
             "về công tác bảo vệ bí mật nhà nước", f"Mã kiểm thử {marker}."]  # fmt: skip
    return born_digital_pdf([lines])


@pytest.fixture(scope="module")
def people(stack) -> dict:
    return {
        "clerk": stack.user("tg_clerk", "clerk", 1),
        "archivist": stack.user("tg_archivist", "archivist", 1),
        "archivist0": stack.user("tg_archivist0", "archivist", 0),
    }


@pytest.fixture(scope="module")
def records(stack) -> dict[str, str]:
    marker = uuid.uuid4().hex[:10]
    made = {}
    for name, number, year in (("recent", 61, 2024), ("old", 62, 2010), ("portal", 63, 2024)):
        response = stack.upload(f"{name}.pdf", resolution(number, year, marker + name), "di")
        assert response.status_code == 202, response.text
        record = wait_retention(stack, response.json()["id"])
        assert record["metadata"]["secrecy"] == "mat", record["metadata"]
        assert record["metadata"]["retention"]["action"] == "transfer", record["metadata"]
        made[name] = record["id"]
    return made


def transfer_batch_of(stack, run: dict, record_id: str) -> str:
    for batch in (b for b in run["batches"] if b["action"] == "transfer"):
        [shown] = stack.cli_json("retention", "show", batch["id"])
        if record_id in shown["records"]:
            return batch["id"]
    raise AssertionError(f"{record_id} in no transfer batch: {run}")


@pytest.fixture(scope="module")
def first_run(stack, records) -> dict:
    [run] = stack.cli_json("retention", "run", "--as-of", FAR)
    return run


def export(stack, archivist, batch_id: str, out: Path) -> bagit.Bag:
    approved = archivist.post(f"{stack.url}/api/retention/batches/{batch_id}/approve", timeout=60)
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    [result] = stack.cli_json("transfer", "export", batch_id, "--out", str(out))
    bag = bagit.Bag(result["bag"])
    bag.validate()
    assert bag.info["Destination-Archive"] == PARTY_ARCHIVE == result["destination"]
    return bag


def premis_documents(bag: bagit.Bag) -> list[etree._ElementTree]:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    schema = etree.XMLSchema(etree.parse(str(ROOT / "schemas/premis/premis.xsd"), parser))
    found = [etree.parse(str(p), parser) for p in Path(bag.path).glob("data/*/premis.xml")]
    for doc in found:
        assert schema.validate(doc), schema.error_log
    return found


def test_a_still_secret_record_is_withheld_and_named(first_run, records):
    withheld = {w["id"]: w for w in first_run["withheld"]}
    assert records["recent"] in withheld and records["old"] not in withheld
    assert records["recent"] in withheld[records["recent"]]["reason"]
    assert withheld[records["recent"]]["free_on"] == "2034-01-05"


def test_the_api_lists_withheld_transfers_only_to_those_cleared(stack, records, people):
    url = f"{stack.url}/api/retention/transfers/withheld?as_of={FAR}"
    cleared = people["archivist"].get(url, timeout=60)
    assert cleared.status_code == 200, cleared.text
    [mine] = [w for w in cleared.json()["withheld"] if w["id"] == records["recent"]]
    assert records["recent"] in mine["reason"] and mine["free_on"] == "2034-01-05"
    blind = people["archivist0"].get(url, timeout=60)
    assert blind.status_code == 200 and records["recent"] not in blind.text
    bad = people["archivist"].get(f"{stack.url}/api/retention/transfers/withheld?as_of=x")
    assert bad.status_code == 400


def test_a_caller_below_clearance_learns_nothing_of_the_batch(stack, first_run, records, people):
    batch_id = transfer_batch_of(stack, first_run, records["old"])
    blind, unknown = people["archivist0"], str(uuid.uuid4())
    for path in (f"/api/retention/batches/{batch_id}", f"/api/retention/batches/{unknown}"):
        answer = blind.get(stack.url + path, timeout=30)
        assert answer.status_code == 404 and records["old"] not in answer.text
    approve = blind.post(f"{stack.url}/api/retention/batches/{batch_id}/approve", timeout=30)
    assert approve.status_code == 404 and records["old"] not in approve.text


def test_a_record_past_its_protection_period_exports(stack, first_run, records, people, tmp_path):
    batch_id = transfer_batch_of(stack, first_run, records["old"])
    narrow(stack, batch_id, {records["old"]})
    bag = export(stack, people["archivist"], batch_id, tmp_path)
    [doc] = premis_documents(bag)
    types = [e.text for e in doc.iter(f"{PREMIS}eventType")]
    assert types[0] == "ingestion" and types[-1] == "transfer" and "appraisal" in types
    assert stack.record(records["old"])["status"] == "transferred"


def test_after_declassification_the_record_exports(stack, first_run, records, people, tmp_path):
    url = f"{stack.url}/api/records/{records['recent']}"
    asked = people["clerk"].patch(url, json={"secrecy": "", "secrecy_decision": DECISION})
    assert asked.status_code == 202, asked.text
    assert asked.json()["metadata"]["secrecy_pending"]["decision"] == DECISION
    approved = people["archivist"].post(url + "/secrecy/approve", timeout=60)
    assert approved.status_code == 200, approved.text
    assert approved.json()["metadata"]["declassification"]["decision"] == DECISION

    [run] = stack.cli_json("retention", "run", "--as-of", FAR)
    assert records["recent"] not in {w["id"] for w in run["withheld"]}
    batch_id = transfer_batch_of(stack, run, records["recent"])
    narrow(stack, batch_id, {records["recent"]})
    bag = export(stack, people["archivist"], batch_id, tmp_path)
    [doc] = premis_documents(bag)
    declassified = [
        e
        for e in doc.iter(f"{PREMIS}event")
        if e.findtext(f"{PREMIS}eventDetailInformation/{PREMIS}eventDetail")
        == "secrecy: declassified"
    ]
    assert declassified and declassified[0].findtext(f"{PREMIS}eventType") == "policy assignment"
    assert stack.record(records["recent"])["status"] == "transferred"


def withheld_rows(page: str) -> list[str]:
    """The record ids of the page's "Chờ giải mật trước khi nộp lưu" table."""
    table = re.search(r'<table id="withheld-records">(.*?)</table>', page, re.S)
    return re.findall(r'<a href="/records/([^"]+)">', table.group(1)) if table else []


def test_the_retention_page_lists_withheld_records_only_to_those_cleared(stack, records, people):
    url = f"{stack.url}/retention?as_of={PAGE_AS_OF}"
    page = people["archivist"].get(url, timeout=60)
    assert page.status_code == 200, page.text
    assert "Chờ giải mật trước khi nộp lưu" in page.text
    shown = withheld_rows(page.text)
    assert records["portal"] in shown and records["old"] not in shown
    count = re.search(r'<span id="withheld-count">(\d+)</span>', page.text)
    assert count and int(count.group(1)) == len(shown)
    row = re.search(rf'<tr><td><a href="/records/{records["portal"]}">.*?</tr>', page.text, re.S)
    assert row and all(x in row.group(0) for x in ("Mật", "05/01/2024", "05/01/2034"))

    blind = people["archivist0"].get(url, timeout=60)
    assert blind.status_code == 200 and 'id="withheld-none"' in blind.text
    assert records["portal"] not in blind.text and records["recent"] not in blind.text
    assert 'id="withheld-count"' not in blind.text
    bad = people["archivist"].get(f"{stack.url}/retention?as_of=2100-01-01", timeout=60)
    assert bad.status_code == 400


def test_the_decision_typed_in_the_portal_is_kept_on_approval(stack, records, people):
    record_id = records["portal"]
    form = people["clerk"].get(f"{stack.url}/records/{record_id}", timeout=60)
    assert 'name="secrecy_decision"' in form.text
    asked = people["clerk"].post(
        f"{stack.url}/records/{record_id}/correct",
        data={"secrecy": "", "secrecy_decision": PORTAL_DECISION},
        allow_redirects=False,
        timeout=60,
    )
    assert asked.status_code == 303, asked.text
    assert stack.record(record_id)["metadata"]["secrecy_pending"]["decision"] == PORTAL_DECISION
    pending = people["archivist"].get(f"{stack.url}/records/{record_id}", timeout=60)
    assert PORTAL_DECISION in pending.text and 'id="approve-secrecy"' in pending.text

    approved = people["archivist"].post(
        f"{stack.url}/records/{record_id}/secrecy/approve", allow_redirects=False, timeout=60
    )
    assert approved.status_code == 303, approved.text
    done = stack.record(record_id)["metadata"]["declassification"]
    assert (done["decision"], done["asked_by"], done["approved_by"]) == (
        PORTAL_DECISION,
        "tg_clerk",
        "tg_archivist",
    )
    page = people["archivist"].get(f"{stack.url}/retention?as_of={PAGE_AS_OF}", timeout=60)
    assert record_id not in withheld_rows(page.text)
