"""Hidden records change nothing a caller below their clearance gets, on every route without a
record id: lists, desks, books, numbers, statistics, tasks, hồ sơ pages, exports (CSV, XLSX,
PDF, DOCX), saved searches, retention pages, /ops, the API's list and aggregate endpoints.

The stack is this module's own. Ordinary material first — incoming and outgoing documents
(one numbered), a denunciation letter (its writer sealed), a hồ sơ holding records, a task, a
hold, a destruction batch with a dossier step and its scan, a saved search per user — and every
GET route listed in `CRAWL` is called by a user of each role at clearance thường (0). Then a
clerk cleared for Tối mật adds hidden material touching the same lists: a Tối mật incoming
document filed in the same hồ sơ, held and given a task, a Tối mật outgoing document numbered at
upload, a Mật denunciation letter naming another writer, a second retention run and the saved
searches' check. The crawl is repeated: every body (an export's text) must equal the first one
after `normalised` (only what changes between two identical requests), both crawls on one of
Vietnam's days (`one_office_day`: a day-counting value — a petition's days left, a hồ sơ's
days to nộp lưu — differs across its midnight, 17:00 UTC), and none may hold the
hidden material's words, numbers, ids or either writer's name. Equality catches what a word
search cannot: counts, facets, totals, statistics, numbering. The same calls by the Tuyệt mật
admin must change (`REACHED`): the material did reach those lists.

What equality cannot see, because visible data must change to show it, is probed after the
crawl: a record registered after the hidden ones leaves no gap in the numbers of a book read
below their clearance (the petitions book too: a letter declared Mật is numbered in the
petitions' secret book), and a visible task answered
with a hidden document names nothing of its reply.

tests/unit/test_hidden_records_guard.py holds `CRAWL` complete: every GET route of the gateway
without a record id in its path is crawled here or named in `UNCRAWLED` with why.
"""

from __future__ import annotations

import base64
import csv
import difflib
import io
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pypdfium2
import pytest
import requests
from docx import Document

from services.common import clock
from tests.fixtures.documents import born_digital_pdf

SHARED = "cv" + uuid.uuid4().hex[:8]  # in every document: the saved searches' word
HIDDEN = "bm" + uuid.uuid4().hex[:8]  # only in the hidden documents
HIDDEN_NUMBER = "9137"  # the hidden incoming report's printed number
WRITER = "Lương Thị Diễm Hạnh"  # the visible letter's writer: sealed from every caller here
HIDDEN_WRITER = "Tôn Nữ Thanh Huyền"  # the Mật letter's writer
YEAR = 2026  # the documents' year, the hồ sơ's (fixed: the stack's day is Vietnam's, not ours)
FILE_CODE = "HS." + SHARED  # open: the hidden report joins it
CLOSED_CODE = "KT." + SHARED  # closed before the hidden material, due for nộp lưu
DELIVERED_CODE = "GN." + SHARED  # closed and delivered (nộp lưu)
HANDOVER = {"file": f"{YEAR}/{DELIVERED_CODE}"}  # its biên bản giao nhận
FAR = "2100-01-01"  # every record's retention is due by then
WIDE = {"from": "2000-01-01", "to": "2100-12-31"}  # a period holding everything
WIDE_VN = {"from": "01/01/2000", "to": "31/12/2100"}  # the same, as the portal's forms type it
ROLES = {
    "reader0": "reader",
    "clerk0": "clerk",
    "archivist0": "archivist",
    "officer0": "petition_officer",
    "admin0": "admin",
}
STEPS = (
    "proposal",
    "council_decision",
    "council_minutes",
    "appraisal",
    "head_decision",
    "handover",
)
BOOK_FORMATS = ("csv", "xlsx", "pdf")

