"""Export of a search result list: paging through the (clearance-filtered) search, rows in
Vietnamese order and dates, CSV/XLSX/PDF that open."""

from __future__ import annotations

import io
import unicodedata

from openpyxl import load_workbook

from services.common import result_export as rx


def fake_search(total: int):
    calls = []

    def search(params):
        calls.append(params)
        start = (params["page"] - 1) * params["size"]
        hits = [
            {
                "id": f"id{i}",
                "title": f"Báo cáo số {i}",
                "number_symbol": f"{i}-BC/TU",
                "date": "2024-03-08" if i % 2 else None,
                "type": "bao_cao",
                "register": "den",
                "number": f"{i:02d}",
                "organ": "TỈNH ỦY HÀ NAM",
            }
            for i in range(start + 1, min(total, start + params["size"]) + 1)
        ]
        return {"total": total, "hits": hits}

    return search, calls


def test_collect_pages_through_every_hit_and_reports_progress():
    search, calls = fake_search(250)
    seen = []
    found = rx.collect(
        search, {"q": "báo cáo", "page": "7", "size": "5"}, lambda d, o: seen.append((d, o))
    )
    assert [c["page"] for c in calls] == [1, 2, 3] and all(c["size"] == 100 for c in calls)
    assert seen == [(100, 250), (200, 250), (250, 250)]
    assert found.total == 250 and len(found.rows) == 250 and not found.truncated
    assert found.rows[0] == [
        "1", "1-BC/TU", "08/03/2024", "Báo cáo", "Báo cáo số 1", "TỈNH ỦY HÀ NAM",
        rx.REGISTER_BOOKS["den"], "01", "id1",
    ]  # fmt: skip
    assert found.rows[1][2] == "" and found.rows[249][0] == "250"


def test_an_empty_list_is_one_call():
    search, calls = fake_search(0)
    found = rx.collect(search, {"q": "x"})
    assert (found.total, found.rows, len(calls)) == (0, [], 1)


def test_every_format_opens_with_the_rows():
    found = rx.collect(fake_search(3)[0], {"q": "báo cáo"})
    csv_text = rx.to_csv(found).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("STT,") and "Báo cáo số 3" in csv_text
    sheet = load_workbook(io.BytesIO(rx.to_xlsx(found))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == rx.TITLE and values[3][0] == "STT"
    assert values[4][0] == 1 and values[4][2].strftime("%d/%m/%Y") == "08/03/2024"
    assert values[4][7] == "01"  # leading zero kept
    assert rx.to_pdf(found).startswith(b"%PDF")


def test_docx_holds_the_heading_and_the_table_a4_landscape_in_nfc():
    """NĐ 30/2020 Phụ lục VI Phần I: results exported to .docx (Word opens it; the old
    binary .doc has no maintained writer). Read back with python-docx."""
    from docx import Document
    from docx.enum.section import WD_ORIENT

    search, _ = fake_search(3)

    def decomposed(params):  # a title typed in decomposed Unicode, and a control character
        found = search(params)
        found["hits"][0]["title"] = unicodedata.normalize("NFD", "Tờ trình về việc\x0b khen")
        return found

    found = rx.collect(decomposed, {"q": "báo cáo"})
    doc = Document(io.BytesIO(rx.to_docx(found)))
    assert [p.text for p in doc.paragraphs] == [rx.TITLE, "Từ khóa: báo cáo", "Số kết quả: 3"]
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    [table] = doc.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == list(rx.COLUMNS) and len(cells) == 4
    assert cells[1][4] == "Tờ trình về việc khen" == unicodedata.normalize("NFC", cells[1][4])
    assert cells[1][2] == "08/03/2024" and cells[1][7] == "01" and cells[3][1] == "3-BC/TU"
    assert cells[2][2] == "" and cells[3][-1] == "id3"
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")  # the header repeats on each page


def test_a_capped_docx_says_how_many_it_holds_of_how_many():
    from docx import Document

    found = rx.ResultList("x", 12_345, [["1", "", "", "", "<Kết luận> & việc", "", "", "", "a"]])
    doc = Document(io.BytesIO(rx.to_docx(found)))
    assert doc.paragraphs[2].text == "Số kết quả: 1 / 12345"
    assert doc.tables[0].rows[1].cells[4].text == "<Kết luận> & việc"
    assert set(rx.FORMATS) == {"csv", "xlsx", "pdf", "docx"}


def test_a_secret_book_number_says_so_in_every_format():
    """The ordinary and the secret book's 05 of one year are both rows (NĐ 30/2020 Điều 16.3)."""
    hits = [{"id": "a", "register": "den", "number": "05", "book": "thuong"},
            {"id": "b", "register": "den", "number": "05", "book": "mat"}]  # fmt: skip
    found = rx.collect(lambda page: {"total": 2, "hits": hits}, {"q": "x"})
    assert [row[7] for row in found.rows] == ["05", "05 (sổ mật)"]
    assert "05 (sổ mật)" in rx.to_csv(found).decode("utf-8-sig")
