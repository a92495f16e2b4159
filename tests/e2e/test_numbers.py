"""Outgoing numbers on the real stack (the session's; `deploy/number-series.yaml`: Party
style, issuer TU): a signed document is numbered when the clerk registers it for issue; a
Party Quy định and Quyết định never share a symbol; a clerk reserves, voids (with the reason)
and renumbers through the API and the CLI; the outgoing book prints the numbers; a clerk
below a secret record's clearance sees nothing of its number entry."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest


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

    today = date.today().isoformat()
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