# (path, query) of every call. Placeholders filled from the seeded material: {batch} the
# destruction batch, {hoso} the hồ sơ ("YEAR/CODE"), {entry} the visible outgoing number.
CRAWL: list[tuple[str, dict[str, str]]] = [
    # search and the portal's pages
    ("/", {}),
    ("/", {"q": SHARED}),
    ("/", {"q": SHARED, "register": "don"}),
    ("/api/search", {"q": SHARED, "size": "100"}),
    ("/api/search", {"q": SHARED, "secrecy": "toi_mat"}),  # a filter on the hidden level
    ("/api/search", {"q": SHARED + "x"}),  # near matches ("fuzzy")
    *[("/api/search/export", {"q": SHARED, "format": f}) for f in ("csv", "xlsx", "pdf", "docx")],
    ("/login", {}),
    ("/upload", {}),
    ("/check", {}),
    ("/searches", {}),
    ("/api/saved-searches", {}),
    # registers: books and numbers
    ("/registers/books", WIDE),
    *[
        (f"/api/registers/{register}/book", {**WIDE, "format": f})
        for register in ("den", "di")
        for f in BOOK_FORMATS
    ],
    *[
        (f"/api/registers/{r}/book", {**WIDE, "format": "csv", "secret": "1"})
        for r in ("den", "di")
    ],
    *[
        ("/registers/books/export", {**WIDE_VN, "register": register, "format": f})
        for register in ("den", "di")
        for f in BOOK_FORMATS
    ],
    ("/registers/numbers", {}),
    ("/api/registers/numbers", {}),
    ("/api/registers/numbers/{entry}", {}),
    # petitions
    ("/petitions", {}),
    ("/petitions", {"overdue": "1"}),
    *[("/api/petitions/book", {**WIDE, "format": f}) for f in BOOK_FORMATS],
    ("/api/petitions/book", {**WIDE, "format": "csv", "secret": "1"}),
    # handling: tasks, statistics, the follow-up book
    ("/tasks", {"status": "all"}),
    ("/api/tasks", {"status": "all"}),
    ("/api/tasks/badge", {}),
    ("/tasks/badge.js", {}),
    *[("/api/tasks/book", {**WIDE, "format": f}) for f in BOOK_FORMATS],
    ("/stats", WIDE),
    ("/api/stats", WIDE),
    *[("/api/stats/export", {**WIDE, "format": f}) for f in ("csv", "xlsx")],
    # hồ sơ
    ("/hoso", {"year": str(YEAR)}),
    ("/hoso/{hoso}", {}),
    ("/api/hoso", {"year": str(YEAR)}),
    *[("/api/hoso", {"year": str(YEAR), "format": f}) for f in ("pdf", "xlsx")],
    ("/api/hoso/{hoso}", {}),
    *[("/api/hoso/{hoso}", {"format": f}) for f in ("pdf", "xlsx")],
    ("/api/hoso/delivery-soon", {"as_of": FAR}),
    ("/api/hoso/handover", HANDOVER),
    *[("/api/hoso/handover", {**HANDOVER, "format": f}) for f in ("pdf", "xlsx")],
    # retention
    ("/retention", {"as_of": "01/01/2100"}),
    ("/retention/batches/{batch}", {}),
    ("/api/retention/batches", {}),
    ("/api/retention/batches/{batch}", {}),
    ("/api/retention/batches/{batch}/dossier", {}),
    *[(f"/api/retention/batches/{{batch}}/dossier/{step}/form", {}) for step in STEPS],
    ("/api/retention/batches/{batch}/dossier/proposal/scan", {}),
    ("/api/retention/holds", {}),
    ("/api/retention/transfers/withheld", {"as_of": FAR}),
    # operations and the rest
    ("/ops", {}),
    ("/healthz", {}),
    ("/api/openapi.json", {}),
    ("/api/", {}),
    ("/api/khong-co-duong-nay", {}),
    *[(f"/static/{name}", {}) for name in ("portal.css", "upload.js", "find.js")],
]
# Crawled, but their bodies may differ for reasons other than the hidden records; only the
# absence of the hidden material's words is checked there.
UNEQUAL = {
    # The services' liveness, asked anew on each call: a slow answer reads "down" for a moment.
    "/healthz": "each service's ping, answered live",
}
# GET routes without a record id that are not crawled at all, with why.
UNCRAWLED: dict[str, str] = {}


# --- what changes between two identical requests -------------------------------------------

