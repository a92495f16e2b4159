"""Access rules on every path, on the real stack, with a user of each role and clearance.

Invariants: a record above the caller's clearance is answered exactly like an unknown id (404,
the same body) on every route that takes a record id, in its path or its body (JSON and portal,
reads and writes: `record_paths()` and `ID_ROUTES`, which tests/unit/test_record_id_routes.py
holds complete against the gateway's entrypoints), and the refusal changes nothing of it (its
record, hồ sơ and phiếu giải quyết; a pending hồ sơ suggestion stays pending), while the same
call, by the same caller, for a record they see is answered otherwise (so the 404 is the
hiding's, not the role's or the body's); the portal and the API answer an unknown id alike (one
set of gateway helpers), and it counts nowhere — hits, totals, facet counts, near-match
("fuzzy") results, "more like this"; a denunciation's writer is known only to petition officers
(API, text, page, scan, search index) and each read of it is audited; each role reaches only
its own pages and actions.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from tests.fixtures.documents import born_digital_pdf

MARKER = "mk" + uuid.uuid4().hex[:8]  # one word only this module's documents contain
FILE = f"2026/PA.{MARKER}"  # the open hồ sơ the filing routes name (`open_file`)
LEVELS = {0: None, 1: "MẬT", 2: "TỐI MẬT"}
WRITER = "Phạm Thị Hồng Nhung"
ACCUSED = "Đỗ Văn Khải"
LETTER = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "ĐƠN TỐ CÁO",
    "Kính gửi: Ủy ban kiểm tra Tỉnh ủy Bình Định",
    f"Tôi tên là {WRITER}, sinh năm 1975,",
    "CCCD số 052 175 004 321, trú tại thôn Vĩnh Lợi, xã Phước Sơn, huyện Tuy Phước.",
    f"Tôi tố cáo ông {ACCUSED}, cán bộ xã, đã nhận tiền của dân khi cấp giấy phép.",
    "Người tố cáo",
    WRITER,
]


def document(level: int) -> bytes:
    stamp = [LEVELS[level]] if LEVELS[level] else []
    return born_digital_pdf(
        [
            [
                *stamp,
                "TỈNH ỦY BÌNH ĐỊNH",
                f"Số {10 + level}-BC/TU",
                "BÁO CÁO",
                f"về công tác kiểm tra mức {level}",
                f"Nội dung báo cáo kiểm tra đảng viên, mã {MARKER}.",
            ]
        ]
    )


@pytest.fixture(scope="module")
def files() -> dict[int, bytes]:
    return {level: document(level) for level in LEVELS}


@pytest.fixture(scope="module")
def open_file(stack) -> str:
    """An open hồ sơ whose title shares words with the reports' trích yếu, made before them,
    so that each report is stored with it as its suggested file."""
    year, code = FILE.split("/")
    title = f"Hồ sơ kiểm tra mức {MARKER}"
    body = {"code": code, "title": title, "year": int(year), "retention": 5}
    created = stack.post("/api/hoso", json=body)
    assert created.status_code == 201, created.text
    return FILE


@pytest.fixture(scope="module")
def records(stack, files, open_file) -> dict[int, dict]:
    """One indexed report per secrecy level 0, 1, 2, all containing MARKER, each with a stored
    suggestion of `open_file` (so confirming one would file it)."""
    ids = {
        level: stack.upload(f"bao-cao-{level}.pdf", data).json()["id"]
        for level, data in files.items()
    }
    done = {level: stack.wait_final(record_id) for level, record_id in ids.items()}
    for level, record in done.items():
        assert record["status"] == "indexed", record
        assert record["metadata"]["secrecy"] == [None, "mat", "toi_mat"][level]
        assert suggested_file(stack, record["id"]) == FILE
    return done


def suggested_file(stack, record_id: str, timeout: float = 120) -> str | None:
    """The record's stored suggestion, once retention has handled its classification (which
    it does beside indexing: "indexed" does not mean it is done)."""
    deadline = time.monotonic() + timeout
    while True:
        suggestion = stack.get(f"/api/records/{record_id}/hoso").json()["suggestion"]
        if suggestion or time.monotonic() > deadline:
            return suggestion and suggestion["file"]
        time.sleep(0.5)


@pytest.fixture(scope="module")
def letter(stack) -> dict:
    response = stack.upload("don-to-cao.pdf", born_digital_pdf([LETTER]), register="don")
    record = stack.wait_final(response.json()["id"])
    assert record["status"] == "indexed" and record["metadata"]["kind"] == "don_to_cao", record
    return record


@pytest.fixture(scope="module")
def people(stack) -> dict[str, requests.Session]:
    roles = {
        "reader0": ("reader", 0),
        "reader1": ("reader", 1),
        "reader2": ("reader", 2),
        "clerk0": ("clerk", 0),
        "archivist1": ("archivist", 1),
        "officer1": ("petition_officer", 1),
        "officer0": ("petition_officer", 0),
        "admin1": ("admin", 1),
    }
    made = {
        name: stack.user(f"pa_{name}", role, clearance) for name, (role, clearance) in roles.items()
    }
    made["admin3"] = stack.http
    return made


def record_paths(record_id: str) -> list[str]:
    base = f"/api/records/{record_id}"
    return [
        base,
        f"{base}/text",
        f"{base}/files/original",
        f"{base}/files/pdfa",
        f"{base}/pages/1.png",
        f"{base}/similar",
        f"{base}/petitioner",
        f"{base}/search?q={MARKER}",
    ]


def answer(session: requests.Session, url: str, record_id: str) -> tuple[int, str]:
    response = session.get(url, timeout=30)
    return response.status_code, response.text.replace(record_id, "ID")


def test_every_record_route_answers_a_hidden_record_like_an_unknown_id(stack, records, people):
    hidden, unknown = records[2]["id"], str(uuid.uuid4())
    for name in ("reader0", "reader1", "clerk0", "officer1"):
        session = people[name]
        for path in record_paths(hidden):
            assert answer(session, stack.url + path, hidden) == answer(
                session, stack.url + path.replace(hidden, unknown), unknown
            ), (name, path)
            assert session.get(stack.url + path, timeout=30).status_code == 404
        page = session.get(f"{stack.url}/records/{hidden}", timeout=30)
        assert page.status_code == 404 and records[2]["file"] not in page.text
        patch = session.patch(
            f"{stack.url}/api/records/{hidden}", json={"subject": "x"}, timeout=30
        )
        assert patch.status_code in (403, 404)  # a reader may not correct anything anyway
    cleared = people["reader2"]
    for path in record_paths(hidden)[:3]:
        assert cleared.get(stack.url + path, timeout=30).status_code == 200, path


RECEIVED = {"received": "2026-11-20", "source": "postmark", "reason": "Dấu bưu điện"}
RECEIVED_FORM = {**RECEIVED, "received": "20/11/2026"}
ISSUE = {"record_id": "{id}", "kind": "thong_bao"}
RENUMBER = {"record_id": "{id}", "kind": "ke_hoach", "reason": "Đọc nhầm loại"}
TASK = {"to": "pa_reader0", "note": "Đề nghị xử lý"}
DONE = {"result": "Đã trả lời bằng văn bản", "reply": "{id}"}  # the reply: a record
# No recalling document: an incoming record the caller sees is refused for that (400), after
# its id was checked, so the control test destroys nothing.
RECALL = {"reason": "Cơ quan gửi thu hồi"}
# (caller, method, path, JSON body, form body) of every route that takes a record id, in its
# path or in its body; each caller is below the Tối mật record's clearance, with a role the
# route admits, and each body is one the route would act on for a record the caller sees
# ("{task}": an open task of reader0's, `task`).
# tests/unit/test_record_id_routes.py fails for a gateway route with a record id in its path
# that is neither here nor in `record_paths()`. Not here: pulling a record from a destruction
# batch (needs a batch: tests/e2e/test_secrets_side_channels.py).
ID_ROUTES = [
    # the JSON API (an /api/v1/… path is the same route as its /api/… alias)
    ("reader0", "GET", "/api/v1/records/{id}", None, None),
    ("clerk0", "PATCH", "/api/records/{id}", {"subject": "Sửa trích yếu"}, None),
    ("archivist1", "POST", "/api/records/{id}/secrecy/approve", None, None),
    ("archivist1", "POST", "/api/v1/records/{id}/secrecy/reject", None, None),
    ("archivist1", "DELETE", "/api/records/{id}", None, None),
    ("archivist1", "POST", "/api/retention/holds", {"ids": ["{id}"], "reason": "thử"}, None),
    ("reader0", "GET", "/api/records/{id}/hoso", None, None),
    ("clerk0", "POST", "/api/records/{id}/hoso/confirm", None, None),
    ("clerk0", "POST", "/api/records/{id}/hoso/dismiss", None, None),
    ("clerk0", "GET", "/api/hoso/suggest/{id}", None, None),
    ("clerk0", "POST", f"/api/hoso/{FILE}/records", {"ids": ["{id}"]}, None),
    ("reader0", "GET", "/api/records/{id}/handling", None, None),
    ("reader0", "GET", "/api/records/{id}/stamped.pdf", None, None),
    ("clerk0", "POST", "/api/records/{id}/tasks", TASK, None),
    ("clerk0", "PUT", "/api/records/{id}/petition/received", RECEIVED, None),
    ("clerk0", "POST", "/api/registers/numbers/issue", ISSUE, None),
    ("clerk0", "POST", "/api/registers/numbers/renumber", RENUMBER, None),
    ("reader0", "POST", "/api/tasks/{task}/done", DONE, None),
    ("clerk0", "POST", "/api/records/{id}/recall", RECALL, None),
    # the portal
    ("reader0", "GET", "/records/{id}", None, None),
    ("clerk0", "POST", "/records/{id}/correct", None, {"subject": "Sửa trích yếu"}),
    ("archivist1", "POST", "/records/{id}/secrecy/approve", None, None),
    ("archivist1", "POST", "/records/{id}/secrecy/reject", None, None),
    ("clerk0", "POST", "/records/{id}/hoso", None, {"file": FILE}),
    ("clerk0", "POST", "/records/{id}/hoso/confirm", None, None),
    ("clerk0", "POST", "/records/{id}/hoso/dismiss", None, None),
    ("reader0", "GET", "/records/{id}/handling", None, None),
    ("clerk0", "POST", "/records/{id}/handling/assign", None, TASK),
    ("clerk0", "POST", "/petitions/{id}/received", None, RECEIVED_FORM),
    ("clerk0", "POST", "/registers/numbers/issue", None, ISSUE),
    ("clerk0", "POST", "/registers/numbers/renumber", None, RENUMBER),
    ("reader0", "POST", "/tasks/{task}/done", None, DONE),
    ("clerk0", "POST", "/records/{id}/recall", None, RECALL),
    ("admin1", "POST", "/ops/reprocess/{id}", None, None),
    ("archivist1", "POST", "/retention/holds", None, {"ids": "{id}", "reason": "thử"}),
]
# A portal route and the API route that does the same work.
TWINS = [
    ("reader0", ("GET", "/records/{id}"), ("GET", "/api/records/{id}")),
    ("clerk0", ("POST", "/records/{id}/correct"), ("PATCH", "/api/records/{id}")),
    (
        "archivist1",
        ("POST", "/records/{id}/secrecy/approve"),
        ("POST", "/api/records/{id}/secrecy/approve"),
    ),
    ("archivist1", ("POST", "/retention/holds"), ("POST", "/api/retention/holds")),
]


def _call(stack, people, route, record_id: str, task: str = "") -> tuple[int, str]:
    """(status, body with the id taken out) of `route` called for `record_id` (and `task`)."""
    sent = json.dumps(route).replace("{id}", record_id).replace("{task}", task)
    name, method, path, body, form = json.loads(sent)
    response = people[name].request(
        method, stack.url + path, json=body, data=form, allow_redirects=False, timeout=60
    )
    return response.status_code, response.text.replace(record_id, "ID")


def route_id(route: tuple) -> str:
    """A route's test id without the module's random marker: pytest-xdist's workers each
    import the module, and must collect the same ids."""
    return f"{route[1]} {route[2].replace(FILE, '2026/PA.{marker}')}"


@pytest.fixture(scope="module")
def task(stack, records, people) -> str:
    """An open task of reader0's on the Thường report: finishing it names a reply record."""
    made = stack.post(f"/api/records/{records[0]['id']}/tasks", json={"to": "pa_reader0"})
    assert made.status_code == 201, made.text
    return made.json()["task"]["id"]


