"""At LUUTRU_LOG_LEVEL=DEBUG, still no log holds a state secret's content or a denouncer's
identity, on the real stack.

An operator investigating an incident turns DEBUG on. At DEBUG the libraries under the services
print what they carry: nameko the body of every RPC reply (a record's metadata, its trích yếu),
pika and kombu frames and callbacks, urllib3/botocore/elastic_transport request lines and
bodies. The shared log setup lets below INFO only luutru's own lines and nameko's worker
lifecycle through (`services.common.logs.BelowInfoOnlyFrom`).

One stack of its own at DEBUG, driven along the paths that carry values: a Tối mật upload
(HTTP, text layer: no scan needed) and a sealed tố cáo through OCR, classification and
indexing; searches; the records read (RPC replies holding the metadata); an accepted and a
refused correction of the trích yếu; an RPC failing on a value Python quotes. Then every log
is read for the secrets in every spelling, as tests/e2e/test_secrets_in_logs.py does.
"""

from __future__ import annotations

import json

import pytest

from services.common.rpc_client import RemoteCallError
from tests.e2e.conftest import stop
from tests.e2e.stacks import own_stack, rpc
from tests.e2e.test_secrets_in_logs import (
    LETTER,
    LETTER_FILE,
    NEW_SUBJECT,
    SECRET,
    SENTENCE,
    SUBJECT,
    TOKEN,
    ingested,
    leaks,
    log_texts,
)
from tests.fixtures.documents import born_digital_pdf

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with own_stack(tmp_path_factory, "debuglogs", LUUTRU_LOG_LEVEL="DEBUG") as s:
        yield s


@pytest.fixture(scope="module")
def driven(stack) -> dict[str, str]:
    """The paths that carry a secret's values, driven once: the records' ids."""
    secret = ingested(stack, "ke-hoach-12.pdf", born_digital_pdf([SECRET]), secrecy="toi_mat")
    assert TOKEN in secret["metadata"]["subject"]
    letter = ingested(stack, LETTER_FILE, "\n".join(LETTER).encode(), register="don")
    for query in (TOKEN, "kho vũ khí Hòn Khô", "truong khac nghia"):
        assert stack.get("/api/search", params={"q": query}).status_code == 200
    for record_id in (secret["id"], letter["id"]):
        assert stack.get(f"/api/records/{record_id}/text").status_code == 200
        assert stack.get(f"/records/{record_id}").status_code == 200
    assert stack.get(f"/api/records/{secret['id']}/search", params={"q": "Xuân Đài"}).ok
    accepted = stack.patch_record(secret["id"], {"subject": NEW_SUBJECT})
    assert accepted.status_code == 200, accepted.text
    refused = stack.patch_record(secret["id"], {"issued_date": SUBJECT, "urgency": SENTENCE})
    assert refused.status_code == 400, refused.text
    with pytest.raises(RemoteCallError):
        rpc(stack, "indexing", "similar", secret["id"], 3, SUBJECT, attempts=1)
    return {"secret": secret["id"], "letter": letter["id"]}


def debug_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") == "DEBUG":
            lines.append(entry)
    return lines


def test_no_log_at_debug_holds_a_secret_or_a_denouncers_identity(stack, driven, tmp_path_factory):
    stop(stack.process, stack.env)  # every service flushed and gone: the logs are complete
    logs = sorted((stack.data / "logs").glob("*.log"))
    logs.append(tmp_path_factory.getbasetemp() / "debuglogs-stack.log")
    found, debug = {}, []
    for path in logs:
        text = log_texts(path)
        debug += debug_lines(path.read_text(encoding="utf-8", errors="replace"))
        if hit := leaks(text):
            lines = [ln for ln in text.splitlines() if any(f in ln for _, f in hit)]
            found[path.name] = (hit[:3], lines[:2])
    # DEBUG was on: nameko's worker lifecycle lines are there
    assert any(e["name"].startswith("nameko.") for e in debug), "no DEBUG line at all"
    assert found == {}
