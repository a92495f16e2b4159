"""A plain-text file typed in TCVN3 (ABC), as offices kept them for decades, goes from upload to
a search hit in Unicode; binary data named `.txt` is refused with the reason."""

from __future__ import annotations

import unicodedata

import pytest

from tests.fixtures import hostile

LINES = [
    "Biên bản nghiệm thu công trình kè sông Trà Khúc",
    "Ngày 12 tháng 3 năm 1998 hội đồng nghiệm thu họp tại văn phòng",
]
# TCVN3 bytes, DOS line breaks; the last line as a .VnTime file stores it, byte for byte.
TCVN3_FILE = (
    b"\r\n".join(hostile.tcvn3(line).encode("latin-1") for line in LINES)
    + b"\r\n\xa7\xb6ng C\xe9ng s\xb6n Vi\xd6t Nam\r\n"
)


@pytest.fixture(scope="module")
def text_record(stack) -> dict:
    assert b"K\xefc" not in TCVN3_FILE and b"Kh\xf3c" in TCVN3_FILE  # really TCVN3, not Unicode
    response = stack.upload("bien-ban-nghiem-thu.txt", TCVN3_FILE)
    assert response.status_code == 202, response.text
    return stack.wait_final(response.json()["id"], timeout=120)


def test_a_tcvn3_text_file_is_indexed_as_plain_text(text_record):
    assert text_record["status"] == "indexed", text_record["error"]
    assert text_record["media_type"] == "text/plain"
    assert text_record["file"] == "bien-ban-nghiem-thu.txt"


def test_its_text_comes_back_as_unicode_nfc(stack, text_record):
    body = stack.get(f"/api/records/{text_record['id']}/text").json()
    [page] = body["pages"]
    assert (page["source"], page["confidence"], page["review"]) == ("text_layer", None, False)
    assert unicodedata.is_normalized("NFC", page["text"])
    for line in [*LINES, "Đảng Cộng sản Việt Nam"]:
        assert line in page["text"]
    assert "§" not in page["text"] and "\r" not in page["text"]


@pytest.mark.parametrize("query", ["kè sông Trà Khúc", "ke song tra khuc"])
def test_a_word_of_it_finds_it_with_or_without_diacritics(stack, text_record, query):
    hits = stack.get("/api/search", params={"q": query}).json()["hits"]
    assert text_record["id"] in [hit["id"] for hit in hits]


def test_the_portal_says_it_was_read_from_a_text_file(stack, text_record):
    html = stack.get(f"/records/{text_record['id']}").text
    assert "tệp văn bản thuần (.txt)" in html and "Trà Khúc" in html
    assert 'class="review"' not in html


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"Bi\xaan b\xb6n\x00\x00\x00\x00" * 4, "Tệp .txt chứa byte NUL"),
        (hostile.elf_executable(), "(application/x-executable) dù tên tệp có đuôi .txt"),
    ],
    ids=["nul-bytes", "elf"],
)
def test_binary_data_named_txt_is_refused_with_the_reason(stack, data, reason):
    response = stack.upload("ghi-chu.txt", data)
    assert response.status_code == 400, response.text
    assert reason in response.json()["error"]
    assert " / " in response.json()["error"]