def traces(stack, record_id: str) -> list[str]:
    """What a route acting on the record would change, as a Tuyệt mật admin reads it: the
    record (metadata, history), its hồ sơ, its phiếu giải quyết, and reader0's tasks (one
    finished with it as its reply)."""
    paths = ("", "/hoso", "/handling")
    read = [stack.get(f"/api/records/{record_id}{path}").text for path in paths]
    return [*read, stack.get("/api/tasks?status=all&user=pa_reader0").text]


@pytest.mark.parametrize("route", ID_ROUTES, ids=route_id)
def test_every_route_taking_an_id_answers_a_hidden_record_as_an_unknown_one(
    stack, records, people, task, route
):
    secret = records[2]["id"]
    before = traces(stack, secret)
    hidden = _call(stack, people, route, secret, task)
    assert hidden == _call(stack, people, route, str(uuid.uuid4()), task)
    assert hidden[0] == 404, hidden
    assert traces(stack, secret) == before  # refused, not done and then denied


@pytest.fixture(scope="module")
def seen(stack) -> dict:
    """A Thường notice every caller sees (and no other test here uses: the routes act on it)."""
    lines = ["TỈNH ỦY BÌNH ĐỊNH", "THÔNG BÁO", f"về lịch làm việc tuần {uuid.uuid4().hex[:8]}"]
    record = stack.wait_final(stack.upload("thong-bao.pdf", born_digital_pdf([lines])).json()["id"])
    assert record["status"] == "indexed", record
    return record