NORMALISE = [
    # A fresh CSRF token per session in every form of a page.
    (re.compile(r'name="csrf" value="[^"]*"'), 'name="csrf" value="…"'),
    # When the saved searches were last checked: the check after the hidden material (`luutru
    # searches notify`, run to see whether it names hidden records) is a new check.
    (re.compile(r'"checked_at": "[^"]*"'), '"checked_at": …'),
    # The same check time as the saved searches page writes it (minutes: equal unless the
    # minute turned between the crawls).
    (re.compile(r"<td>\d\d/\d\d/\d{4} \d\d:\d\d</td>"), "<td>…</td>"),
    # How long the search took, in the API's answer and on the search page.
    (re.compile(r'"took_ms": ?\d+(\.\d+)?'), '"took_ms": …'),
    (re.compile(r'(<strong id="total">\d+</strong> [^(<]*)\(\d+ ms\)'), r"\1(… ms)"),
]


def normalised(text: str) -> str:
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return text


# --- reading a body ----------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        f"{sheet.title}: " + "\t".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


READERS = {
    "application/pdf": pdf_text,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": xlsx_text,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": docx_text,
}


def body(response: requests.Response) -> str:
    """The status, and what a person reads of the body (an export's text)."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    read = READERS.get(kind) if response.status_code == 200 else None
    text = read(response.content) if read else response.text
    return f"{response.status_code}\n{text}"


# --- the stack and its material ------------------------------------------------------------


def report(number: int, words: str) -> bytes:
    lines = [
        "TỈNH ỦY BÌNH ĐỊNH",
        f"Số {number}-BC/TU",
        "Quy Nhơn, ngày 10 tháng 11 năm 2026",
        "BÁO CÁO",
        f"về công tác kiểm tra {SHARED}",
        words,
    ]
    return born_digital_pdf([lines])


def letter(writer: str, accused: str) -> bytes:
    return born_digital_pdf(
        [
            [
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "ĐƠN TỐ CÁO",
                "Kính gửi: Ủy ban kiểm tra Tỉnh ủy Bình Định",
                f"Tôi tên là {writer}, sinh năm 1968,",
                "trú tại thôn An Hòa, xã Nhơn Hậu, thị xã An Nhơn.",
                f"Tôi tố cáo ông {accused}, cán bộ xã, về việc {SHARED}.",
                "Người tố cáo",
                writer,
            ]
        ]
    )


@dataclass
class Scene:
    url: str
    people: dict[str, requests.Session]
    values: dict[str, str]  # the placeholders' values
    hidden: list[str]  # words, numbers and ids that no body may hold
    secret: dict[str, str]  # the hidden documents' ids by register
    first: dict[tuple[str, str], str]  # (user, call) -> body before the hidden material
    second: dict[tuple[str, str], str]  # the same after it


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from tests.e2e.stacks import own_stack  # here: tests/unit/test_hidden_records_guard imports us

    with own_stack(tmp_path_factory, "hidden-crawl") as s:
        yield s


def uploaded(session: requests.Session, url: str, name: str, data: bytes, **form: str) -> dict:
    response = session.post(f"{url}/api/records", files={"file": (name, data)}, data=form)
    assert response.status_code == 202, response.text
    return response.json()


def settled(stack, ids: list[str]) -> list[dict]:
    """Each record once indexed with its retention class (retention handles classification
    beside indexing: "indexed" alone does not mean a batch or a hồ sơ can take it)."""
    deadline, done = time.monotonic() + 300, {}
    while len(done) < len(ids) and time.monotonic() < deadline:
        for record_id in set(ids) - set(done):
            record = stack.record(record_id)
            assert record["status"] not in ("failed", "rejected"), record
            if record["status"] == "indexed" and record["metadata"].get("retention"):
                done[record_id] = record
        time.sleep(0.5)
    assert len(done) == len(ids), f"not settled in time: {set(ids) - set(done)}"
    return [done[i] for i in ids]


def call(stack, path: str, expected: int, **kwargs) -> dict:
    response = stack.post(path, **kwargs)
    assert response.status_code == expected, (path, response.text)
    return response.json()


def seed_visible(stack, people: dict[str, requests.Session]) -> dict[str, str]:
    """The ordinary material; the placeholders' values."""
    admin = stack.http
    made = [
        uploaded(admin, stack.url, "den-1.pdf", report(21, "Nội dung kiểm tra thứ nhất.")),
        uploaded(admin, stack.url, "den-2.pdf", report(22, "Nội dung kiểm tra thứ hai.")),
        uploaded(admin, stack.url, "di-1.pdf", report(23, "Thông báo kết quả."), register="di",
                 kind="thong_bao"),
        uploaded(admin, stack.url, "don-1.pdf", letter(WRITER, "Hồ Văn Tám"), register="don"),
    ]  # fmt: skip
    den1, den2, di1, don1 = settled(stack, [m["id"] for m in made])
    assert don1["metadata"]["kind"] == "don_to_cao", don1["metadata"]
    entry = next(n for n in numbers(stack) if n["record_id"] == di1["id"])
    seed_files(stack, {FILE_CODE: den1["id"], CLOSED_CODE: den2["id"], DELIVERED_CODE: di1["id"]})
    call(stack, f"/api/records/{den1['id']}/tasks", 201, json={"to": "tt_reader0"})
    batch = destruction_batch(stack, people["archivist3"])
    call(stack, "/api/retention/holds", 201, json={"ids": [den2["id"]], "reason": "Thanh tra"})
    for name in ROLES:
        saved = {"name": "Theo dõi kiểm tra", "q": SHARED, "notify": True}
        made = people[name].post(f"{stack.url}/api/saved-searches", json=saved)
        assert made.status_code == 201, made.text
    stack.cli("searches", "notify")
    return {"batch": batch, "hoso": f"{YEAR}/{FILE_CODE}", "entry": str(entry["id"])}


