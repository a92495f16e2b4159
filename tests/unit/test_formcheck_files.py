"""The format check on real files: DOCX written by python-docx, PDF by fpdf2 and read back by
pypdfium2, through `luutru check` as an operator runs it, and the check's goals (≥ 95 % of
planted errors found, ≤ 1 false error per correct draft) on a sample with every planted error
once; the whole labelled set (304 drafts) is `make bench BENCH=formcheck`.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.formcheck import FALSE_ERRORS_PER_CORRECT_DRAFT, RECALL_GOAL, score
from services.common.errors import PermanentError
from services.formcheck import check
from services.formcheck.readers import read_draft
from tests.fixtures.drafts import BASES, PLANTS, sample_set, write

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
LUUTRU = Path(sys.executable).with_name("luutru")


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_reader_keeps_typography_and_page_set_up(fmt):
    draft = read_draft(write(BASES["state_decision"](), fmt))
    by_text = {line.text: line for line in draft.lines}
    date = by_text["Quy Nhơn, ngày 05 tháng 02 năm 2026"]
    assert (date.size, date.italic, date.bold) == (14, True, False)
    title = by_text["QUYẾT ĐỊNH"]
    assert (title.size, title.bold) == (14, True)
    assert by_text["- Như Điều 3;"].size == 11
    page = draft.pages[0]
    assert (round(page.width_mm), round(page.height_mm)) == (210, 297)
    assert page.left_mm >= 29.5 and draft.page_count == 2 and draft.page_numbers
    assert not draft.first_page_numbered


def test_pdf_lines_carry_their_page():
    draft = read_draft(write(BASES["party_resolution"](), "pdf"))
    assert draft.lines[0].page == 1 and draft.lines[-1].page == 2


def test_an_unreadable_file_is_refused_with_a_vietnamese_first_message():
    with pytest.raises(PermanentError, match=r"^Không đọc được"):
        check(b"%PDF-1.4 broken", "x.pdf")
    with pytest.raises(PermanentError, match=r"^Không đọc được"):
        check(b"PK\x03\x04 not a docx", "x.docx")


def _luutru(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [str(LUUTRU), "check", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_cli_reports_a_planted_error_as_json_and_exits_0(tmp_path):
    spec = BASES["state_decision"]()
    PLANTS["number.leading_zero"][2](spec)
    path = tmp_path / "du-thao.docx"
    path.write_bytes(write(spec, "docx"))
    done = _luutru(str(path), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["style"] == "state"
    [error] = answer["errors"]
    assert error["rule"] == "number.leading_zero"
    assert error["where"] == {"part": "number_symbol", "page": 1, "line": 3}
    assert error["message"].startswith("Số nhỏ hơn 10")


def test_cli_text_output_and_forced_style(tmp_path):
    path = tmp_path / "nghi-quyet.pdf"
    path.write_bytes(write(BASES["party_resolution"](), "pdf"))
    done = _luutru(str(path), "--style", "state")
    assert done.returncode == 0, done.stderr
    assert "parts.quoc_hieu" in done.stdout and "number.pattern" in done.stdout
    assert _luutru(str(path)).stdout.startswith("Kiểu văn bản / style: party")


def test_cli_fails_with_one_line_on_a_file_it_cannot_read(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("không phải dự thảo")
    done = _luutru(str(path))
    assert done.returncode == 1
    assert (
        done.stderr.strip() == "Không đọc được tệp DOCX hoặc PDF / Not a readable DOCX or PDF file"
    )


def test_goals_over_a_sample_with_every_planted_error():
    """≥ 95 % of planted errors found; ≤ 1 false error per correct draft."""
    drafts = sample_set()
    assert set().union(*(d.expected for d in drafts)) == set(PLANTS)
    assert {(d.fmt, d.style) for d in drafts} == {
        ("docx", "state"),
        ("docx", "party"),
        ("pdf", "state"),
        ("pdf", "party"),
    }
    result = score(drafts)
    assert result.recall >= RECALL_GOAL, result.misses
    assert max(result.false_errors_on_correct) <= FALSE_ERRORS_PER_CORRECT_DRAFT


def test_a_header_typed_with_line_breaks_and_tabs_reads_as_its_printed_lines():
    """Many clerks lay the header out in one paragraph (Shift+Enter, tab stops), not a table."""
    import io

    import docx
    from docx.shared import Pt

    document = docx.Document(io.BytesIO(write(BASES["state_decision"](), "docx")))
    table = document.tables[0]._tbl
    paragraph = document.add_paragraph()
    rows = [
        (
            ("UBND TỈNH BÌNH ĐỊNH", 13, False, False),
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, True, False),
        ),
        (("SỞ NỘI VỤ", 13, True, False), ("Độc lập - Tự do - Hạnh phúc", 13, True, False)),
        (
            ("Số: 05/QĐ-SNV", 13, False, False),
            ("Quy Nhơn, ngày 05 tháng 02 năm 2026", 14, False, True),
        ),
    ]
    for n, row in enumerate(rows):
        if n:
            paragraph.add_run().add_break()
        for column, (text, size, bold, italic) in enumerate(row):
            run = paragraph.add_run(("\t" if column else "") + text)
            run.font.size, run.bold, run.italic = Pt(size), bold, italic
    table.addprevious(paragraph._p)
    table.getparent().remove(table)
    out = io.BytesIO()
    document.save(out)
    lines = read_draft(out.getvalue()).lines
    assert [line.text for line in lines[:6]] == [text for row in rows for text, *_ in row]
    assert (lines[5].size, lines[5].italic) == (14, True)
    assert check(out.getvalue(), "x.docx")["errors"] == []


def test_a_scan_without_text_is_refused_rather_than_reported_as_all_missing():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # an image-like page: no text at all
    with pytest.raises(PermanentError, match=r"không có chữ đọc được \(bản quét\?\)"):
        check(bytes(pdf.output()), "scan.pdf")