@pytest.mark.parametrize("route", ID_ROUTES, ids=route_id)
def test_each_route_answers_a_record_the_caller_sees_otherwise(stack, people, seen, task, route):
    """The control of the test above: with the same caller and body, a record within the
    caller's clearance gets past the id check (done, or refused for what the record or the
    task is: no pending lowering, not a petition, no suggestion, the task already finished by
    the API's call), so the 404 there is the hiding's."""
    visible = _call(stack, people, route, seen["id"], task)
    assert visible != _call(stack, people, route, str(uuid.uuid4()), task)


@pytest.mark.parametrize("twins", TWINS, ids=lambda t: t[1][1])
def test_the_portal_and_the_api_answer_an_unknown_id_with_the_same_status(stack, people, twins):
    name, (page_method, page_path), (api_method, api_path) = twins
    unknown = str(uuid.uuid4())
    page = _call(stack, people, (name, page_method, page_path, None, {"ids": "{id}"}), unknown)
    api = _call(stack, people, (name, api_method, api_path, {"ids": ["{id}"]}, None), unknown)
    assert page[0] == api[0] == 404


@pytest.mark.parametrize("clearance", [0, 1, 2])
def test_hits_totals_facets_and_near_matches_count_only_what_the_reader_may_see(
    stack, records, people, clearance
):
    session = people[f"reader{clearance}"]
    visible = {records[level]["id"] for level in range(clearance + 1)}
    found = session.get(f"{stack.url}/api/search", params={"q": MARKER, "size": 50}).json()
    assert {hit["id"] for hit in found["hits"]} == visible
    assert found["total"] == len(visible)
    assert sum(found["facets"]["type"].values()) == len(visible)
    assert sum(found["facets"]["register"].values()) == len(visible)
    typo = session.get(f"{stack.url}/api/search", params={"q": MARKER[:-1] + "x"}).json()
    assert typo["fuzzy"] and {hit["id"] for hit in typo["hits"]} == visible
    only_secret = session.get(
        f"{stack.url}/api/search", params={"q": MARKER, "secrecy": "toi_mat"}
    ).json()
    assert only_secret["total"] == (1 if clearance >= 2 else 0)
    portal = session.get(stack.url + "/", params={"q": MARKER}, timeout=30)
    assert f'<strong id="total">{len(visible)}</strong>' in portal.text


