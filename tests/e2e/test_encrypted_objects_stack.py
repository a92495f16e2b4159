"""Encryption at rest on the real stack (`deploy/run.sh` with LUUTRU_OBJECT_KEY_FILE): a scan
taken through intake, OCR, classification and indexing leaves only ciphertext in
`$LUUTRU_DATA/objects` — no byte run of the scan, of its PDF/A copy or of its page text — and
still searches, reads and downloads as it would unencrypted."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest

from services.common.encrypted_objects import MAGIC
from services.common.objects import original_key
from tests.fixtures.documents import SAMPLE_STATE_PAGE, render_page


@pytest.fixture(scope="module")
def stack(private_stack):
    """The stack whose objects are encrypted (tests/e2e/conftest.py)."""
    return private_stack


@pytest.fixture(scope="module")
def scan(stack) -> dict:
    data = render_page(SAMPLE_STATE_PAGE, dpi=300)
    response = stack.upload("quyet-dinh-15.png", data)
    assert response.status_code == 202, response.text
    record = stack.wait_final(response.json()["id"])
    assert record["status"] == "indexed", record["error"]
    return {"record": record, "data": data}


def stored_objects(stack) -> dict[str, bytes]:
    root = stack.data / "objects"
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".tmp-")
    }


def runs_of(data: bytes, size: int = 48) -> list[bytes]:
    """A few byte runs from the start, middle and end of `data`."""
    return [data[at : at + size] for at in (0, len(data) // 2, len(data) - size)]


def test_the_record_reads_searches_and_downloads_as_before(stack, scan):
    record_id = scan["record"]["id"]
    assert scan["record"]["sha256"] == hashlib.sha256(scan["data"]).hexdigest()
    assert stack.get(f"/api/records/{record_id}/files/original").content == scan["data"]
    assert stack.get(f"/api/records/{record_id}/files/pdfa").content.startswith(b"%PDF")
    text = stack.get(f"/api/records/{record_id}/text").json()["pages"][0]["text"]
    assert "QUYẾT ĐỊNH" in text
    hits = stack.get("/api/search", params={"q": "danh muc ho so nam 2024"}).json()["hits"]
    assert record_id in [hit["id"] for hit in hits]


def test_every_stored_object_is_ciphertext_and_holds_nothing_of_the_record(stack, scan):
    record_id = scan["record"]["id"]
    objects = stored_objects(stack)
    mine = [key for key in objects if record_id in key]
    assert original_key(scan["record"]["sha256"]) in objects  # still content-addressed
    assert mine, "the record's page text and PDF/A copy are stored"
    assert all(data.startswith(MAGIC) for data in objects.values())
    access = stack.get(f"/api/records/{record_id}/files/pdfa").content
    pages = stack.get(f"/api/records/{record_id}/text").json()["pages"]
    words = [unicodedata.normalize("NFC", line) for line in pages[0]["text"].splitlines()]
    secrets = [
        *runs_of(scan["data"]),
        *runs_of(access),
        b"%PDF",
        *(line.encode() for line in words if len(line) >= 12),
    ]
    assert len(secrets) > 8
    found = [(key, s[:16]) for key, data in objects.items() for s in secrets if s in data]
    assert found == []


def test_converting_a_store_already_encrypted_changes_nothing(stack, scan):
    before = stored_objects(stack)
    [summary] = stack.cli_json("objects", "encrypt")
    assert summary["failed"] == [] and summary["encrypted"] == summary["reencrypted"] == 0
    assert summary["current"] == summary["objects"] >= len(before)
    assert {k: v for k, v in stored_objects(stack).items() if k in before} == before
