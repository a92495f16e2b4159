"""A denouncer's identity reaches no clerk, on the real stack.

Invariants: a tố cáo whose writer introduces himself in capitals after "Tôi là ông", with his
year of birth, address and phone, and signs under "Người tố cáo", is read as having a writer;
a clerk's search for the name without diacritics, for the phone or for "surname birth-year"
does not find it and no snippet, title, text, record JSON or portal page shows the name, the
phone or the uploaded file name (which carries the name); a petition officer reads them all.
A letter titled "ĐƠN KHIẾU NẠI, TỐ CÁO" is sealed like a tố cáo. A scanned letter read by
Tesseract is masked the same way.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta

import pytest
import requests

from tests.fixtures.documents import born_digital_pdf, render_page

# SHA-256 digests, UUIDs, event ids: left out before looking for a phone number or a year in
# output (a random digest held "…8109872…" once).
HEX_IDS = re.compile(r"[0-9a-f-]{32,}")

TAG = "dt" + uuid.uuid4().hex[:6]  # a word only this module's letters contain
WRITER, PHONE = "NGUYỄN VĂN HÙNG", "0912 345 678"
ACCUSED = "Lương Văn Kiệm"
FILE_NAME = "don-to-cao-nguyen-van-hung.txt"
LETTER = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ĐƠN TỐ CÁO",
    "(V/v ông Nguyễn Văn Hùng tố cáo cán bộ địa chính xã)",
    "Kính gửi: Ủy ban Kiểm tra Huyện ủy Phù Cát",
    f"Tôi là ông {WRITER}, sinh năm 1962, trú tại thôn Chánh Hòa, xã Cát Minh,",
    f"huyện Phù Cát, điện thoại {PHONE}.",
    f"Tôi tố cáo ông {ACCUSED}, cán bộ địa chính xã, nhận tiền của dân (mã {TAG}).",
    "Phù Cát, ngày 10 tháng 3 năm 2026",
    "Người tố cáo",
    "(Ký, ghi rõ họ tên)",
    "Hùng",
    "Nguyễn Văn Hùng",
]
BOTH = [
    "ĐƠN KHIẾU NẠI, TỐ CÁO",
    "Kính gửi: Thanh tra huyện Tuy Phước",
    "Họ và tên: Trịnh Thị Xuân Lan, SN: 1958, SĐT: 0987.654.321",
    f"Tôi khiếu nại quyết định thu hồi đất và tố cáo ông {ACCUSED} (mã {TAG}).",
    "Người khiếu nại, tố cáo",
    "Trịnh Thị Xuân Lan",
]
SCANNED = [
    "ĐƠN TỐ CÁO",
    "Kính gửi: Ủy ban Kiểm tra Huyện ủy Phù Mỹ",
    "Tôi tên là Đặng Quốc Bảo, sinh năm 1971, trú tại thôn An Lạc, xã Mỹ Hòa.",
    "Điện thoại: 0905 246 813.",
    f"Tôi tố cáo ông {ACCUSED} nhận tiền của dân.",
    "Người tố cáo",
    "Đặng Quốc Bảo",
]
CLERK_QUERIES = ["nguyen van hung", "0912345678", PHONE, "Nguyễn 1962", "nguyen 1962", "hung"]


@pytest.fixture(scope="module")
def people(stack) -> dict[str, requests.Session]:
    return {
        "clerk": stack.user("si_clerk", "clerk", 0),
        "reader": stack.user("si_reader", "reader", 0),
        "archivist": stack.user("si_archivist", "archivist", 3),
        "officer": stack.user("si_officer", "petition_officer", 1),  # Mật: sees the writer
        "officer0": stack.user("si_officer0", "petition_officer", 0),  # reads as a clerk does
        "admin": stack.http,
    }


def ingest(stack, name: str, data: bytes, register: str = "don", timeout: float = 180) -> dict:
    response = stack.upload(name, data, register=register)
    assert response.status_code == 202, response.text
    record = stack.wait_final(response.json()["id"], timeout=timeout)
    assert record["status"] == "indexed", record
    return record


@pytest.fixture(scope="module")
def letter(stack) -> dict:
    return ingest(stack, FILE_NAME, "\n".join(LETTER).encode())


@pytest.fixture(scope="module")
def both(stack) -> dict:
    return ingest(stack, "don-khieu-nai-to-cao-trinh-thi-xuan-lan.pdf", born_digital_pdf([BOTH]))


def hits(session: requests.Session, url: str, query: str) -> list[dict]:
    response = session.get(f"{url}/api/search", params={"q": query, "size": 100}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["hits"]


def shows_identity(shown: str) -> list[str]:
    """Which of the writer's values a piece of output shows (folded where a clerk would)."""
    shown = HEX_IDS.sub("#", shown)
    folded = shown.lower()
    found = [v for v in ("HÙNG", "Hùng", "0912", "nguyen-van-hung", "1962") if v in shown]
    return found + (["hùng"] if "hùng" in folded else [])


