"""No service log holds a state secret's content or a denouncer's identity, on the real stack.

Invariant: whatever a Tối mật record or a sealed tố cáo goes through — the upload and the hot
folder, the scan lane (Tesseract) and the text lane, classification, indexing, searches (the
portal's and odd ones), reads refused to a reader below its clearance, accepted and refused
corrections, a lowering asked, tasks given and refused, a retention run, a failing file and
its reprocess, an invalid event and a handler that gives up (dead-lettered), an RPC failing
on a value Python quotes, the dead letters and the audit trail read — no line of any
service's log, nor of supervisord's or of `deploy/run.sh`'s output, holds the record's trích
yếu, a sentence of its text, the writer's name, address or phone, or the letter's file name:
as typed, without diacritics, lowercased, URL-encoded or JSON-escaped (the logs are JSON
lines, `\\uXXXX` for every non-ASCII letter). Logs carry ids, field names and rules.

The stack is this module's own, so its logs hold only what this module did; the last test
stops it, so every service has written and flushed all it would, shutdown included.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus

import pika
import pytest

from services.common import events, vntext
from services.common.rpc_client import RemoteCallError
from tests.e2e.conftest import stop
from tests.e2e.stacks import own_stack, rpc
from tests.fixtures import hostile
from tests.fixtures.documents import born_digital_pdf, render_page

pytestmark = pytest.mark.e2e

TOKEN = uuid.uuid4().hex[:6]  # an ASCII word in every secret string: found however it is escaped
SUBJECT = f"Về phương án bảo vệ kho vũ khí Hòn Khô số {TOKEN}1"
SENTENCE = f"Lực lượng dự bị tập kết tại bãi Xuân Đài, mật khẩu liên lạc {TOKEN}2."
NEW_SUBJECT = f"Về phương án di dời kho Hòn Khô đợt {TOKEN}3"
SCANNED_SUBJECT = f"Về tuyến tuần tra đảo Cù Lao Xanh mã {TOKEN}4"
SECRET = [
    "TỐI MẬT",
    "BỘ CHỈ HUY QUÂN SỰ TỈNH BÌNH ĐỊNH",
    "Số: 12/KH-BCH",
    "Bình Định, ngày 05 tháng 01 năm 2026",
    "KẾ HOẠCH",
    SUBJECT,
    SENTENCE,
    "Các đơn vị triển khai thực hiện nghiêm túc kế hoạch này.",
]
BROKEN = f"Phương án sơ tán kho Hòn Khô khi có lệnh {TOKEN}6"  # in a file that fails
SCANNED = [
    "TỐI MẬT",
    "BỘ CHỈ HUY QUÂN SỰ TỈNH BÌNH ĐỊNH",
    "Số: 13/KH-BCH",
    "KẾ HOẠCH",
    SCANNED_SUBJECT,
    "Các đơn vị triển khai thực hiện.",
]
WRITER = "TRƯƠNG KHẮC NGHĨA"
ADDRESS = "thôn Vĩnh Thạnh Đông, xã Phước Quang"
PHONE = f"0913 {int(TOKEN, 16) % 1000:03d} 274"
LETTER_FILE = "don-to-cao-truong-khac-nghia.txt"
LETTER = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ĐƠN TỐ CÁO",
    "(V/v ông Trương Khắc Nghĩa tố cáo cán bộ tư pháp xã)",
    "Kính gửi: Ủy ban Kiểm tra Huyện ủy Tuy Phước",
    f"Tôi là ông {WRITER}, sinh năm 1958, trú tại {ADDRESS}, huyện Tuy Phước,",
    f"điện thoại {PHONE}.",
    f"Tôi tố cáo ông Lê Văn Tạc, cán bộ tư pháp xã, nhận tiền của dân (mã {TOKEN}5).",
    "Tuy Phước, ngày 12 tháng 3 năm 2026",
    "Người tố cáo",
    "Trương Khắc Nghĩa",
]
SECRETS = [
    TOKEN,
    SUBJECT,
    SENTENCE,
    NEW_SUBJECT,
    SCANNED_SUBJECT,
    BROKEN,
    "kho vũ khí Hòn Khô",
    "sơ tán kho",
    "bãi Xuân Đài",
    "Cù Lao Xanh",
    WRITER,
    "Trương Khắc Nghĩa",
    ADDRESS,
    "Vĩnh Thạnh Đông",
    PHONE,
    PHONE.replace(" ", ""),
    LETTER_FILE,
    "truong-khac-nghia",
]


def forms(secret: str) -> set[str]:
    """The ways a log could print `secret`: as is, folded (no diacritics, lowercase), URL- and
    JSON-escaped (JSON lines are also decoded before looking, see `log_texts`)."""
    folded = vntext.fold(secret)
    found = {secret, secret.lower(), folded, folded.replace(" ", "-"), folded.replace(" ", "+")}
    found |= {quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]}
    return {f for f in found if f}


def log_texts(path: Path) -> str:
    """A log file as written, plus every JSON line's values decoded (`\\u1ed1` → `ố`)."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    decoded = []
    for line in raw.splitlines():
        try:
            decoded.append(json.dumps(json.loads(line), ensure_ascii=False))
        except ValueError:
            continue
    return raw + "\n" + "\n".join(decoded)


