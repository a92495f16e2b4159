"""Export of a search result list: paging through the (clearance-filtered) search, rows in
Vietnamese order and dates, CSV/XLSX/PDF that open."""

from __future__ import annotations

import io

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
