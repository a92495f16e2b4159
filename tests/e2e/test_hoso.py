"""Hồ sơ on the real stack (a stack of its own: a retention run as of a far date would take
the session stack's records too). Files created (CLI and API), filled, closed; a retention run
takes a closed file whole, from the year after it closed, and leaves an open file's records;
a hold on one record holds its whole file; a reader below a record's clearance sees nothing of
it through the files: not in the list, the counts, the pages or the dates."""

from __future__ import annotations

import uuid

import pypdfium2 as pdfium
import pytest

from tests.e2e.stacks import own_stack
from tests.fixtures.documents import born_digital_pdf

pytestmark = pytest.mark.e2e

YEAR = "2025"


def notice(subject: str, day: str) -> bytes:
    """A born-digital thông báo (TB-01: 10 years, destroy, per record)."""
    lines = ["TỈNH ỦY BÌNH ĐỊNH", f"Số {uuid.uuid4().int % 900 + 100}-TB/TU",
             f"Bình Định, ngày {day} tháng 01 năm 2025", "THÔNG BÁO", subject,
             "Nội dung gửi các đồng chí trong Ban Thường vụ để biết và thực hiện."]  # fmt: skip
    return born_digital_pdf([lines])


@pytest.fixture(scope="module")
def hoso(tmp_path_factory):
    with own_stack(tmp_path_factory, "hoso") as s:
        yield s


@pytest.fixture(scope="module")
def records(hoso) -> dict[str, dict]:
    """Six notices; `secret` declared Tối mật, the earliest and longest of file 01."""
    made = {}
    for name, day, secrecy in (("c1", "10", ""), ("c2", "12", ""), ("secret", "02", "toi_mat"),
                               ("o1", "15", ""), ("h1", "20", ""), ("h2", "21", "")):  # fmt: skip
        data = notice(f"Về việc kiểm thử hồ sơ {name}", day)
        response = hoso.post("/api/records", files={"file": (f"{name}.pdf", data)},
                             data={"register": "den", "secrecy": secrecy})  # fmt: skip
        assert response.status_code == 202, response.text
        made[name] = response.json()["id"]
    return {name: hoso.wait_final(record_id) for name, record_id in made.items()}


@pytest.fixture(scope="module")
def filed(hoso, records):
    """01.VP closed (CLI), 02.VP open (API), 03.VP closed and held through one record."""
    ids = {name: r["id"] for name, r in records.items()}
    hoso.cli("files", "create", "--code", "01.VP", "--title", "Tập thông báo kết luận",
             "--year", YEAR, "--retention", "5")  # fmt: skip
    hoso.cli("files", "add", f"{YEAR}/01.VP", ids["c1"], ids["secret"], ids["c2"])
    [closed] = hoso.cli_json("files", "close", f"{YEAR}/01.VP", "--end", "2025-06-30")
    body = {"code": "02.VP", "title": "Tập thông báo đang giải quyết", "year": 2025, "retention": 5}
    assert hoso.post("/api/hoso", json=body).status_code == 201
    added = hoso.post(f"/api/hoso/{YEAR}/02.VP/records", json={"ids": [ids["o1"]]})
    assert added.status_code == 200, added.text
    body = {**body, "code": "03.VP", "title": "Hồ sơ thanh tra"}
    assert hoso.post("/api/hoso", json=body).status_code == 201
    hoso.post(f"/api/hoso/{YEAR}/03.VP/records", json={"ids": [ids["h1"], ids["h2"]]})
    assert hoso.post(f"/api/hoso/{YEAR}/03.VP/close", json={"end": "2025-06-30"}).ok
    hoso.cli("hold", "add", "--ids", ids["h1"], "--reason", "Thanh tra đang xác minh")
    return {"ids": ids, "closed": closed}


def test_a_file_is_filled_in_order_and_closed(hoso, filed):
    ids, closed = filed["ids"], filed["closed"]
    assert closed["status"] == "closed" and closed["records"] == [
        ids["c1"],
        ids["secret"],
        ids["c2"],
    ]
    assert (closed["start"], closed["end"]) == ("2025-01-02", "2025-01-12")
    assert closed["disposition_date"] == "2031-01-01"  # 5 years from 01/01/2026
    late = hoso.cli("files", "add", f"{YEAR}/01.VP", ids["o1"], check=False)
    assert late.returncode != 0 and "kết thúc" in late.stderr


def test_retention_takes_closed_files_whole_and_leaves_open_and_held_ones(hoso, filed):
    ids = filed["ids"]
    [early] = hoso.cli_json("retention", "run", "--as-of", "2030-12-31")
    assert early["batches"] == []  # the records' own 10 years do not count; the file's 5 do
    [run] = hoso.cli_json("retention", "run", "--as-of", "2100-01-01")
    assert [b["action"] for b in run["batches"]] == ["destroy"]
    [batch] = hoso.cli_json("retention", "show", run["batches"][0]["id"])
    # 01.VP whole; not 02.VP (open), not 03.VP (one record held holds the file)
    assert sorted(batch["records"]) == sorted([ids["c1"], ids["c2"], ids["secret"]])
    assert [g["file"] for g in batch["files"]] == [f"{YEAR}/01.VP"]  # listed by hồ sơ


