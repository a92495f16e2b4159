"""The `records` and `history` tables are the SQL adapter's own (issue 19).

Services reach records through the `Catalog` port (services/common/ports.py); only the adapter's
modules (and the migrations, which own the schema) may name the table objects, so the rule
"a status only moves forward" cannot be bypassed by a stage writing the table itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import services

SERVICES = Path(services.__file__).parent
ADAPTER = {
    "common/catalog.py",
    "common/catalog_rows.py",
    "common/catalog_queries.py",
    "common/catalog_registers.py",
    "common/catalog_tables.py",
}
TABLE_MODULES = {"services.common.catalog_tables", "services.common.catalog"}
PRIVATE = {"records", "history"}


def _imports_of_tables(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module in TABLE_MODULES:
            found += [a.name for a in node.names if a.name in PRIVATE or a.name == "*"]
        elif isinstance(node, ast.ImportFrom) and node.module == "services.common":
            found += [a.name for a in node.names if a.name == "catalog_tables"]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "services.common.catalog_tables"]
    return found


def test_no_services_module_outside_the_adapter_imports_the_records_or_history_table():
    offenders = {
        str(path.relative_to(SERVICES)): names
        for path in SERVICES.rglob("*.py")
        if "migrations" not in path.parts
        and str(path.relative_to(SERVICES)) not in ADAPTER
        and (names := _imports_of_tables(path))
    }
    assert offenders == {}


def test_the_catalog_module_no_longer_hands_out_the_tables():
    from services.common import catalog

    assert PRIVATE.isdisjoint(vars(catalog))
