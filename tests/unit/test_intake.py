"""Ingest's rules for accepting a file: names, types, sizes, registers."""

import unicodedata

import pytest

from services.common.catalog import format_number
from services.common.errors import ErrorCode, PermanentError
from services.ingest.intake import check_register, clean_file_name, detect_media_type

MB = 2**20
PNG_HEADER = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


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


@pytest.mark.parametrize(("n", "shown"), [(1, "01"), (9, "09"), (10, "10"), (123, "123")])
def test_register_numbers_below_ten_get_a_leading_zero(n, shown):
    assert format_number(n) == shown
