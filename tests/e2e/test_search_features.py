"""Search features on the real stack, clearance included: "did you mean", search
inside one record's text (API and portal page), exports of a result list, saved searches and
their daily notice. A caller below a record's clearance gets nothing of it: no suggestion from
its words, no in-record hits (404 as an unknown id), no export row, no notice."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile

import pytest
import requests
from docx import Document
from openpyxl import load_workbook

from tests.fixtures.documents import born_digital_pdf

TAG = uuid.uuid4().hex[:6]
OPEN_WORD = f"zo{TAG}q"  # a word only this module's open record holds
HIDDEN_WORD = f"zh{TAG}q"  # a word only its Mật record holds
COMMON_WORD = f"zc{TAG}q"  # a word both reports hold
WRITER = "Lương Thị Bích Ngọc"


def typo(word: str) -> str:
    return word[:-1] + "x"  # one letter changed


def report(stamp: list[str], word: str) -> bytes:
    return born_digital_pdf(
        [
            [*stamp, "TỈNH ỦY BÌNH ĐỊNH", "BÁO CÁO", f"về công tác lưu trữ {word} {COMMON_WORD}"],
            [f"Trang hai: Quyết định về {word} của Đảng bộ.", "Công tác quyết định."],
        ]
    )


LETTER = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "ĐƠN TỐ CÁO",
    "Kính gửi: Ủy ban kiểm tra Tỉnh ủy Bình Định",
    f"Tôi tên là {WRITER}, sinh năm 1980, mã {TAG},",
    "trú tại thôn Phú Lộc, xã Phước Hòa, huyện Tuy Phước.",
    "Tôi tố cáo ông Trần Văn Hậu, cán bộ xã, đã nhận tiền của dân.",
    "Người tố cáo",
    WRITER,
]


@pytest.fixture(scope="module")
def reader(stack) -> requests.Session:
    return stack.user(f"sf_reader_{TAG}", "reader", 0)


@pytest.fixture(scope="module")
def saved(stack, reader) -> dict[str, dict]:
    """Saved searches with a daily notice, made before the records exist (their baseline)."""
    made = {}
    for who, session in (("reader", reader), ("admin", stack.http)):
        body = {"name": f"Báo cáo {who}", "q": COMMON_WORD, "notify": True}
        response = session.post(stack.url + "/api/saved-searches", json=body, timeout=60)
        assert response.status_code == 201, response.text
        made[who] = response.json()
        assert made[who]["new"] == [] and "seen" not in made[who]
    return made


@pytest.fixture(scope="module")
def records(stack, saved) -> dict[str, dict]:
    uploads = {
        "open": stack.upload(f"bc-{TAG}.pdf", report([], OPEN_WORD)),
        "hidden": stack.upload(f"bc-mat-{TAG}.pdf", report(["MẬT"], HIDDEN_WORD)),
        "letter": stack.upload(f"don-{TAG}.pdf", born_digital_pdf([LETTER]), register="don"),
    }
    done = {name: stack.wait_final(r.json()["id"]) for name, r in uploads.items()}
    assert all(r["status"] == "indexed" for r in done.values()), done
    assert done["hidden"]["metadata"]["secrecy"] == "mat"
    return done


@pytest.fixture(scope="module")
def officer(stack) -> requests.Session:
    return stack.user(f"sf_officer_{TAG}", "petition_officer", 1)  # Mật: sees the writer


def search(stack, session: requests.Session, q: str) -> dict:
    response = session.get(stack.url + "/api/search", params={"q": q}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_did_you_mean_suggests_only_words_the_caller_may_see(stack, records, reader):
    visible = search(stack, reader, typo(OPEN_WORD))
    assert visible["suggestion"] == OPEN_WORD and visible["fuzzy"]
    assert [h["id"] for h in visible["hits"]] == [records["open"]["id"]]
    hidden = search(stack, reader, typo(HIDDEN_WORD))
    assert (hidden["total"], hidden["suggestion"], hidden["hits"]) == (0, None, [])
    assert search(stack, stack.http, typo(HIDDEN_WORD))["suggestion"] == HIDDEN_WORD
    assert search(stack, reader, OPEN_WORD)["suggestion"] is None  # found: nothing to suggest


def test_the_portal_and_the_cli_offer_the_suggestion(stack, records, reader):
    page = reader.get(stack.url + "/", params={"q": typo(OPEN_WORD)}, timeout=30)
    assert "Có phải bạn muốn tìm:" in page.text and f"q={OPEN_WORD}" in page.text
    assert "/api/search/export?q=" in page.text and 'id="save-search"' in page.text
    assert "format=docx" in page.text  # beside csv, xlsx and pdf
    hidden = reader.get(stack.url + "/", params={"q": typo(HIDDEN_WORD)}, timeout=30)
    assert "Có phải bạn muốn tìm" not in hidden.text and HIDDEN_WORD not in hidden.text
    out = stack.cli("search", typo(OPEN_WORD)).stdout
    assert f"Có phải bạn muốn tìm: {OPEN_WORD}" in out


def find(stack, session: requests.Session, record_id: str, q: str) -> requests.Response:
    url = f"{stack.url}/api/records/{record_id}/search"
    return session.get(url, params={"q": q}, timeout=30)


def test_search_inside_a_record_lists_hits_by_page(stack, records, reader):
    response = find(stack, reader, records["open"]["id"], "quyet dinh")
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["total"] == 2 and [h["page"] for h in found["hits"]] == [2, 2]
    assert found["pages"] == [{"n": 2, "hits": 2}] and not found["working_copy"]
    assert "<mark>Quyết định</mark>" in found["hits"][0]["snippet"]
    assert find(stack, reader, records["open"]["id"], "").status_code == 400


def test_search_inside_a_hidden_record_answers_as_an_unknown_id(stack, records, reader):
    hidden = find(stack, reader, records["hidden"]["id"], HIDDEN_WORD)
    unknown = find(stack, reader, str(uuid.uuid4()), HIDDEN_WORD)
    assert hidden.status_code == unknown.status_code == 404
    assert HIDDEN_WORD not in hidden.text
    assert find(stack, stack.http, records["hidden"]["id"], HIDDEN_WORD).json()["total"] == 2


def test_search_inside_a_sealed_letter_finds_the_writer_only_for_petition_officers(
    stack, records, officer
):
    letter = records["letter"]["id"]
    masked = find(stack, stack.http, letter, WRITER).json()  # an admin gets the working copy
    assert masked["working_copy"] and masked["total"] == 0
    assert masked["hits"] == [] and masked["pages"] == []
    assert find(stack, stack.http, letter, "Trần Văn Hậu").json()["total"] == 1
    shown = find(stack, officer, letter, "luong thi bich ngoc").json()
    assert not shown["working_copy"] and shown["total"] == 2


def test_the_record_page_marks_each_hit_for_next_and_previous(stack, records, reader):
    record_id = records["open"]["id"]
    page = reader.get(f"{stack.url}/records/{record_id}", params={"find": "quyết định"})
    assert page.status_code == 200
    assert '<mark id="hit-1" class="hit">Quyết định</mark>' in page.text
    assert 'id="hit-2"' in page.text and 'id="hit-3"' not in page.text
    assert 'id="next-hit"' in page.text and '<script src="/static/find.js"' in page.text
    assert reader.get(f"{stack.url}/static/find.js").status_code == 200
    hidden = reader.get(f"{stack.url}/records/{records['hidden']['id']}", params={"find": "x"})
    assert hidden.status_code == 404 and HIDDEN_WORD not in hidden.text


def export(stack, session: requests.Session, fmt: str) -> requests.Response:
    params = {"q": COMMON_WORD, "format": fmt}
    response = session.get(stack.url + "/api/search/export", params=params, timeout=60)
    assert response.status_code == 200, response.text
    return response


def test_an_export_holds_only_the_records_the_caller_may_see(stack, records, reader):
    hidden = records["hidden"]
    rows = list(csv.reader(io.StringIO(export(stack, reader, "csv").content.decode("utf-8-sig"))))
    assert [row[-1] for row in rows[1:]] == [records["open"]["id"]]
    sheet = load_workbook(io.BytesIO(export(stack, reader, "xlsx").content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Số kết quả: 1" in cells and records["open"]["id"] in cells
    assert not [c for c in cells if hidden["id"] in c or HIDDEN_WORD in c]
    assert export(stack, reader, "pdf").content.startswith(b"%PDF")
    full = export(stack, stack.http, "csv").content.decode("utf-8-sig")
    assert hidden["id"] in full and records["open"]["id"] in full  # an admin sees both
    bad = reader.get(stack.url + "/api/search/export", params={"q": "x", "format": "doc"})
    assert bad.status_code == 400 and "docx" in bad.json()["error"]


def docx_rows(content: bytes) -> tuple[list[str], list[list[str]]]:
    """(the paragraphs, the table's rows) of an exported DOCX, read back with python-docx."""
    doc = Document(io.BytesIO(content))
    return [p.text for p in doc.paragraphs], [[c.text for c in r.cells] for r in doc.tables[0].rows]


def test_a_docx_export_holds_only_the_records_the_caller_may_see(stack, records, reader):
    """NĐ 30/2020 Phụ lục VI Phần I: results exported to .docx, within the caller's clearance:
    the hidden record's id, title and number are nowhere in the file (any part of it)."""
    hidden, shown = records["hidden"], records["open"]
    response = export(stack, reader, "docx")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="ket-qua-tim-kiem.docx"' in response.headers["Content-Disposition"]
    lines, rows = docx_rows(response.content)
    assert lines[2] == "Số kết quả: 1" and rows[0][0] == "STT"
    assert [row[-1] for row in rows[1:]] == [shown["id"]]
    assert OPEN_WORD in rows[1][4] and rows[1][7] == shown["number"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        parts = [n for n in package.namelist() if n.endswith((".xml", ".rels"))]
        text = "".join(package.read(name).decode("utf-8") for name in parts)
    meta = hidden["metadata"]
    secrets = [hidden["id"], HIDDEN_WORD, meta.get("subject") or HIDDEN_WORD]
    secrets += [meta.get("number_symbol") or HIDDEN_WORD]
    assert not [s for s in secrets if s in text]
    _, everything = docx_rows(export(stack, stack.http, "docx").content)
    assert {row[-1] for row in everything[1:]} == {shown["id"], hidden["id"]}
    entries = [json.loads(line) for line in stack.cli("audit", "export").stdout.splitlines()]
    details = [e["detail"] for e in entries if e["action"] == "export_search"]
    assert {"q": COMMON_WORD, "format": "docx", "rows": 1} in details


def test_exports_are_audited_and_the_cli_writes_a_file(stack, records, tmp_path):
    out = tmp_path / "ket-qua.xlsx"
    done = stack.cli("search", COMMON_WORD, "--export", str(out))
    assert "2 / 2" in done.stdout
    sheet = load_workbook(out).active
    ids = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert {records["open"]["id"], records["hidden"]["id"]} <= ids
    entries = [json.loads(line) for line in stack.cli("audit", "export").stdout.splitlines()]
    exports = [e for e in entries if e["action"] == "export_search"]
    assert exports and exports[-1]["detail"]["q"] == COMMON_WORD
    from_cli = [e for e in exports if e["origin"] == "cli"]  # the CLI's export too
    assert from_cli and from_cli[-1]["detail"] == {"q": COMMON_WORD, "format": "xlsx", "rows": 2}
    as_docx = tmp_path / "ket-qua.docx"
    assert "2 / 2" in stack.cli("search", COMMON_WORD, "--export", str(as_docx)).stdout
    _, rows = docx_rows(as_docx.read_bytes())
    assert {row[-1] for row in rows[1:]} == {records["open"]["id"], records["hidden"]["id"]}
    entries = [json.loads(line) for line in stack.cli("audit", "export").stdout.splitlines()]
    last = [e for e in entries if e["action"] == "export_search"][-1]
    assert last["origin"] == "cli" and last["detail"]["format"] == "docx"


def listed(stack, session: requests.Session) -> dict[str, dict]:
    response = session.get(stack.url + "/api/saved-searches", timeout=30)
    assert response.status_code == 200, response.text
    return {s["name"]: s for s in response.json()["searches"]}


def test_the_daily_notice_names_only_new_records_the_owner_may_see(stack, records, saved, reader):
    assert "searches checked" in stack.cli("searches", "notify").stdout
    mine = listed(stack, reader)["Báo cáo reader"]
    assert mine["new"] == [records["open"]["id"]] and mine["params"] == {"q": COMMON_WORD}
    assert "Báo cáo admin" not in listed(stack, reader)  # per user
    admins = listed(stack, stack.http)["Báo cáo admin"]["new"]
    assert set(admins) == {records["open"]["id"], records["hidden"]["id"]}
    page = reader.get(stack.url + "/searches", timeout=30)
    assert page.status_code == 200 and records["open"]["id"] in page.text
    assert records["hidden"]["id"] not in page.text
    [row] = stack.cli_json("searches", "list", f"sf_reader_{TAG}")
    assert row["new"] == [records["open"]["id"]]


def test_saved_searches_from_the_portal_form_and_deletion(stack, saved, reader):
    form = {"q": OPEN_WORD, "type": "", "name": "Từ biểu mẫu", "notify": "1"}
    posted = reader.post(stack.url + "/searches", data=form, allow_redirects=False, timeout=60)
    assert posted.status_code == 303, posted.text
    made = listed(stack, reader)["Từ biểu mẫu"]
    assert made["notify"] and made["params"] == {"q": OPEN_WORD}
    url = f"{stack.url}/api/saved-searches/{made['id']}"
    assert stack.http.delete(url, timeout=30).status_code == 404  # another user's: unknown
    assert reader.delete(url, timeout=30).status_code == 204
    assert "Từ biểu mẫu" not in listed(stack, reader)
    bad = reader.post(stack.url + "/api/saved-searches", json={"q": " "}, timeout=30)
    assert bad.status_code == 400