def seed_files(stack, holding: dict[str, str]) -> None:
    """Three hồ sơ, a record in each: one open (the hidden report joins it later), one closed
    (due for nộp lưu: the delivery list's row), one closed and delivered (the biên bản's)."""
    for code, record_id in holding.items():
        body = {"code": code, "title": f"Hồ sơ {code}", "year": YEAR, "retention": 5}
        call(stack, "/api/hoso", 201, json=body)
        call(stack, f"/api/hoso/{YEAR}/{code}/records", 200, json={"ids": [record_id]})
    for code in (CLOSED_CODE, DELIVERED_CODE):
        call(stack, f"/api/hoso/{YEAR}/{code}/close", 200, json={})
    stack.cli("files", "deliver", f"{YEAR}/{DELIVERED_CODE}")


def numbers(stack) -> list[dict]:
    response = stack.get("/api/registers/numbers")
    assert response.status_code == 200, response.text
    return response.json()["numbers"]


def destruction_batch(stack, archivist: requests.Session) -> str:
    """The batch of the visible records due by FAR, with its proposal recorded (and scanned)."""
    [run] = stack.cli_json("retention", "run", "--as-of", FAR)
    batch = next(b["id"] for b in run["batches"] if b["action"] == "destroy")
    proposal = {"step": "proposal", "data": {"note": "Đề nghị hủy"}, "scan_b64": scan()}
    dossier = archivist.post(f"{stack.url}/api/retention/batches/{batch}/dossier", json=proposal)
    assert dossier.status_code == 201, dossier.text
    return batch


def scan() -> str:
    paper = born_digital_pdf([["DANH MỤC TÀI LIỆU ĐỀ NGHỊ HỦY", "Đã ký"]])
    return base64.b64encode(paper).decode()


