"""Ingest's rules for accepting a file: names, types, sizes, registers."""

import io
import unicodedata

import pytest
from PIL import Image

from services.common.catalog import SqlCatalog, format_number
from services.common.errors import ErrorCode, PermanentError
from services.common.objects import FilesystemObjectStore
from services.common.records import book_code, shown_number
from services.ingest.intake import (
    Declared,
    check_register,
    clean_file_name,
    detect_media_type,
    ingest_file,
)

MB = 2**20
PNG_HEADER = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("L", (8, 8), 255).save(out, "PNG")
    return out.getvalue()


A_PNG = _png()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("scan\x00.pdf", "scan.pdf"),
        ("  ..  ", "tai-lieu"),
        ("", "tai-lieu"),
        ("C:\\Users\\văn thư\\Nghị quyết.pdf", "Nghị quyết.pdf"),
    ],
)
def test_file_names_lose_their_path_and_control_characters(raw, expected):
    assert clean_file_name(raw) == expected


def test_an_nfd_file_name_is_stored_in_nfc():
    nfd = unicodedata.normalize("NFD", "Quyết định số 15.pdf")
    cleaned = clean_file_name(nfd)
    assert cleaned == "Quyết định số 15.pdf"
    assert unicodedata.is_normalized("NFC", cleaned)


def test_a_300_character_name_is_shortened_but_keeps_its_extension():
    cleaned = clean_file_name("đ" * 300 + ".pdf")
    assert len(cleaned) <= 200
    assert cleaned.endswith(".pdf")


def test_the_real_type_comes_from_the_content_not_the_extension():
    assert detect_media_type(PNG_HEADER, 10 * MB) == "image/png"
    assert detect_media_type(b"%PDF-1.7\n...", 10 * MB) == "application/pdf"
    assert detect_media_type(b"\xff\xd8\xff\xe0" + b"\0" * 20, 10 * MB) == "image/jpeg"
    assert detect_media_type(b"II*\x00" + b"\0" * 20, 10 * MB) == "image/tiff"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", ErrorCode.EMPTY_FILE),
        (b"PK\x03\x04" + b"\0" * 40, ErrorCode.UNSUPPORTED_TYPE),  # a zip named .pdf
        (b"MZ\x90\x00" + b"\0" * 60, ErrorCode.UNSUPPORTED_TYPE),  # a Windows executable
        (b"\x7fELF" + b"\0" * 60, ErrorCode.UNSUPPORTED_TYPE),
        (b"plain text that says %PDF later", ErrorCode.UNSUPPORTED_TYPE),
    ],
)
def test_bad_files_are_refused_with_a_reason_a_clerk_can_read(data, code):
    with pytest.raises(PermanentError) as caught:
        detect_media_type(data, 10 * MB)
    assert caught.value.code == code
    assert " / " in caught.value.message  # Vietnamese first, then English


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(PermanentError) as caught:
        detect_media_type(PNG_HEADER + b"\0" * MB, MB)
    assert caught.value.code == ErrorCode.TOO_LARGE


def test_unknown_register_is_refused():
    assert check_register("den") == "den"
    with pytest.raises(PermanentError):
        check_register("xyz")


@pytest.mark.parametrize(
    ("data", "register", "declared", "code"),
    [
        (b"PK\x03\x04" + b"\0" * 40, "den", Declared(), "unsupported_type"),
        (b"", "den", Declared(), "empty_file"),
        (PNG_HEADER, "xyz", Declared(), "bad_request"),
        (PNG_HEADER, "den", Declared.parse("mat", None), "bad_request"),  # above ceiling 0
        (PNG_HEADER, "den", Declared(), "broken_file"),  # a header and nothing to read
        (A_PNG, "den", Declared(), None),  # accepted
    ],
)
def test_a_refused_file_answers_with_its_error_code(tmp_path, data, register, declared, code):
    """The API's 400 for a refused upload is this summary: it carries the `code` of every
    error answer (README, "HTTP API"), next to the refused record's id and reason."""
    summary = ingest_file(
        SqlCatalog(f"sqlite:///{tmp_path / 'catalog.db'}"),
        FilesystemObjectStore(tmp_path / "objects"),
        data=data, file_name="x.png", register=register, source="api", max_bytes=MB,
        declared=declared, ceiling=0,
    ).summary()  # fmt: skip
    assert summary["code"] == code
    assert (summary["status"] == "rejected") == (code is not None)


