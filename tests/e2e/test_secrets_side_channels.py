"""Side channels on the real stack: a caller below a record's clearance learns
nothing of it — not through search scores or "similar", `duplicate_of`, retention batches,
pulls, holds and their counts, `DELETE /api/records/{id}`, nor the operations page and its
dead letters.

The stack is this module's own (started as `make run` does) with `LUUTRU_SECRECY_CEILING=3`
set explicitly, so Mật documents are accepted whatever the installation default, and no other
module's records enter its batches. Four notices: two open ones (`open1`, `open2`), then one
Mật (`secret`), then an open one with the Mật one's số/ký hiệu (`copy`, a suspected duplicate).
"""

from __future__ import annotations

import json
import re
import time
import uuid

import pika
import pytest
import requests

from services.common.topology import DEAD_LETTER_QUEUE
from services.retention.errors import NEEDS_CLEARANCE
from tests.e2e.stacks import own_stack
from tests.fixtures.documents import born_digital_pdf

MARKER = "kt" + uuid.uuid4().hex[:8]  # one word only the searched notices hold
FAR = "2100-01-01"  # every notice (10 years, destroy) is due by then


def notice(number: int, words: str, secret: bool = False) -> bytes:
    lines = [
        *(["MẬT"] if secret else []),
        "ỦY BAN NHÂN DÂN TỈNH BÌNH ĐỊNH",
        f"Số: {number}/TB-UBND",
        "Bình Định, ngày 05 tháng 01 năm 2024",
        "THÔNG BÁO",
        "Lịch tiếp công dân tháng 01 năm 2024",
        words,
    ]
    return born_digital_pdf([lines])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with own_stack(tmp_path_factory, "side-channels") as s:
        yield s


@pytest.fixture(scope="module")
def people(stack) -> dict[str, requests.Session]:
    return {
        "reader0": stack.user("doc_gia0", "reader", 0),
        "archivist0": stack.user("luu_tru0", "archivist", 0),
        "admin0": stack.user("quan_tri0", "admin", 0),
    }


def settled(stack, response: requests.Response) -> dict:
    """The record once indexed with its retention class (what every test here needs)."""
    assert response.status_code == 202, response.text
    record_id = response.json()["id"]
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        record = stack.record(record_id)
        if record["status"] == "indexed" and record["metadata"].get("retention"):
            return record
        assert record["status"] not in ("failed", "rejected"), record
        time.sleep(0.5)
    raise AssertionError(f"not indexed in time: {record}")


def answers(session: requests.Session, stack, record_id: str) -> dict:
    """What a caller gets from search and "similar" (timings left out)."""
    found = session.get(f"{stack.url}/api/search", params={"q": MARKER}, timeout=30).json()
    similar = session.get(f"{stack.url}/api/records/{record_id}/similar", timeout=30).json()
    for result in (found, similar):
        result.pop("took_ms", None)
    return {"search": found, "similar": similar}


@pytest.fixture(scope="module")
def scene(stack, people) -> dict:
    """The four notices, and the reader's search/similar answers before and after the Mật one."""
    # The same length; `open1` holds the word twice, so it ranks first by its own text.
    words = {41: f"Nội dung {MARKER} {MARKER} tiếp dân.", 42: f"Nội dung {MARKER} về tiếp dân."}
    opened = [
        settled(stack, stack.upload(f"tb-{n}.pdf", notice(n, text))) for n, text in words.items()
    ]
    before = answers(people["reader0"], stack, opened[0]["id"])
    secret_words = " ".join([MARKER] * 40) + " tiếp dân"
    secret = settled(stack, stack.upload("mat.pdf", notice(43, secret_words, secret=True)))
    assert secret["metadata"]["secrecy"] == "mat", secret["metadata"]
    after = answers(people["reader0"], stack, opened[0]["id"])
    copy = settled(stack, stack.upload("ban-sao.pdf", notice(43, "Bản sao gửi các phòng.")))
    assert copy["metadata"]["duplicate_of"] == secret["id"], copy["metadata"]
    return {
        "open1": opened[0],
        "open2": opened[1],
        "secret": secret,
        "copy": copy,
        "before": before,
        "after": after,
    }


def secret_free(text: str) -> bool:
    """No count or level in a refusal: digits would tell how many, or how secret."""
    return not any(ch.isdigit() for ch in text)


