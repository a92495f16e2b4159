"""Outgoing numbers on the real stack (the session's; `deploy/number-series.yaml`: Party
style, issuer TU): a signed document is numbered when the clerk registers it for issue; a
Party Quy định and Quyết định never share a symbol; a clerk reserves, voids (with the reason)
and renumbers through the API and the CLI; the outgoing book prints the numbers; a clerk
below a secret record's clearance sees nothing of its number entry."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from services.common import clock

SAVED = "/registers/numbers?notice=saved"


def _file(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _issue(stack, tmp_path, name: str, *options: str) -> dict:
    """`luutru ingest --register di --kind …`: the record, numbered at upload."""
    text = f"TỈNH ỦY BÌNH ĐỊNH\nVăn bản {name} đã ký, chờ phát hành.\n"
    [result] = stack.cli_json("ingest", _file(tmp_path, name, text), "--register", "di", *options)
    return stack.record(result["id"])


def _number(symbol: str) -> int:
    return int(symbol.split("-")[0])


@pytest.fixture(scope="module")
def clerks(stack):
    """A clerk cleared for nothing secret, and the stack's admin (clearance 3; admins pass
    every role check) in the place of a cleared clerk: one account fewer to hash."""
    return {"low": stack.user("vt_so_thap", "clerk", clearance=0), "high": stack.http}


def test_quy_dinh_and_quyet_dinh_are_numbered_at_upload_without_sharing_a_symbol(stack, tmp_path):
    """36-HD/VPTW prints both as "QĐ"; NĐ 30/2020 Điều 15.1 wants the symbol unique."""
    rule = _issue(stack, tmp_path, "quy-dinh.txt", "--kind", "quy_dinh", "--secrecy", "thuong")
    decision = _issue(
        stack, tmp_path, "quyet-dinh.txt", "--kind", "quyet_dinh", "--secrecy", "thuong"
    )
    a, b = rule["metadata"]["number_symbol"], decision["metadata"]["number_symbol"]
    assert a.endswith("-QĐ/TU") and b.endswith("-QĐ/TU")
    assert _number(b) == _number(a) + 1
    assert decision["metadata"]["kind"] == "quyet_dinh"


def test_a_clerk_reserves_issues_voids_and_renumbers(stack, tmp_path, clerks):
    url = f"{stack.url}/api/registers/numbers"
    clerk = clerks["high"]
    reserved = clerk.post(
        f"{url}/reserve", json={"kind": "thong_bao", "note": "thông báo kết luận"}
    )
    assert reserved.status_code == 201, reserved.text
    entry = reserved.json()
    assert entry["status"] == "reserved" and entry["symbol"].endswith("-TB/TU")

    record = _issue(stack, tmp_path, "thong-bao.txt", "--secrecy", "thuong")  # no kind: no number
    assert record["metadata"].get("number_symbol") is None
    issued = clerk.post(
        f"{url}/issue", json={"record_id": record["id"], "reservation": entry["id"]}
    )
    assert issued.status_code == 201, issued.text
    assert stack.record(record["id"])["metadata"]["number_symbol"] == entry["symbol"]

    [result] = stack.cli_json(
        "numbers", "renumber", record["id"], "--kind", "ke_hoach", "--reason", "đọc nhầm loại"
    )
    assert result["voided"]["symbol"] == entry["symbol"] and result["voided"]["status"] == "void"
    assert result["issued"]["symbol"].endswith("-KH/TU")
    assert stack.record(record["id"])["metadata"]["number_symbol"] == result["issued"]["symbol"]

    spare = clerk.post(f"{url}/reserve", json={"kind": "bao_cao"}).json()
    voided = clerk.post(f"{url}/{spare['id']}/void", json={"reason": "không dùng đến"})
    assert voided.status_code == 200, voided.text
    listed = {e["id"]: e for e in clerk.get(url).json()["numbers"]}
    assert (listed[spare["id"]]["status"], listed[spare["id"]]["reason"]) == (
        "void",
        "không dùng đến",
    )
    assert listed[entry["id"]]["reason"] == "đọc nhầm loại"
    refused = clerk.post(f"{url}/{spare['id']}/void", json={"reason": "lần nữa"})
    assert refused.status_code == 400
    assert clerks["low"].post(f"{url}/reserve", json={}).status_code == 400  # no kind

    today = clock.today().isoformat()  # the office's day, as registration dates
    out = tmp_path / "so-di.csv"
    stack.cli("register", "export", "di", "--from", today, "--to", today, "--out", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert result["issued"]["symbol"] in [row[1] for row in rows[1:]]


def test_a_clerk_below_clearance_sees_nothing_of_a_secret_records_number(stack, tmp_path, clerks):
    secret = _issue(stack, tmp_path, "chi-thi-mat.txt", "--kind", "chi_thi", "--secrecy", "toi_mat")
    symbol = secret["metadata"]["number_symbol"]
    [entry] = [e for e in clerks["high"].get(f"{stack.url}/api/registers/numbers").json()["numbers"]
               if e["record_id"] == secret["id"]]  # fmt: skip
    low = clerks["low"]
    listing = low.get(f"{stack.url}/api/registers/numbers")
    assert (
        listing.status_code == 200
        and symbol not in listing.text
        and secret["id"] not in listing.text
    )
    assert low.get(f"{stack.url}/api/registers/numbers/{entry['id']}").status_code == 404
    assert low.get(f"{stack.url}/api/registers/numbers/999999").status_code == 404
    void = low.post(f"{stack.url}/api/registers/numbers/{entry['id']}/void", json={"reason": "x"})
    assert void.status_code == 404
    renumber = low.post(
        f"{stack.url}/api/registers/numbers/renumber",
        json={"record_id": secret["id"], "kind": "bao_cao", "reason": "x"},
    )
    assert renumber.status_code == 404
    assert stack.record(secret["id"])["metadata"]["number_symbol"] == symbol  # untouched


def _upload_di(session, stack, name: str, **fields: str):
    text = f"TỈNH ỦY BÌNH ĐỊNH\nVăn bản {name} đã ký.\n".encode()
    data = {"register": "di", "secrecy": "thuong", **fields}
    files = {"file": (name, text)}
    return session.post(f"{stack.url}/api/records", files=files, data=data, timeout=60)


def test_an_outgoing_document_is_numbered_at_upload_over_http(stack, clerks):
    """`POST /api/records` and the portal's form take kind/issuer/unit/copy as `luutru ingest`
    does: the answer carries the số at once."""
    high, low = clerks["high"], clerks["low"]
    answer = _upload_di(high, stack, "ke-hoach-http.txt", kind="ke_hoach", issuer="VPTU")
    assert answer.status_code == 202, answer.text
    symbol = answer.json()["symbol"]
    assert symbol.endswith("-KH/VPTU")
    assert stack.record(answer.json()["id"])["metadata"]["number_symbol"] == symbol
    copy = _upload_di(high, stack, "ban-sao-http.txt", kind="quyet_dinh", copy="sao_y")
    assert copy.json()["symbol"].endswith("-BS/TU")

    off_register = _upload_di(high, stack, "den.txt", kind="ke_hoach", register="den")
    assert off_register.status_code == 400 and "di" in off_register.json()["error"]
    secret = _upload_di(low, stack, "mat-http.txt", kind="bao_cao", secret="on")
    assert secret.status_code == 403  # a secret number needs clearance

    page = high.post(
        f"{stack.url}/upload",
        files={"file": ("to-trinh-form.txt", "Tờ trình đã ký, qua biểu mẫu.".encode())},
        data={"register": "di", "secrecy": "thuong", "kind": "to_trinh"},
        timeout=60,
    )
    assert page.status_code == 200 and re.search(r"<td>\d+-TTr/TU</td>", page.text), page.text


def _page(session, stack) -> str:
    page = session.get(f"{stack.url}/registers/numbers", timeout=30)
    assert page.status_code == 200, page.text
    return page.text


def _form(session, stack, path: str, **data: str):
    return session.post(f"{stack.url}{path}", data=data, allow_redirects=False, timeout=60)


def test_the_register_of_numbers_page(stack, clerks):
    """The page lists each number with its status and reason, dates dd/mm/yyyy; a clerk
    reserves, issues a reserved number, voids and renumbers from it; a clerk below a record's
    (or a reservation's) clearance sees nothing of its entry and cannot touch it."""
    high, low = clerks["high"], clerks["low"]
    secret = _upload_di(high, stack, "chi-thi-trang.txt", kind="chi_thi", secrecy="toi_mat").json()
    ordinary = _upload_di(high, stack, "bao-cao-trang.txt", kind="bao_cao").json()

    saved = _form(high, stack, "/registers/numbers/reserve", kind="thong_bao", note="giữ cho TB")
    assert (saved.status_code, saved.headers["Location"]) == (303, SAVED)
    html = _page(high, stack)
    assert "Sổ theo dõi cấp số văn bản đi" in html and re.search(r"<td>\d\d/\d\d/\d{4}</td>", html)
    reserved = re.search(r'data-id="(\d+)" data-status="reserved">\s*<td>(\d+-TB/TU)</td>', html)
    assert reserved and "Giữ chỗ" in html and "giữ cho TB" in html
    entry_id, reserved_symbol = reserved.groups()

    voided = _form(high, stack, f"/registers/numbers/{entry_id}/void", reason="không dùng đến")
    assert voided.status_code == 303
    renumbered = _form(
        high,
        stack,
        "/registers/numbers/renumber",
        record_id=ordinary["id"],
        kind="ke_hoach",
        reason="nhầm loại",
    )
    assert renumbered.status_code == 303
    html = _page(high, stack)
    assert re.search(rf'data-status="void">\s*<td>{reserved_symbol}</td>', html)
    assert "Hủy bởi quan_tri ngày" in html and "không dùng đến" in html and "nhầm loại" in html
    assert ordinary["symbol"] in html and secret["symbol"] in html

    _form(high, stack, "/registers/numbers/reserve", kind="bao_cao", note="cấp qua trang")
    spare = re.search(
        r'data-id="(\d+)" data-status="reserved">\s*<td>(\d+-BC/TU)</td>', _page(high, stack)
    )
    unnumbered = _upload_di(high, stack, "chua-so-trang.txt").json()
    issued = _form(
        high, stack, "/registers/numbers/issue", record_id=unnumbered["id"], reservation=spare[1]
    )
    assert issued.status_code == 303
    assert stack.record(unnumbered["id"])["metadata"]["number_symbol"] == spare[2]

    secret_spare = high.post(
        f"{stack.url}/api/registers/numbers/reserve", json={"kind": "thong_bao", "secret": True}
    ).json()["id"]
    html = _page(low, stack)
    assert secret["symbol"] not in html and secret["id"] not in html
    assert f'data-id="{secret_spare}"' not in html and ordinary["symbol"] in html
    taken = _form(
        low, stack, "/registers/numbers/issue", record_id=ordinary["id"], reservation=secret_spare
    )
    assert taken.status_code == 404
    [secret_entry] = [
        e["id"]
        for e in high.get(f"{stack.url}/api/registers/numbers", timeout=30).json()["numbers"]
        if e["record_id"] == secret["id"]
    ]
    void = _form(low, stack, f"/registers/numbers/{secret_entry}/void", reason="x")
    renumber = _form(
        low, stack, "/registers/numbers/renumber", record_id=secret["id"], kind="x", reason="x"
    )
    assert void.status_code == 404 and renumber.status_code == 404
    assert stack.record(secret["id"])["metadata"]["number_symbol"] == secret["symbol"]


def _book(session, stack, book: str = "di", path: str = "", **params: str):
    url = f"{stack.url}{path or f'/api/registers/{book}/book'}"
    return session.get(url, params=params, timeout=60)


def _csv_column(answer, column: int) -> list[str]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    return [row[column] for row in rows[1:]]


def test_the_register_books_are_exported_over_http_within_the_callers_clearance(stack, clerks):
    """`GET /api/registers/{den|di}/book` and the portal's form, as `luutru register export`:
    the ordinary book (NĐ 30/2020 Phụ lục IV) for clerks and archivists; the book of secret
    documents (Điều 16.3, 22.4) for the highest clearance only; a clerk below a record's
    clearance finds nothing of it in either."""
    high, low = clerks["high"], clerks["low"]
    ordinary = _upload_di(high, stack, "bao-cao-so.txt", kind="bao_cao").json()
    secret = _upload_di(high, stack, "chi-thi-so-mat.txt", kind="chi_thi", secrecy="toi_mat")
    secret = secret.json()
    today = date.today()  # the office's day may differ from this machine's: a day either side
    first, last = date.fromordinal(today.toordinal() - 1), date.fromordinal(today.toordinal() + 1)
    period = {"from": first.isoformat(), "to": last.isoformat()}

    for session in (high, low):
        symbols = _csv_column(_book(session, stack, **period), 1)
        assert ordinary["symbol"] in symbols and secret["symbol"] not in symbols
    low_book = _book(low, stack, **period).content.decode("utf-8-sig")
    assert secret["id"] not in low_book and "chi-thi-so-mat" not in low_book
    assert secret["symbol"] in _csv_column(_book(high, stack, **period, secret="1"), 1)
    refused = _book(low, stack, **period, secret="1")
    assert refused.status_code == 403 and secret["symbol"] not in refused.text

    pdf = _book(high, stack, **period, format="pdf", organ="Văn phòng Tỉnh ủy", volume="2")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert _book(high, stack, "don", **period).status_code == 400
    assert _book(high, stack, **period, format="doc").status_code == 400

    page = high.get(f"{stack.url}/registers/books", timeout=30)
    assert page.status_code == 200 and "Xuất sổ đăng ký văn bản" in page.text
    assert 'name="secret"' in page.text
    assert 'name="secret"' not in low.get(f"{stack.url}/registers/books", timeout=30).text
    typed = {"register": "di", "from": f"{first:%d/%m/%Y}", "to": f"{last:%d/%m/%Y}"}
    symbols = _csv_column(_book(low, stack, path="/registers/books/export", **typed), 1)
    assert ordinary["symbol"] in symbols and secret["symbol"] not in symbols
    wrong = _book(low, stack, path="/registers/books/export", **{**typed, "from": "2026-01-01"})
    assert wrong.status_code == 400
