"""`luutru` starts fast: importing the command tree loads none of the heavy libraries.

Every CLI call is a new Python process (the e2e suite makes hundreds), so the command modules
import their heavy dependencies inside the commands that need them. Checked in a fresh
interpreter, since this test process has long since imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

# what `import services.cli.main` pulled in before the imports were made lazy (~1 s of CPU)
HEAVY = (
    "sqlalchemy",  # the catalog, through the intake and the agent
    "pydantic",  # the settings and the services' models
    "pydantic_settings",
    "pika",  # the broker client: only commands that reach the services
    "requests",  # the scanning agent
    "jsonschema",
    "openpyxl",  # the XLSX writers
    "reportlab",
    "fpdf",
    "pypdfium2",  # the PDF readers of `luutru check`
    "PIL",
    "docx",
    "nameko",
    "eventlet",
    "tantivy",
    "rich.progress",
    "services.agent",
    "services.formcheck",
    "services.ingest",
    "services.registers",
    "services.handling",
    "services.common.config",
    "services.common.catalog",
)


def _loaded_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded for h in HEAVY if m == h or m.startswith(h + "."))


def test_the_command_tree_imports_no_heavy_library():
    loaded = _loaded_after("import services.cli.main")
    assert "services.cli.tasks" in loaded  # the check itself works
    assert _heavy(loaded) == []


def test_the_help_needs_none_of_them_either():
    code = (
        "from typer.testing import CliRunner\n"
        "from services.cli.main import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output"
    )
    assert _heavy(_loaded_after(code)) == []