def seed_hidden(stack, people: dict[str, requests.Session]) -> tuple[list[str], dict[str, str]]:
    """The hidden material, by a clerk cleared for Tối mật: what no body may show, and the
    hidden documents' ids by register."""
    clerk = people["clerk2"]
    secret_words = f"Nội dung {HIDDEN} về nhân sự {SHARED}."
    made = [
        uploaded(clerk, stack.url, "mat-den.pdf", report(int(HIDDEN_NUMBER), secret_words),
                 secrecy="toi_mat"),
        uploaded(clerk, stack.url, "mat-di.pdf", report(24, secret_words), register="di",
                 secrecy="toi_mat", kind="quyet_dinh"),
        uploaded(clerk, stack.url, "mat-don.pdf", letter(HIDDEN_WRITER, HIDDEN), register="don",
                 secrecy="mat"),
    ]  # fmt: skip
    den, di, don = settled(stack, [m["id"] for m in made])
    assert den["metadata"]["secrecy"] == di["metadata"]["secrecy"] == "toi_mat"
    assert don["metadata"]["secrecy"] == "mat" and don["metadata"]["kind"] == "don_to_cao"
    assert made[1].get("symbol"), made[1]  # numbered at upload
    call(stack, f"/api/hoso/{YEAR}/{FILE_CODE}/records", 200, json={"ids": [den["id"]]})
    call(stack, f"/api/records/{den['id']}/tasks", 201, json={"to": "tt_clerk2"})
    call(stack, "/api/retention/holds", 201, json={"ids": [di["id"]], "reason": "Điều tra"})
    stack.cli_json("retention", "run", "--as-of", FAR)  # a batch of hidden records only
    stack.cli("searches", "notify")
    ids = {"den": den["id"], "di": di["id"], "don": don["id"]}
    # the outgoing one's symbol: no visible document is a quyết định, so nothing else has it
    shown = [HIDDEN, HIDDEN_WRITER, WRITER, f"{HIDDEN_NUMBER}-BC", made[1]["symbol"]]
    return [*shown, *ids.values()], ids


def url_of(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def key(path: str, query: dict[str, str]) -> str:
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def crawl(url: str, people: dict[str, requests.Session], values: dict[str, str]) -> dict:
    """Every call of `CRAWL` by each user at clearance thường, and by the Tuyệt mật admin."""
    return {
        (name, key(path, query)): body(
            people[name].get(url + url_of(path, values), params=query, timeout=120)
        )
        for name in (*ROLES, "admin3")
        for path, query in CRAWL
    }


def keep(base: Path, crawled: dict[tuple[str, str], str], which: str) -> None:
    """The bodies as files (`<basetemp>/hidden-crawl-bodies/`), to read a failure by."""
    for (name, called), text in crawled.items():
        safe = re.sub(r"[^\w.=-]+", "_", called)[:150]
        (base / f"{name}{safe}.{which}.txt").write_text(text)


# The longest the scene takes from the first crawl's start to the second's end: two crawls
# of a minute or so and the hidden material's upload, whose wait (`settled`) gives up at 300 s.
SCENE_SPAN = timedelta(minutes=15)


def one_office_day(
    span: timedelta,
    now: Callable[[], datetime] = clock.now,
    sleep: Callable[[float], None] = time.sleep,
) -> date:
    """The office's day (Vietnam's, as the services count days) that holds the next `span`
    whole: today, or — when its midnight comes sooner — tomorrow, after sleeping past that
    midnight. Both crawls then read every day-counting value on the same day."""
    start = now().astimezone(clock.OFFICE_TZ)
    midnight = datetime.combine(start.date() + timedelta(days=1), datetime.min.time(),
                                clock.OFFICE_TZ)  # fmt: skip
    if midnight - start < span:
        sleep((midnight - start).total_seconds() + 1)
    return now().astimezone(clock.OFFICE_TZ).date()


@pytest.fixture(scope="module")
def scene(stack, tmp_path_factory) -> Scene:
    people = {name: stack.user(f"tt_{name}", role, 0) for name, role in ROLES.items()}
    people["clerk2"] = stack.user("tt_clerk2", "clerk", 2)
    people["archivist3"] = stack.user("tt_archivist3", "archivist", 3)
    people["admin3"] = stack.http
    values = seed_visible(stack, people)
    day = one_office_day(SCENE_SPAN)
    first = crawl(stack.url, people, values)
    hidden, secret = seed_hidden(stack, people)
    second = crawl(stack.url, people, values)
    assert clock.today() == day, "the crawls took longer than SCENE_SPAN: not one day's"
    base = tmp_path_factory.getbasetemp() / "hidden-crawl-bodies"
    base.mkdir()
    keep(base, first, "1"), keep(base, second, "2")
    return Scene(stack.url, people, values, hidden, secret, first, second)


CALLS = [(name, key(path, query)) for name in ROLES for path, query in CRAWL]


def diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1)
    return "\n".join(list(lines)[:40])


