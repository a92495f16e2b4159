"""A born-digital PDF does not wait behind a burst of scans: it takes the text lane
(`record.ingested_digital`, its own queue) and is indexed while the scans still queue."""

from __future__ import annotations

from datetime import datetime

from tests.fixtures.documents import (
    SAMPLE_PARTY_PAGE,
    SAMPLE_STATE_PAGE,
    born_digital_pdf,
    render_page,
)

SCANS = 16


def indexed_at(record: dict) -> datetime:
    [at] = [h["at"] for h in record["history"] if h["action"] == "indexed"][-1:]
    return datetime.fromisoformat(at)


def test_a_born_digital_pdf_overtakes_a_burst_of_scans(stack):
    # Rendered first, so the scans arrive as one burst; distinct bytes, so none is a duplicate.
    pages = [
        render_page([*SAMPLE_PARTY_PAGE, f"Bản quét số {i + 1} của một đợt gửi liền."], dpi=300)
        for i in range(SCANS)
    ]
    scan_ids = []
    for i, page in enumerate(pages):
        response = stack.upload(f"quet-{i + 1}.png", page)
        assert response.status_code == 202, response.text
        scan_ids.append(response.json()["id"])
    lines = [*SAMPLE_STATE_PAGE, "Văn bản điện tử gửi sau đợt bản quét."]
    response = stack.upload("van-ban-dien-tu.pdf", born_digital_pdf([lines]))
    assert response.status_code == 202, response.text
    pdf = stack.wait_final(response.json()["id"], timeout=300)
    scans = [stack.wait_final(record_id, timeout=600) for record_id in scan_ids]

    assert pdf["status"] == "indexed", pdf["error"]
    assert [s["status"] for s in scans] == ["indexed"] * SCANS, [s["error"] for s in scans]
    # In one FIFO queue the PDF would start only after SCANS - records-at-once (4) scans were
    # done; in its own lane it is done before most of them.
    after_pdf = [s for s in scans if indexed_at(s) > indexed_at(pdf)]
    assert len(after_pdf) > SCANS // 2, (indexed_at(pdf), sorted(map(indexed_at, scans)))
    text = stack.get(f"/api/records/{pdf['id']}/text").json()
    assert text["pages"][0]["source"] == "text_layer"