def test_more_like_this_never_lists_a_record_above_clearance(stack, records, people):
    low = (
        people["reader0"]
        .get(f"{stack.url}/api/records/{records[0]['id']}/similar", params={"size": 100})
        .json()
    )
    high = (
        people["reader2"]
        .get(f"{stack.url}/api/records/{records[0]['id']}/similar", params={"size": 100})
        .json()
    )
    secret = {records[1]["id"], records[2]["id"]}
    assert not secret & {hit["id"] for hit in low["hits"]}
    assert secret <= {hit["id"] for hit in high["hits"]}  # the same words: they are similar
    assert high["total"] >= low["total"] + 2


def test_only_petition_officers_learn_who_wrote_a_denunciation(stack, letter, people):
    path = f"{stack.url}/api/records/{letter['id']}"
    for name in ("reader0", "clerk0", "archivist1", "admin3"):
        session = people[name]
        assert session.get(f"{path}/petitioner").status_code == 403, name
        text = session.get(f"{path}/text").json()
        shown = json.dumps(text, ensure_ascii=False) + session.get(path).text
        assert WRITER not in shown and "052 175 004 321" not in shown and ACCUSED in shown
        assert text["working_copy"] is True
        assert session.get(f"{path}/files/original").status_code == 403
        assert session.get(f"{path}/stamped.pdf").status_code == 403  # the scan, stamped ĐẾN
        page = session.get(f"{stack.url}/records/{letter['id']}").text
        assert WRITER not in page and "[…]" in page and "stamped.pdf" not in page
    officer = people["officer1"]
    identity = officer.get(f"{path}/petitioner").json()
    assert identity["name"] == WRITER and identity["sealed"] is True
    assert identity["id_number"] == "052175004321"
    assert WRITER in officer.get(f"{path}/text").text
    assert officer.get(f"{path}/files/original").status_code == 200
    stamped = officer.get(f"{path}/stamped.pdf")  # a letter takes its số đến: stamped ĐẾN too
    assert stamped.status_code == 200 and stamped.content.startswith(b"%PDF")
    assert WRITER in officer.get(f"{stack.url}/records/{letter['id']}").text
    exported = [json.loads(line) for line in stack.cli("audit", "export").stdout.splitlines()]
    audit = [
        entry
        for entry in exported
        if entry["record_id"] == letter["id"] and entry["action"] == "read_petitioner"
    ]
    assert [entry["actor"] for entry in audit] == ["pa_officer1"]