def call_id(called: tuple[str, str]) -> str:
    """The same test id in every process (xdist's workers each import this module): the
    module's random words named, not spelled."""
    shown = f"{called[0]} {called[1]}"
    return shown.replace(SHARED, "SHARED").replace(HIDDEN, "HIDDEN")


@pytest.mark.parametrize("called", CALLS, ids=call_id)
def test_hidden_records_change_no_body_a_caller_below_clearance_gets(scene, called):
    before, after = scene.first[called], scene.second[called]
    for text in (before, after):  # the visible letter's writer is sealed in both
        assert not [word for word in scene.hidden if word in text], text[:2000]
    if called[1].split("?")[0] in UNEQUAL:
        return
    assert normalised(before) == normalised(after), diff(normalised(before), normalised(after))


def test_the_crawl_reads_what_it_seeded(scene):
    """The control: the bodies hold the visible material, so an equal body proves something
    (exports read as text, lists that list, each role's desks open to it)."""
    first, ids = scene.first, scene.values
    wide = {**WIDE, "format": "pdf"}
    holding = {
        ("reader0", key("/api/search/export", {"q": SHARED, "format": "docx"})): SHARED,
        ("reader0", key("/api/search/export", {"q": SHARED, "format": "pdf"})): SHARED,
        ("clerk0", key("/api/registers/den/book", {**WIDE, "format": "xlsx"})): "22-BC/TU",
        ("clerk0", key("/registers/books/export", {**WIDE_VN, "register": "di", "format": "pdf"})):
            "kiểm tra",
        ("clerk0", "/registers/numbers"): "01-TB/TU",
        ("clerk0", key("/api/tasks/book", wide)): "tt_reader0",
        ("officer0", "/petitions"): "Hồ Văn Tám",
        ("officer0", key("/api/petitions/book", wide)): "Hồ Văn Tám",
        ("reader0", key("/api/hoso", {"year": str(YEAR), "format": "xlsx"})): FILE_CODE,
        ("reader0", key("/api/hoso/delivery-soon", {"as_of": FAR})): CLOSED_CODE,
        ("reader0", key("/api/hoso/handover", {**HANDOVER, "format": "pdf"})): "Tổng số: 1 hồ sơ",
        ("reader0", "/tasks?status=all"): "kiểm tra",
        ("archivist0", "/api/retention/batches"): ids["batch"],
        ("archivist0", "/api/retention/holds"): "Thanh tra",
        ("archivist0", "/retention/batches/{batch}"): "tt_archivist3",
        ("admin0", key("/stats", WIDE)): "tt_reader0",
        ("admin0", "/ops"): "Đã lập chỉ mục",
    }  # fmt: skip
    for called, word in holding.items():
        assert first[called].startswith("200") and word in first[called], called


# Calls whose answer the hidden material enters for a caller cleared for it (the Tuyệt mật
# admin): so an equal answer below clearance is the hiding's, not a list the material missed.
REACHED = [
    ("/", {"q": SHARED}),
    ("/api/search", {"q": SHARED, "size": "100"}),
    ("/api/search", {"q": SHARED, "secrecy": "toi_mat"}),
    *[("/api/search/export", {"q": SHARED, "format": f}) for f in ("csv", "xlsx", "pdf", "docx")],
    *[
        (f"/api/registers/{r}/book", {**WIDE, "format": "csv", "secret": "1"})
        for r in ("den", "di")
    ],
    ("/registers/numbers", {}),
    ("/api/registers/numbers", {}),
    ("/petitions", {}),
    # the Mật letter is numbered in the petitions' secret book, not the ordinary one
    ("/api/petitions/book", {**WIDE, "format": "csv", "secret": "1"}),
    ("/api/tasks", {"status": "all"}),
    *[("/api/tasks/book", {**WIDE, "format": f}) for f in BOOK_FORMATS],
    ("/stats", WIDE),
    ("/api/stats", WIDE),
    *[("/api/stats/export", {**WIDE, "format": f}) for f in ("csv", "xlsx")],
    ("/hoso", {"year": str(YEAR)}),
    ("/hoso/{hoso}", {}),
    ("/api/hoso", {"year": str(YEAR)}),
    ("/api/hoso/{hoso}", {}),
    *[("/api/hoso/{hoso}", {"format": f}) for f in ("pdf", "xlsx")],
    ("/retention", {"as_of": "01/01/2100"}),
    ("/api/retention/batches", {}),
    ("/api/retention/holds", {}),
    ("/ops", {}),
]