def test_a_clerk_finds_the_letter_by_neither_name_phone_nor_surname_and_birth_year(
    stack, letter, people
):
    for name in ("clerk", "reader", "officer", "admin"):
        for query in CLERK_QUERIES:
            found = hits(people[name], stack.url, query)
            assert letter["id"] not in [h["id"] for h in found], (name, query)
        [hit] = [h for h in hits(people[name], stack.url, TAG) if h["id"] == letter["id"]]
        assert shows_identity(json.dumps(hit, ensure_ascii=False)) == [], (name, hit)
        assert ACCUSED.split()[-1] in hit["snippet"] or TAG in hit["snippet"]


def test_text_record_and_page_show_a_clerk_no_name_phone_or_file_name(stack, letter, people):
    path = f"{stack.url}/api/records/{letter['id']}"
    for name in ("clerk", "reader", "archivist", "officer0", "admin"):
        session = people[name]
        text = session.get(f"{path}/text", timeout=30).json()
        record = session.get(path, timeout=30).json()
        page = session.get(f"{stack.url}/records/{letter['id']}", timeout=30).text
        for shown in (json.dumps(text, ensure_ascii=False), json.dumps(record, ensure_ascii=False)):
            assert shows_identity(shown) == [], (name, shown)
        assert shows_identity(page) == [] and FILE_NAME not in page, name
        assert ACCUSED in text["pages"][0]["text"] and record["file"] != FILE_NAME


def test_a_petition_officer_reads_the_writer(stack, letter, people):
    path = f"{stack.url}/api/records/{letter['id']}"
    officer = people["officer"]
    identity = officer.get(f"{path}/petitioner", timeout=30).json()
    assert identity["name"] == WRITER and identity["sealed"] is True
    assert identity["details"]["phones"] == ["0912345678"]
    assert "1962" in identity["details"]["births"]
    assert WRITER in officer.get(f"{path}/text", timeout=30).text
    assert officer.get(path, timeout=30).json()["file"] == FILE_NAME
    for name in ("clerk", "archivist", "officer0", "admin"):
        assert people[name].get(f"{path}/petitioner", timeout=30).status_code == 403


def test_a_letter_that_complains_and_denounces_is_sealed(stack, both, people):
    path = f"{stack.url}/api/records/{both['id']}"
    identity = people["officer"].get(f"{path}/petitioner", timeout=30).json()
    assert identity["sealed"] is True and identity["name"] == "Trịnh Thị Xuân Lan"
    text = people["clerk"].get(f"{path}/text", timeout=30).json()
    shown = json.dumps(text, ensure_ascii=False) + people["clerk"].get(path, timeout=30).text
    shown = HEX_IDS.sub("#", shown)
    assert "Xuân Lan" not in shown and "0987" not in shown and "xuan-lan" not in shown
    assert text["working_copy"] is True
    assert both["id"] not in [h["id"] for h in hits(people["clerk"], stack.url, "xuan lan")]


def test_a_scanned_letter_read_by_tesseract_is_masked(stack, people):
    record = ingest(stack, "don-dang-quoc-bao.png", render_page(SCANNED, dpi=300), timeout=300)
    path = f"{stack.url}/api/records/{record['id']}"
    identity = people["officer"].get(f"{path}/petitioner", timeout=30).json()
    assert identity["sealed"] is True and identity["name"] == "Đặng Quốc Bảo"
    text = json.dumps(people["clerk"].get(f"{path}/text", timeout=30).json(), ensure_ascii=False)
    assert "Quốc Bảo" not in text and "0905" not in text and "1971" not in text
    for query in ("dang quoc bao", "0905246813", "Đặng 1971"):
        found = [h for h in hits(people["clerk"], stack.url, query) if h["id"] == record["id"]]
        assert found == [], (query, text)


def test_the_desk_and_the_register_book_list_the_letter_without_its_writer(
    stack, letter, people, tmp_path
):
    officer_desk = people["officer"].get(f"{stack.url}/petitions", timeout=30).text
    assert f'data-id="{letter["id"]}"' in officer_desk and "Nguyễn Văn Hùng" in officer_desk
    admin_desk = people["admin"].get(f"{stack.url}/petitions", timeout=30).text
    assert f'data-id="{letter["id"]}"' in admin_desk and shows_identity(admin_desk) == []
    incoming = ingest(
        stack, "to-cao-hung-den.txt", "\n".join([*LETTER, "Bản sao."]).encode(), "den"
    )
    assert incoming["metadata"]["subject"] != "(V/v ông Nguyễn Văn Hùng tố cáo cán bộ địa chính xã)"
    day = date.fromisoformat(incoming["history"][0]["at"][:10])
    out = tmp_path / "so-den.csv"
    span = [(day - timedelta(days=1)).isoformat(), (day + timedelta(days=1)).isoformat()]
    stack.cli("register", "export", "den", "--from", span[0], "--to", span[1], "--out", str(out))
    book = out.read_text(encoding="utf-8-sig")
    assert "V/v ông [" in book and shows_identity(book) == []


def test_a_duplicate_upload_does_not_answer_with_the_sealed_file_name(stack, letter, people):
    files = {"file": ("ban-chup.txt", "\n".join(LETTER).encode())}
    response = people["clerk"].post(
        f"{stack.url}/api/records", files=files, data={"register": "don"}, timeout=60
    )
    assert response.status_code == 202 and response.json()["duplicate"] is True
    assert response.json()["file"] == "ban-chup.txt" and FILE_NAME not in response.text