def test_a_petition_officer_of_clearance_thuong_reads_what_a_clerk_reads(stack, letter, people):
    """The writer is a Mật state secret (QĐ 774/QĐ-TTg 2020; Luật Tố cáo 2018 Điều 56.2): the
    role alone shows nothing of it; the same role cleared for Mật sees it."""
    path = f"{stack.url}/api/records/{letter['id']}"
    officer0, officer1 = people["officer0"], people["officer1"]
    assert officer0.get(f"{path}/petitioner").status_code == 403
    text = officer0.get(f"{path}/text").json()
    shown = json.dumps(text, ensure_ascii=False) + officer0.get(path).text
    assert WRITER not in shown and "052 175 004 321" not in shown and ACCUSED in shown
    assert text["working_copy"] is True
    assert officer0.get(f"{path}/files/original").status_code == 403
    assert officer0.get(f"{path}/stamped.pdf").status_code == 403
    page = officer0.get(f"{stack.url}/records/{letter['id']}").text
    assert WRITER not in page and "[…]" in page and 'id="petitioner"' not in page
    desk = officer0.get(f"{stack.url}/petitions")
    assert desk.status_code == 200 and WRITER not in desk.text
    assert officer1.get(f"{path}/petitioner").json()["name"] == WRITER
    assert WRITER in officer1.get(f"{path}/text").text
    assert 'id="petitioner"' in officer1.get(f"{stack.url}/records/{letter['id']}").text


