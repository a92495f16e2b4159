"""Every bad file gets an answer a records clerk can read, and none hurts the services.

Each file is generated here. It is either refused at upload (400 with the reason, the record
`rejected`), or accepted and then processed, or failed with the reason on the record when only
decoding finds the damage. A document that cannot be opened, or breaks a page or pixel limit,
is refused at upload with the reason the ocr stage would give (services/ocr/readable.py).
Meanwhile no service process restarts (same process ids) and none grows past 1 GB of memory:
intake reads such files' structure in the ingest process, the ocr stage decodes the rest.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tests.fixtures import hostile
from tests.fixtures.documents import born_digital_pdf, png_header_only, render_page

LINES = ["NGHỊ QUYẾT", "về công tác văn thư, lưu trữ", "Ban Thường vụ quyết nghị như sau"]
MAX_MEMORY_KB = 1024 * 1024  # 1 GB

# (name, file, what the clerk must read) for files that are not documents, refused at upload
REFUSED = [
    ("rong.pdf", b"", "Tệp rỗng"),
    ("setup.exe", hostile.elf_executable(), "Không nhận loại tệp này (application/x-executable)"),
    ("ho-so.zip", hostile.zip_archive(), "Không nhận loại tệp này (application/zip)"),
    ("hoa-don.pdf", hostile.zip_archive(), "chỉ nhận PDF, PNG, JPEG, TIFF"),  # lies: a zip
]
# (name, file, what the clerk must read) for damaged or dangerous documents, refused at upload
DAMAGED = [
    ("cut.pdf", hostile.truncated_pdf(LINES), "Tệp PDF bị hỏng"),
    ("mat-khau.pdf", born_digital_pdf([LINES], password="bi-mat"), "được bảo vệ bằng mật khẩu"),
    ("10000-trang.pdf", hostile.pdf_with_pages(10_000), "có 10000 trang, vượt giới hạn 500"),
    ("200-inch.pdf", hostile.pdf_huge_page(200), "60000×60000 điểm ảnh, vượt giới hạn"),
    ("35000.png", png_header_only(35_000, 35_000), "35000×35000 điểm ảnh"),
    ("khong-trang.pdf", hostile.pdf_without_pages(), "không có trang nào"),
]
# (name, file, what the clerk must read) for files accepted, then failed with the reason:
# damage that only decoding finds (intake reads headers only)
FAILED = [
    ("cat-ngang.png", hostile.truncated_png(LINES), "Tệp ảnh bị hỏng hoặc không đọc được"),
]


def memory_kb(pid: int) -> int:
    """Peak resident memory of a process (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {pid}")


@pytest.fixture(scope="module", autouse=True)
def pids_before(stack) -> dict[str, int]:
    """The service process ids before the first hostile file of this module."""
    return stack.service_pids()


@pytest.mark.parametrize(("name", "data", "reason"), REFUSED, ids=[c[0] for c in REFUSED])
def test_a_file_that_is_not_a_document_is_refused_with_the_reason(stack, name, data, reason):
    response = stack.upload(name, data)
    assert response.status_code == 400, response.text
    assert reason in response.json()["error"]
    assert " / " in response.json()["error"]  # Vietnamese, then English


@pytest.mark.parametrize(("name", "data", "reason"), DAMAGED, ids=[c[0] for c in DAMAGED])
def test_a_damaged_or_dangerous_document_is_refused_at_upload_with_the_reason(
    stack, name, data, reason
):
    response = stack.upload(name, data)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert reason in answer["error"] and " / " in answer["error"]
    record = stack.record(answer["id"])  # registered as refused, with no number
    assert (record["status"], record["number"]) == ("rejected", None)
    assert reason in record["error"]


@pytest.fixture(scope="module")
def failed_records(stack) -> dict[str, dict]:
    """Upload every bad document first, then wait: they are processed side by side."""
    ids = {}
    for name, data, _ in FAILED:
        response = stack.upload(name, data)
        assert response.status_code == 202, (name, response.text)
        ids[name] = response.json()["id"]
    return {name: stack.wait_final(record_id, timeout=120) for name, record_id in ids.items()}


@pytest.mark.parametrize(
    ("name", "reason"), [(c[0], c[2]) for c in FAILED], ids=[c[0] for c in FAILED]
)
def test_damage_only_decoding_finds_fails_with_the_reason(failed_records, name, reason):
    record = failed_records[name]
    assert record["status"] == "failed", record
    assert reason in record["error"], record["error"]
    assert " / " in record["error"]


def upload_and_wait(stack, name: str, data: bytes) -> dict:
    response = stack.upload(name, data)
    assert response.status_code == 202, response.text
    return stack.wait_final(response.json()["id"], timeout=120)


def test_a_pdf_with_a_broken_xref_is_repaired_and_read(stack):
    record = upload_and_wait(stack, "xref.pdf", hostile.pdf_with_broken_xref(LINES))
    assert record["status"] == "indexed", record["error"]
    text = stack.get(f"/api/records/{record['id']}/text").json()["pages"][0]["text"]
    assert "Ban Thường vụ quyết nghị" in text


def test_a_pdf_with_only_an_owner_password_opens_and_is_read(stack):
    data = born_digital_pdf([[*LINES, "chỉ hạn chế in"]], password="")
    record = upload_and_wait(stack, "han-che-in.pdf", data)
    assert record["status"] == "indexed", record["error"]


def test_an_extension_that_lies_does_not_matter_the_content_decides(stack):
    record = upload_and_wait(stack, "quet.pdf", render_page(LINES, dpi=150))
    assert record["status"] == "indexed", record["error"]
    assert record["media_type"] == "image/png"
    assert record["file"] == "quet.pdf"  # the name is the clerk's, kept as given


def test_a_tcvn3_text_layer_is_read_as_unicode(stack):
    lines = ["Nghị quyết về công tác lưu trữ", "Báo cáo của đảng bộ tỉnh"]
    record = upload_and_wait(stack, "tcvn3.pdf", hostile.tcvn3_pdf(lines))
    assert record["status"] == "indexed", record["error"]
    page = stack.get(f"/api/records/{record['id']}/text").json()["pages"][0]
    assert page["source"] == "text_layer"
    assert "Nghị quyết về công tác" in page["text"] and "của đảng bộ tỉnh" in page["text"]


NAMES = [
    ("../../etc/cron.d/lenh.pdf", "lenh.pdf"),
    ("..\\..\\windows\\lenh2.pdf", "lenh2.pdf"),  # HTTP unquoting eats the backslashes
    ("bao\x00cao.pdf", "baocao.pdf"),
    (unicodedata.normalize("NFD", "Quyết định số 15.pdf"), "Quyết định số 15.pdf"),
]


@pytest.mark.parametrize(("sent", "kept"), NAMES, ids=["dotdot", "backslash", "nul", "nfd"])
def test_a_hostile_file_name_is_cleaned(stack, sent, kept):
    data = born_digital_pdf([[*LINES, f"tên tệp {kept}"]])
    response = stack.upload(sent, data)
    assert response.status_code == 202, response.text
    name = response.json()["file"]
    assert name.endswith(kept) and not any(bad in name for bad in ("/", "\\", "..", "\0"))
    assert name == kept or sent.startswith("..\\")
    assert unicodedata.is_normalized("NFC", name)


def test_a_300_character_name_is_shortened_and_keeps_its_extension(stack):
    data = born_digital_pdf([[*LINES, "tên rất dài"]])
    response = stack.upload("đ" * 296 + ".pdf", data)
    assert response.status_code == 202, response.text
    name = response.json()["file"]
    assert len(name) <= 200 and name.endswith(".pdf") and name.startswith("đđđ")


def test_no_service_restarted_and_none_grew_past_1_gb(stack, pids_before):
    """Runs last: every file above has been answered by the same processes."""
    assert stack.service_pids() == pids_before, "a service process restarted"
    for name, pid in pids_before.items():
        assert memory_kb(pid) < MAX_MEMORY_KB, f"{name} grew past 1 GB"