def leaks(text: str) -> list[tuple[str, str]]:
    """(secret, the form found) for every secret some form of which is in `text`."""
    lowered = text.lower()
    return [
        (secret, form)
        for secret in SECRETS
        for form in sorted(forms(secret))
        if form in text or form.lower() in lowered
    ]


def test_the_log_scan_finds_a_secret_however_it_is_written(tmp_path):
    """The scan itself: a JSON log line with the subject escaped, a folded name, a query string."""
    samples = {
        "json": json.dumps({"message": f"metadata {{'subject': {SUBJECT!r}}}"}),
        "folded": "writer truong khac nghia",
        "url": f'"GET /api/search?q={quote_plus("kho vũ khí Hòn Khô")} HTTP/1.1" 200',
        "clean": json.dumps({"message": "record 1f2e corrected: subject (rule)"}),
    }
    found = {}
    for name, line in samples.items():
        path = tmp_path / f"{name}.log"
        path.write_text(line + "\n")
        found[name] = bool(leaks(log_texts(path)))
    assert found == {"json": True, "folded": True, "url": True, "clean": False}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with own_stack(tmp_path_factory, "logs") as s:
        yield s


def ingested(stack, name: str, data: bytes, register: str = "den", **fields: str) -> dict:
    response = stack.post(
        "/api/records", files={"file": (name, data)}, data={"register": register, **fields}
    )
    assert response.status_code == 202, response.text
    record = stack.wait_final(response.json()["id"], timeout=300)
    assert record["status"] == "indexed", record
    return record


def publish(stack, queue: str, body: dict) -> None:
    """A message straight onto a handler queue, as a faulty or older publisher would send it."""
    connection = pika.BlockingConnection(pika.URLParameters(stack.env["LUUTRU_AMQP_URI"]))
    try:
        json_body = pika.BasicProperties(content_type="application/json", delivery_mode=2)
        connection.channel().basic_publish("", queue, json.dumps(body).encode(), json_body)
    finally:
        connection.close()


def dead_letters(stack, count: int) -> list[dict]:
    """The dead letters once there are `count` (the handlers gave up on the messages)."""
    for _ in range(600):
        listed = stack.cli_json("dlq", "list")
        if len(listed) >= count:
            return listed
        time.sleep(0.5)
    raise AssertionError("the handlers did not dead-letter the messages")