def test_the_hidden_material_enters_the_lists_of_a_caller_cleared_for_it(scene):
    unchanged = [
        called
        for called in (key(path, query) for path, query in REACHED)
        if normalised(scene.first[("admin3", called)])
        == normalised(scene.second[("admin3", called)])
    ]
    assert not unchanged


def book_numbers(session: requests.Session, url: str, path: str) -> list[int]:
    """The registry numbers (số đến, số thứ tự) of a book's rows, as CSV over the whole period."""
    response = session.get(url + path, params={**WIDE, "format": "csv"}, timeout=120)
    assert response.status_code == 200, response.text
    header, *rows = csv.reader(response.content.decode("utf-8-sig").splitlines())
    column = next(i for i, name in enumerate(header) if name in ("Số đến", "Số thứ tự"))
    return [int(row[column]) for row in rows if row]


# A visible record registered after the hidden ones, and the book a caller below their
# clearance reads: (register, the record, the caller, the book).
AFTER = {
    "den": (lambda: report(25, "Nội dung kiểm tra thứ ba."), "clerk0", "/api/registers/den/book"),
    "di": (lambda: report(26, "Thông báo bổ sung."), "clerk0", "/api/registers/di/book"),
    "don": (lambda: letter("Mai Văn Lộc", "Chu Văn An"), "officer0", "/api/petitions/book"),
}


@pytest.fixture(scope="module")
def later(stack, scene) -> dict[str, str]:
    """Visible records registered after the hidden ones and the crawl (uploaded at once, one
    wait): one per register of `AFTER`, and an incoming one to be answered ("reply")."""
    made = {
        register: uploaded(stack.http, stack.url, f"sau-{register}.pdf", make(), register=register)
        for register, (make, _, _) in AFTER.items()
    }
    made["reply"] = uploaded(stack.http, stack.url, "tra-loi.pdf", report(27, "Đề nghị trả lời."))
    ids = {name: record["id"] for name, record in made.items()}
    settled(stack, list(ids.values()))
    return ids


@pytest.mark.parametrize("register", list(AFTER))
def test_a_record_registered_after_hidden_ones_leaves_no_gap_below_clearance(
    stack, scene, later, register
):
    """What equality cannot see until the next visible record: its number follows the last
    visible one (a declared secret document or letter is numbered in a book of its own)."""
    _, name, book = AFTER[register]
    numbers = book_numbers(scene.people[name], stack.url, book)
    assert numbers == list(range(1, len(numbers) + 1)), numbers


def test_a_visible_task_answered_by_a_hidden_record_names_nothing_of_it(stack, scene, later):
    """A task on a visible record, finished by a clerk cleared for Tối mật with the hidden
    outgoing document as its reply: the task lists, the phiếu giải quyết and the sổ theo dõi
    of a clerk below that clearance show the task done, nothing of its reply."""
    record = later["reply"]
    task = call(stack, f"/api/records/{record}/tasks", 201, json={"to": "tt_clerk2"})
    done = {"result": "Đã trả lời bằng văn bản", "reply": scene.secret["di"]}
    answered = scene.people["clerk2"].post(
        f"{stack.url}/api/tasks/{task['task']['id']}/done", json=done, timeout=60
    )
    assert answered.status_code == 200, answered.text
    clerk = scene.people["clerk0"]
    read = {
        key(path, query): body(clerk.get(stack.url + path, params=query, timeout=120))
        for path, query in [
            ("/api/tasks", {"status": "all"}),
            (f"/api/records/{record}/handling", {}),
            (f"/records/{record}/handling", {}),
            *[("/api/tasks/book", {**WIDE, "format": f}) for f in BOOK_FORMATS],
        ]
    }
    assert all(text.startswith("200") for text in read.values()), read
    assert "Đã trả lời bằng văn bản" in read["/api/tasks?status=all"]  # there, done
    leaked = {path: [w for w in scene.hidden if w in text] for path, text in read.items()}
    assert not any(leaked.values()), leaked
