"""Search on the real stack: the query language through the API and the portal, bad queries
as 400s with a message, similar records, and `luutru index verify / rebuild` on the running
indexing service (search answering throughout)."""

from __future__ import annotations

import pytest

from tests.fixtures.documents import born_digital_pdf

LINES = [
    "NGHỊ QUYẾT",
    "về phòng chống lụt bão và hoà giải ở cơ sở",
    "Ban Thường vụ Đảng ủy khối thống nhất kế hoạch phòng chống lụt bão năm 2024.",
]
TWIN = [
    "KẾ HOẠCH",
    "phòng chống lụt bão mùa mưa",
    "Triển khai kế hoạch phòng chống lụt bão, đê điều và hoà giải tại các xã.",
]


@pytest.fixture(scope="module")
def records(stack):
    found = []
    for name, lines in (("nq-lut-bao.pdf", LINES), ("kh-lut-bao.pdf", TWIN)):
        response = stack.upload(name, born_digital_pdf([lines]))
        assert response.status_code == 202, response.text
        record = stack.wait_final(response.json()["id"], timeout=120)
        assert record["status"] == "indexed", record["error"]
        found.append(record)
    return found


@pytest.mark.parametrize(
    "query",
    ['"phong chong lut bao" hoa giai', "dang uy -xyz", "hoà giải", "lụt OR xyzxyz", "phòn*"],
)
def test_query_forms_find_the_record_through_the_api(stack, records, query):
    response = stack.get("/api/search", params={"q": query, "sort": "date_desc", "size": 50})
    assert response.status_code == 200, response.text
    assert records[0]["id"] in [hit["id"] for hit in response.json()["hits"]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"phòng chống'}, "Thiếu dấu ngoặc kép"),
        ({"q": "lụt OR"}, "OR cần từ khóa"),
        ({"q": "ngay:2024-02-31"}, "Ngày không hợp lệ"),
        ({"q": "lụt", "sort": "random"}, "sắp xếp"),
        ({"q": "lụt", "size": "0"}, "Cỡ trang"),
    ],
)
def test_a_malformed_query_is_a_400_with_a_message(stack, params, message):
    response = stack.get("/api/search", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bad_query" and message in body["error"] and " / " in body["error"]


def test_the_portal_shows_the_error_and_facets_in_vietnamese(stack, records):
    bad = stack.get("/", params={"q": '"phòng'})
    assert bad.status_code == 400 and "Thiếu dấu ngoặc kép" in bad.text
    page = stack.get("/", params={"q": "lut bao", "sort": "date_desc"})
    assert page.status_code == 200
    assert "Loại văn bản" in page.text and "Nghị quyết" in page.text
    assert "<mark>lụt</mark>" in page.text


def test_similar_records_come_from_the_same_topic(stack, records):
    source, twin = records
    response = stack.get(f"/api/records/{source['id']}/similar")
    assert response.status_code == 200, response.text
    assert twin["id"] in [hit["id"] for hit in response.json()["hits"]]
    assert stack.get("/api/records/no-such-record/similar").status_code == 404


def test_index_verify_and_rebuild_from_the_cli(stack, records):
    [report] = stack.cli_json("index", "verify")
    assert report["consistent"] and report["index"] >= len(records)
    lines = stack.cli_json("index", "rebuild")
    final = lines[-1]
    assert final["state"] == "done" and final["done"] == final["total"] >= len(records)
    hits = stack.get("/api/search", params={"q": "lut bao"}).json()["hits"]
    assert {r["id"] for r in records} <= {hit["id"] for hit in hits}
    [after] = stack.cli_json("index", "verify")
    assert after["consistent"] and after["index"] == report["index"]