@pytest.mark.parametrize(("n", "shown"), [(1, "01"), (9, "09"), (10, "10"), (123, "123")])
def test_register_numbers_below_ten_get_a_leading_zero(n, shown):
    assert format_number(n) == shown


@pytest.mark.parametrize(
    ("number", "book", "shown", "code"),
    [
        (5, None, "05", "thuong"),  # as stored: NULL is the ordinary book
        (5, "mat", "05 (sổ mật)", "mat"),
        ("05", "mat", "05 (sổ mật)", "mat"),  # as the record's JSON gives it
        ("05", "thuong", "05", "thuong"),
        (None, None, None, None),  # a refused file has no number, so no book
    ],
)
def test_a_number_shown_alone_says_when_it_is_the_secret_books(number, book, shown, code):
    """NĐ 30/2020 Điều 16.3, 22.4: each book counts from 01; outside its book a secret
    book's number is marked, so it never reads as the ordinary book's."""
    assert (shown_number(number, book), book_code(number, book)) == (shown, code)


# --- plain text (.txt): no signature, so the name and the bytes both decide -----------------

ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 60
TCVN3_LINE = b"\xa7\xb6ng C\xe9ng s\xb6n Vi\xd6t Nam\r\n"  # "Đảng Cộng sản Việt Nam"


@pytest.mark.parametrize(
    "data",
    [
        "Biên bản họp Ban Thường vụ\n".encode(),
        "\ufeffBiên bản họp".encode(),  # UTF-8 with a BOM
        "Biên bản họp\r\n".encode("utf-16"),  # Notepad's "Unicode": UTF-16 LE with a BOM
        b"\xfe\xff" + "Biên bản họp".encode("utf-16-be"),
        TCVN3_LINE,
        b"Co\xe4ng ho\xf8a xa\xf5 ho\xe4i chu\xfb ngh\xf3a Vie\xe4t Nam",  # VNI
        b"BM01 - M\xe9u bi\xd6n b\xb6n\x1a",  # starts like a BMP; ends with DOS's EOF mark
    ],
    ids=["utf8", "utf8-bom", "utf16-le", "utf16-be", "tcvn3", "vni", "bm-prefix"],
)
def test_a_txt_file_that_reads_as_text_is_plain_text(data):
    assert detect_media_type(data, 10 * MB, "ghi-chú.TXT") == "text/plain"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (TCVN3_LINE + b"\0\0\0\0", "chứa byte NUL"),
        (ELF, "Không nhận loại tệp này (application/x-executable) dù tên tệp có đuôi .txt"),
        (b"PK\x03\x04" + b"\0" * 40, "(application/zip) dù tên tệp có đuôi .txt"),
        (b"MZ\x90\x00" + b"\0" * 60, "dù tên tệp có đuôi .txt"),
        (bytes(range(1, 9)) * 20 + TCVN3_LINE, "160 ký tự điều khiển"),
        (b"\xff\xfe" + "ab".encode("utf-16-le") + b"\x00", "có dấu UTF-16 nhưng nội dung bị hỏng"),
        (b"\xff\xfe" + b"\0" * 20, "chứa byte NUL"),  # UTF-32's mark, or zeros after a BOM
    ],
    ids=["nul", "elf", "zip", "exe", "controls", "broken-utf16", "utf32"],
)
def test_binary_data_named_txt_is_refused_with_the_reason(data, reason):
    with pytest.raises(PermanentError) as caught:
        detect_media_type(data, 10 * MB, "van-ban.txt")
    assert caught.value.code in (ErrorCode.UNSUPPORTED_TYPE, ErrorCode.BROKEN_FILE)
    assert reason in caught.value.message
    vi, en = caught.value.message.split(" / ")  # Vietnamese first, then English, once
    assert ".txt" in vi and ".txt" in en


def test_plain_text_under_another_name_is_refused_and_told_to_be_txt():
    with pytest.raises(PermanentError) as caught:
        detect_media_type("Biên bản họp".encode(), 10 * MB, "bien-ban.pdf")
    assert caught.value.code == ErrorCode.UNSUPPORTED_TYPE
    assert "đuôi .txt" in caught.value.message


def test_a_signature_still_wins_over_a_txt_name():
    assert detect_media_type(PNG_HEADER, 10 * MB, "anh.txt") == "image/png"
    assert detect_media_type(b"%PDF-1.7\n...", 10 * MB, "bao-cao.txt") == "application/pdf"