def same_answer(hidden: requests.Response, unknown: requests.Response, ids: tuple[str, str]):
    """Status and body identical once each names its own id (an unknown id is echoed too)."""
    assert hidden.status_code == unknown.status_code, (hidden.text, unknown.text)
    assert hidden.text.replace(ids[0], "?") == unknown.text.replace(ids[1], "?")


# --- search ------------------------------------------------------------------------------


def test_search_scores_and_similar_are_the_same_whether_or_not_a_hidden_record_exists(scene):
    assert scene["after"] == scene["before"]
    assert scene["secret"]["id"] not in json.dumps(scene["after"])
    hits = scene["after"]["search"]["hits"]
    assert [(h["id"], h["score"]) for h in hits] == [
        (scene["open1"]["id"], 1.0),
        (scene["open2"]["id"], 0.5),
    ]


def test_totals_and_facets_count_only_visible_records(stack, scene, people):
    seen = people["reader0"].get(f"{stack.url}/api/search", params={"q": MARKER}).json()
    everything = stack.get("/api/search", params={"q": MARKER}).json()
    assert (seen["total"], everything["total"]) == (2, 3)
    assert seen["facets"]["type"] == {"thong_bao": 2}
    assert everything["facets"]["type"] == {"thong_bao": 3}


# --- duplicate_of --------------------------------------------------------------------------


def test_duplicate_of_never_names_a_record_the_caller_cannot_see(stack, scene, people):
    copy, secret = scene["copy"]["id"], scene["secret"]["id"]
    reader = people["reader0"]
    record = reader.get(f"{stack.url}/api/records/{copy}", timeout=30)
    assert record.status_code == 200
    assert "duplicate_of" not in record.json()["metadata"]
    assert secret not in record.text and "duplicate_suspected" not in record.text
    page = reader.get(f"{stack.url}/records/{copy}", timeout=30)
    assert page.status_code == 200 and secret not in page.text
    assert stack.record(copy)["metadata"]["duplicate_of"] == secret  # cleared callers see it


# --- retention -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(stack, scene) -> dict:
    [run] = stack.cli_json("retention", "run", "--as-of", FAR)
    [destroy] = [b["id"] for b in run["batches"] if b["action"] == "destroy"]
    [shown] = stack.cli_json("retention", "show", destroy)
    ids = {scene[k]["id"] for k in ("open1", "open2", "secret", "copy")}
    assert set(shown["records"]) == ids, shown
    return shown


def test_a_batch_shows_a_low_clearance_archivist_only_what_they_may_see(
    stack, scene, batch, people
):
    archivist, secret = people["archivist0"], scene["secret"]["id"]
    visible = sorted(scene[k]["id"] for k in ("open1", "open2", "copy"))
    listed = archivist.get(f"{stack.url}/api/retention/batches", timeout=30)
    [row] = [b for b in listed.json()["batches"] if b["id"] == batch["id"]]
    assert row["records"] == 3
    shown = archivist.get(f"{stack.url}/api/retention/batches/{batch['id']}", timeout=30)
    assert sorted(shown.json()["records"]) == visible
    assert "hidden" not in shown.json() and secret not in shown.text
    for path in ("/retention", f"/retention/batches/{batch['id']}"):
        page = archivist.get(stack.url + path, timeout=30)
        assert page.status_code == 200 and secret not in page.text
        assert "(4)" not in page.text


def test_pulling_a_hidden_record_answers_like_an_unknown_id(stack, scene, batch, people):
    url = f"{stack.url}/api/retention/batches/{batch['id']}/pull"
    secret, unknown = scene["secret"]["id"], str(uuid.uuid4())
    hidden = people["archivist0"].post(url, json={"id": secret, "reason": "Còn giá trị"})
    missing = people["archivist0"].post(url, json={"id": unknown, "reason": "Còn giá trị"})
    same_answer(hidden, missing, (secret, unknown))
    [after] = stack.cli_json("retention", "show", batch["id"])
    assert secret in after["records"]  # nothing was pulled


def test_approving_over_hidden_records_needs_someone_cleared_and_says_no_more(
    stack, scene, batch, people
):
    url = f"{stack.url}/api/retention/batches/{batch['id']}/approve"
    refused = people["archivist0"].post(url, timeout=60)
    assert refused.status_code == 403
    assert refused.json()["error"] == NEEDS_CLEARANCE
    # Named with `--as` on the server's CLI, the same archivist is refused by the service.
    named = stack.cli("retention", "approve", batch["id"], "--as", "luu_tru0", check=False)
    assert named.returncode != 0 and "độ mật" in named.stderr and secret_free(named.stderr)
    [after] = stack.cli_json("retention", "show", batch["id"])
    assert after["approvals"] == [] and after["status"] == "pending"