def test_a_reader_below_clearance_sees_nothing_of_a_hidden_record_through_files(
    hoso, filed, records
):
    ids, reader = filed["ids"], hoso.user("hs_reader", "reader", 1)
    clerk = hoso.user("hs_clerk", "clerk", 1)
    shown = reader.get(f"{hoso.url}/api/hoso/{YEAR}/01.VP").json()
    assert shown["records"] == [ids["c1"], ids["c2"]]
    assert (shown["start"], shown["end"]) == ("2025-01-10", "2025-01-12")
    visible_pages = records["c1"]["pages"] + records["c2"]["pages"]
    assert shown["pages"] == visible_pages
    row = next(f for f in reader.get(f"{hoso.url}/api/hoso?year={YEAR}").json()["files"]
               if f["code"] == "01.VP")  # fmt: skip
    assert (row["records"], row["pages"], row["start"]) == (2, visible_pages, "2025-01-10")
    pdf = pdfium.PdfDocument(reader.get(f"{hoso.url}/api/hoso/{YEAR}/01.VP?format=pdf").content)
    text = " ".join(
        " ".join(pdf[i].get_textpage().get_text_range().split()) for i in range(len(pdf))
    )
    assert "hồ sơ c1" in text and "hồ sơ secret" not in text and "02/01/2025" not in text
    # filing a hidden record answers as for an unknown id
    probe = clerk.post(f"{hoso.url}/api/hoso/{YEAR}/02.VP/records", json={"ids": [ids["secret"]]})
    assert probe.status_code == 404
    assert clerk.get(f"{hoso.url}/api/hoso/suggest/{ids['secret']}").status_code == 404
    suggested = clerk.get(f"{hoso.url}/api/hoso/suggest/{ids['o1']}").json()["suggestions"]
    assert [s["file"] for s in suggested] == [f"{YEAR}/02.VP"]  # the one open file
    admin_view = hoso.get(f"/api/hoso/{YEAR}/01.VP").json()
    assert ids["secret"] in admin_view["records"]


def test_the_printable_danh_muc(hoso, filed, tmp_path):
    out = tmp_path / "danh-muc.xlsx"
    [catalogue] = hoso.cli_json("files", "catalogue", YEAR, "--out", str(out))
    assert [f["code"] for f in catalogue["files"]] == ["01.VP", "02.VP", "03.VP"]
    assert out.stat().st_size > 0
    response = hoso.get(f"/api/hoso?year={YEAR}&format=pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    text = pdfium.PdfDocument(response.content)[0].get_textpage().get_text_range()
    assert "DANH MỤC HỒ SƠ NĂM 2025" in text and "Tập thông báo kết luận" in " ".join(text.split())


def test_files_late_for_the_office_archive_and_their_delivery(hoso, filed, tmp_path):
    hoso.cli("files", "deliver", f"{YEAR}/03.VP", "--on", "2025-12-01")
    out = tmp_path / "nop-luu.pdf"
    [late] = hoso.cli_json("files", "late", "--as-of", "2026-07-01", "--out", str(out))
    assert [(f["code"], f["delivery_due"]) for f in late["files"]] == [("01.VP", "2026-06-30")]
    text = " ".join(pdfium.PdfDocument(out.read_bytes())[0].get_textpage().get_text_range().split())
    assert "MỤC LỤC HỒ SƠ NỘP LƯU" in text and "Quá hạn nộp lưu (30/06/2026)" in text


def test_the_biên_bản_giao_nhận_of_a_delivery_within_clearance(hoso, filed, records, tmp_path):
    """After the late list (01.VP must still be awaited there): 01.VP delivered, its biên bản
    printed through the CLI and the API; a reader below the secret record's clearance reads
    totals without it, and a day with no delivery answers 404."""
    hoso.cli("files", "deliver", f"{YEAR}/01.VP", "--on", "2026-01-15")
    out = tmp_path / "bien-ban.xlsx"
    [printed] = hoso.cli_json("files", "handover-record", "--on", "2026-01-15", "--out", str(out),
                              "--deliverer", "Nguyễn Thị Lan")  # fmt: skip
    assert [f["code"] for f in printed["files"]] == ["01.VP"] and out.stat().st_size > 0
    assert printed["totals"]["records"] == 3
    reader = hoso.user("hs_handover_reader", "reader", 1)
    seen = reader.get(f"{hoso.url}/api/hoso/handover?on=2026-01-15").json()
    visible_pages = records["c1"]["pages"] + records["c2"]["pages"]
    assert (seen["totals"]["records"], seen["totals"]["pages"]) == (2, visible_pages)
    pdf = reader.get(f"{hoso.url}/api/hoso/handover?on=15/01/2026&format=pdf&receiver=Trần Minh")
    assert pdf.headers["Content-Type"] == "application/pdf"
    doc = pdfium.PdfDocument(pdf.content)
    text = " ".join(" ".join(p.get_textpage().get_text_range().split()) for p in doc)
    assert "BIÊN BẢN GIAO NHẬN TÀI LIỆU" in text and f"{YEAR}/01.VP" in text
    assert f"Tổng số: 1 hồ sơ, 2 văn bản, {visible_pages} tờ" in text and "Trần Minh" in text
    assert "02/01/2025" not in text  # the secret record's date is not the file's start for them
    assert reader.get(f"{hoso.url}/api/hoso/handover?on=2026-01-16").status_code == 404