@pytest.fixture(scope="module")
def scene(stack) -> dict:
    """Every path that logs, driven with the secrets: what each answered."""
    reader = stack.user("lg_reader0", "reader", 0)
    clerk = stack.user("lg_clerk", "clerk", 0)
    officer = stack.user("lg_officer", "petition_officer", 1)  # Mật: sees the writer
    secret = ingested(stack, "ke-hoach-12.pdf", born_digital_pdf([SECRET]), secrecy="toi_mat")
    assert secret["metadata"]["secrecy"] == "toi_mat"
    assert TOKEN in secret["metadata"]["subject"]
    scanned = ingested(stack, "ke-hoach-13.png", render_page(SCANNED, dpi=300))
    assert scanned["metadata"]["secrecy"] == "toi_mat"
    letter = ingested(stack, LETTER_FILE, "\n".join(LETTER).encode(), register="don")
    ids = {"secret": secret["id"], "scanned": scanned["id"], "letter": letter["id"]}
    # the scanner's hot folder, the letter dropped in it under its writer's name
    inbox = stack.data / "inbox" / "don"
    (inbox / LETTER_FILE).write_text("\n".join([*LETTER, "Bản chụp."]), encoding="utf-8")
    for _ in range(600):
        if (inbox / "done" / LETTER_FILE).exists():
            break
        time.sleep(0.5)
    assert (inbox / "done" / LETTER_FILE).exists()
    answers: dict[str, int] = {}

    # searches: the portal's, a reader's (finds nothing), odd ones (syntax, bad paging)
    for name, session in (("admin", stack.http), ("reader", reader), ("clerk", clerk)):
        for query in (TOKEN, "kho vũ khí Hòn Khô", "truong khac nghia", f'"{SUBJECT} (', "a:["):
            got = session.get(f"{stack.url}/api/search", params={"q": query}, timeout=30)
            answers[f"search {name} {query}"] = got.status_code
        bad = {"q": SUBJECT, "size": SUBJECT, "page": WRITER, "from": SENTENCE, "sort": WRITER}
        answers[f"search {name} bad"] = session.get(
            f"{stack.url}/api/search", params=bad, timeout=30
        ).status_code
        assert session.get(f"{stack.url}/", params={"q": SUBJECT}, timeout=30).status_code == 200
    found = stack.get("/api/search", params={"q": TOKEN}).json()
    assert {ids["secret"], ids["letter"]} <= {h["id"] for h in found["hits"]}

    # reads: refused below the clearance, the letter's text masked for a clerk
    for kind in ("secret", "scanned"):
        base = f"/api/records/{ids[kind]}"
        for path in (base, f"{base}/text", f"/records/{ids[kind]}", f"{base}/similar"):
            assert reader.get(stack.url + path, timeout=30).status_code == 404, path
        in_text = reader.get(f"{stack.url}{base}/search", params={"q": SENTENCE}, timeout=30)
        assert in_text.status_code == 404
        assert stack.get(f"{base}/search", params={"q": "Xuân Đài"}).status_code == 200
        assert stack.get(f"{base}/text").status_code == 200
        assert stack.get(f"/records/{ids[kind]}").status_code == 200
    for typed in (WRITER, SUBJECT):  # text typed where an id belongs
        for path in (f"/api/records/{typed}", f"/api/records/{typed}/text"):
            assert reader.get(stack.url + path, timeout=30).status_code == 404, path
    letter_text = clerk.get(f"{stack.url}/api/records/{ids['letter']}/text", timeout=30)
    assert letter_text.status_code == 200 and "Nghĩa" not in letter_text.text
    who = officer.get(f"{stack.url}/api/records/{ids['letter']}/petitioner", timeout=30)
    assert who.json()["name"] == WRITER
    assert clerk.get(f"{stack.url}/records/{ids['letter']}", timeout=30).status_code == 200

    # corrections: accepted, refused (a trích yếu pasted into a date, a name in a count), hidden
    accepted = stack.patch_record(ids["secret"], {"subject": NEW_SUBJECT})
    assert accepted.status_code == 200, accepted.text
    refused = {
        "date": stack.patch_record(ids["secret"], {"issued_date": SUBJECT}),
        "urgency": stack.patch_record(ids["secret"], {"urgency": SENTENCE}),
        "long": stack.patch_record(ids["secret"], {"subject": SENTENCE * 40}),
        "kind": stack.patch_record(ids["secret"], {"kind": NEW_SUBJECT}),
        "field": stack.patch_record(ids["secret"], {SUBJECT: "x"}),
        "extensions": stack.patch_record(ids["letter"], {"petition.extensions": WRITER}),
        "recipients": stack.patch_record(ids["letter"], {"recipients": {"a": ADDRESS}}),
    }
    for name, response in refused.items():
        assert response.status_code == 400, (name, response.text)
    hidden = reader.patch(
        f"{stack.url}/api/records/{ids['secret']}", json={"subject": SUBJECT}, timeout=30
    )
    assert hidden.status_code in (403, 404)
    lowering = stack.patch_record(ids["secret"], {"secrecy": "mat"})
    assert lowering.status_code in (200, 202), lowering.text

    # tasks: one assigned with a note, refused ones (a trích yếu as the due date, a writer's name
    # as the assignee, someone below the clearance)
    tasks = f"/api/records/{ids['secret']}/tasks"
    made = stack.post(tasks, json={"to": "quan_tri", "note": SENTENCE, "due": "2027-01-05"})
    assert made.status_code in (200, 201), made.text
    for body in ({"to": "quan_tri", "due": SUBJECT}, {"to": WRITER}, {"to": "lg_clerk"}):
        assert 400 <= stack.post(tasks, json=body).status_code < 500, body
    [run] = stack.cli_json("retention", "run", "--as-of", "2100-01-01")
    assert run["batches"], run

    # a file refused at intake (its bytes hold the secret); a scan that fails in the ocr stage
    # (its pixels cut short), reprocessed; a reprocess refused
    refused = stack.post(
        "/api/records",
        files={"file": ("ke-hoach-14.pdf", b"%PDF-1.4\n1 0 obj (" + BROKEN.encode() + b") bad")},
        data={"register": "den", "secrecy": "toi_mat"},
    )
    assert refused.status_code == 400, refused.text
    upload = stack.post(
        "/api/records",
        files={"file": ("ke-hoach-15.png", hostile.truncated_png(SCANNED))},
        data={"register": "den", "secrecy": "toi_mat"},
    )
    assert upload.status_code == 202, upload.text
    ids["broken"] = upload.json()["id"]
    assert stack.wait_final(ids["broken"])["status"] == "failed"
    stack.cli("reprocess", ids["broken"])
    assert stack.wait_final(ids["broken"])["status"] == "failed"
    refused_again = stack.cli("reprocess", ids["letter"], check=False)
    assert refused_again.returncode != 0

    # an invalid event carrying metadata, a handler that gives up
    queue = "evt-classification-record.classified--indexing.on_record_classified"
    old = {"subject": SUBJECT, "file_name": LETTER_FILE, "petitioner": WRITER}
    publish(stack, queue, {"record_id": ids["secret"], "metadata": old, "bad": SENTENCE})
    unknown = events.new_event(
        events.RECORD_CLASSIFIED, str(uuid.uuid4()), sha256="0" * 64, text_keys=["text/x"]
    )
    publish(stack, queue, {**unknown, "metadata": old})  # the handler fails: no such record
    letters = dead_letters(stack, 2)
    for letter_row in letters:
        stack.cli("dlq", "show", letter_row["id"])
    assert stack.get("/ops").status_code == 200

    # an RPC that fails on a value Python quotes (int("…")), straight from an operator's script
    with pytest.raises(RemoteCallError):
        rpc(stack, "indexing", "similar", ids["secret"], 3, SUBJECT, attempts=1)

    # recalls quoting the secret: refused for a letter (the writer as the reason) and below the
    # clearance, then the secret incoming document destroyed at its sender's recall
    recall = {"reason": SENTENCE, "decision": f"{NEW_SUBJECT} 12"}
    letter_recall = stack.post(
        f"/api/records/{ids['letter']}/recall", json={**recall, "reason": WRITER}
    )
    assert letter_recall.status_code == 400, letter_recall.text
    below = clerk.post(f"{stack.url}/api/records/{ids['secret']}/recall", json=recall, timeout=30)
    assert below.status_code == 404
    recalled = stack.post(f"/api/records/{ids['secret']}/recall", json=recall)
    assert recalled.status_code == 200, recalled.text

    # the audit trail
    stack.cli("audit", "verify")
    stack.cli("audit", "export")
    return {"ids": ids, "answers": answers}


def test_every_path_was_driven(scene):
    assert all(code < 500 for code in scene["answers"].values()), scene["answers"]
    assert scene["answers"][f"search reader {TOKEN}"] == 200


def test_no_service_log_holds_a_secret_or_a_denouncers_identity(stack, scene, tmp_path_factory):
    stop(stack.process, stack.env)  # every service flushed and gone: the logs are complete
    logs = sorted((stack.data / "logs").glob("*.log"))
    logs.append(tmp_path_factory.getbasetemp() / "logs-stack.log")
    names = {path.name for path in logs}
    services = ("ocr", "classification", "indexing", "retention", "handling", "ingest", "gateway")
    assert {f"{s}.log" for s in services} <= names, names
    found = {}
    for path in logs:
        text = log_texts(path)
        assert scene["ids"]["secret"] in text or path.name != "classification.log"
        if hit := leaks(text):
            lines = [ln for ln in text.splitlines() if any(f in ln for _, f in hit)]
            found[path.name] = (hit[:5], lines[:3])
    assert found == {}
