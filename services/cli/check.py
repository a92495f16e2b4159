"""`luutru check FILE`: the format check (thẩm định thể thức) of a DOCX or PDF draft.

Runs here, without the services: the draft is read, checked and forgotten. Exit 0 whatever it
finds (a finding is not a failure of the command); non-zero only when the file cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from services.cli.common import JsonFlag, emit, fail
from services.common.errors import LuutruError

StyleOption = Annotated[
    str | None,
    typer.Option("--style", help="party (36-HD/VPTW) or state (NĐ 30/2020); guessed if unset"),
]


def check(file: Path, style: StyleOption = None, as_json: JsonFlag = False) -> None:
    """Check a draft's form (DOCX or PDF) before it is signed."""
    from services.formcheck import check as check_draft  # heavy (DOCX/PDF readers); only here

    try:
        result = check_draft(file.read_bytes(), file.name, style)
    except OSError as exc:
        fail(f"Không đọc được tệp / Cannot read {file}: {exc.strerror}")
        return
    except LuutruError as exc:
        fail(exc.message)
        return
    if as_json:
        emit(result)
        return
    print(render(result))


def render(result: dict) -> str:
    lines = [f"Kiểu văn bản / style: {result['style']}"]
    for heading, findings in (
        ("LỖI / ERRORS", result["errors"]),
        ("CẢNH BÁO / WARNINGS", result["warnings"]),
    ):
        lines.append(f"{heading}: {len(findings)}")
        lines += [
            f"  {_where(f['where'])} [{f['rule']}] {f['message']} ({f['source']})" for f in findings
        ]
    return "\n".join(lines)


def _where(where: dict) -> str:
    page = f"trang {where['page']}, " if where.get("page") else ""
    line = f"dòng {where['line']}" if where.get("line") else "toàn văn bản"
    return f"{where['part']} ({page}{line}):"