def test_deleting_a_hidden_record_answers_exactly_like_an_unknown_id(stack, scene, people):
    secret, unknown = scene["secret"]["id"], str(uuid.uuid4())
    archivist = people["archivist0"]
    hidden = archivist.delete(f"{stack.url}/api/records/{secret}", timeout=60)
    missing = archivist.delete(f"{stack.url}/api/records/{unknown}", timeout=60)
    assert hidden.status_code == 404
    same_answer(hidden, missing, (secret, unknown))


def test_holds_show_count_and_release_only_within_the_archivists_clearance(stack, scene, people):
    secret, open1 = scene["secret"]["id"], scene["open1"]["id"]
    [mixed] = stack.cli_json("hold", "add", "--ids", f"{secret},{open1}", "--reason", "Thanh tra")
    [hidden] = stack.cli_json("hold", "add", "--ids", secret, "--reason", "Điều tra")
    archivist = people["archivist0"]
    listed = archivist.get(f"{stack.url}/api/retention/holds", timeout=30)
    assert [(h["id"], h["records"]) for h in listed.json()["holds"]] == [(mixed["hold"], 1)]
    assert hidden["hold"] not in listed.text and secret not in listed.text
    page = archivist.get(f"{stack.url}/retention", timeout=30)
    assert hidden["hold"] not in page.text and secret not in page.text

    unknown = str(uuid.uuid4())
    missing = archivist.post(f"{stack.url}/api/retention/holds/{unknown}/release")
    for hold in (mixed["hold"], hidden["hold"]):
        refused = archivist.post(f"{stack.url}/api/retention/holds/{hold}/release")
        assert refused.status_code == 404
        same_answer(refused, missing, (hold, unknown))
    assert {h["id"] for h in stack.cli_json("hold", "list", "--active")[0]["holds"]} >= {
        mixed["hold"],
        hidden["hold"],
    }
    for hold in (mixed["hold"], hidden["hold"]):  # someone cleared may lift them
        assert stack.post(f"/api/retention/holds/{hold}/release").status_code == 200


def test_a_hold_by_query_reaches_only_visible_records(stack, scene, people):
    url = f"{stack.url}/api/retention/holds"
    made = people["archivist0"].post(url, json={"query": MARKER, "reason": "Kiểm tra"})
    assert made.status_code == 201, made.text
    assert sorted(made.json()["records"]) == sorted([scene["open1"]["id"], scene["open2"]["id"]])
    released = people["archivist0"].post(f"{url}/{made.json()['hold']}/release")
    assert released.status_code == 200 and scene["secret"]["id"] not in released.text


def test_rejecting_a_batch_answers_only_what_the_archivist_sees(stack, scene, batch, people):
    url = f"{stack.url}/api/retention/batches/{batch['id']}/reject"
    rejected = people["archivist0"].post(url, json={"reason": "Cần thẩm định lại"}, timeout=60)
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert scene["secret"]["id"] not in rejected.text


# --- operations ----------------------------------------------------------------------------


def dead_letter(stack, record_id: str) -> None:
    """A dead-lettered event naming `record_id`, as a handler that gave up leaves it."""
    connection = pika.BlockingConnection(pika.URLParameters(stack.env["LUUTRU_AMQP_URI"]))
    try:
        body = {"event_id": str(uuid.uuid4()), "record_id": record_id, "schema_version": 1}
        connection.channel().basic_publish("", DEAD_LETTER_QUEUE, json.dumps(body).encode())
    finally:
        connection.close()


def indexed_count(page: str) -> int:
    return int(re.search(r'data-status="indexed">(\d+)<', page).group(1))


def test_ops_shows_hidden_records_only_to_those_cleared(stack, scene, people):
    secret, open1 = scene["secret"]["id"], scene["open1"]["id"]
    dead_letter(stack, secret)
    dead_letter(stack, open1)
    low = people["admin0"].get(f"{stack.url}/ops", timeout=60)
    high = stack.get("/ops")
    assert low.status_code == high.status_code == 200
    assert open1 in low.text and secret not in low.text
    assert secret in high.text
    assert indexed_count(low.text) == indexed_count(high.text) - 1