def test_the_search_index_holds_only_the_working_copy_of_a_denunciation(stack, letter, people):
    for name in ("reader0", "officer1", "admin3"):
        session = people[name]
        by_writer = session.get(f"{stack.url}/api/search", params={"q": "Hong Nhung"}).json()
        assert letter["id"] not in {hit["id"] for hit in by_writer["hits"]}, name
        by_accused = session.get(f"{stack.url}/api/search", params={"q": "Do Van Khai"}).json()
        [hit] = [h for h in by_accused["hits"] if h["id"] == letter["id"]]
        assert "Nhung" not in hit["snippet"] and "[…]" in hit["snippet"]
        near = session.get(f"{stack.url}/api/search", params={"q": "Nhungg"}).json()
        assert letter["id"] not in {h["id"] for h in near["hits"]}


def test_the_petitions_desk_lists_the_letter_for_officers_only(stack, letter, people):
    desk = people["officer1"].get(f"{stack.url}/petitions")
    assert desk.status_code == 200 and f'data-id="{letter["id"]}"' in desk.text
    assert WRITER not in desk.text  # the desk shows deadlines, not the writer
    for name in ("reader0", "clerk0", "archivist1"):
        assert people[name].get(f"{stack.url}/petitions").status_code == 403
    assert people["admin3"].get(f"{stack.url}/petitions").status_code == 200


ROLE_PAGES = {  # page -> roles that may open it (admin: all)
    "/upload": {"clerk0", "officer1", "officer0", "archivist1"},
    "/petitions": {"officer1", "officer0"},
    "/retention": {"archivist1"},
    "/ops": set(),
    "/api/retention/batches": {"archivist1"},
}


def test_each_role_reaches_only_its_pages(stack, people):
    for path, allowed in ROLE_PAGES.items():
        for name, session in people.items():
            status = session.get(stack.url + path, timeout=30).status_code
            expected = 200 if name in allowed or name.startswith("admin") else 403
            assert status == expected, (name, path, status)


def test_readers_cannot_upload_or_correct(stack, records, people):
    reader = people["reader0"]
    files = {"file": ("x.pdf", born_digital_pdf([["THÔNG BÁO", "Lịch họp"]]))}
    assert reader.post(f"{stack.url}/api/records", files=files).status_code == 403
    patched = reader.patch(f"{stack.url}/api/records/{records[0]['id']}", json={"subject": "x"})
    assert patched.status_code == 403


def test_a_duplicate_of_a_hidden_record_does_not_reveal_it(stack, files, records, people):
    response = people["clerk0"].post(
        f"{stack.url}/api/records", files={"file": ("lai.pdf", files[2])}
    )
    assert response.status_code == 202
    body = response.json()
    assert body["duplicate"] is True and body["id"] is None and body["number"] is None
    assert "book" in body and body["book"] is None  # the keys of any answer, no book
    assert records[2]["id"] not in response.text


def test_a_hold_reaches_only_records_within_the_archivists_clearance(stack, records, people):
    archivist = people["archivist1"]
    url = f"{stack.url}/api/retention/holds"
    by_query = archivist.post(url, json={"query": MARKER, "reason": "Thanh tra"})
    assert by_query.status_code == 201, by_query.text
    assert sorted(by_query.json()["records"]) == sorted([records[0]["id"], records[1]["id"]])
    by_hidden_id = archivist.post(url, json={"ids": [records[2]["id"]], "reason": "Thanh tra"})
    assert by_hidden_id.status_code == 404 and records[2]["id"] not in by_hidden_id.text
    released = archivist.post(f"{url}/{by_query.json()['hold']}/release")
    assert released.status_code == 200
