"""The `records` and `history` tables are the SQL adapter's own.

Services reach records through the `Catalog` port (services/common/ports.py); only the adapter's
modules (and the migrations, which own the schema) may name the table objects, so the rule
"a status only moves forward" cannot be bypassed by a stage writing the table itself.
"""

from __future__ import annotations

import re
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
PRIVATE = {"records", "history"}


_FROM_TABLES = re.compile(
    r"from services\.common\.(?:catalog|catalog_tables) import (\([^)]*\)|[^\n]*)"
)
_TABLES_MODULE = re.compile(
    r"from services\.common import [^\n]*\bcatalog_tables\b|import services\.common\.catalog_tables"
)


def _imports_of_tables(path: Path) -> list[str]:
    """The private names a module imports (a text scan: milliseconds for the whole tree)."""
    text = path.read_text()
    found = ["catalog_tables"] if _TABLES_MODULE.search(text) else []
    for names in _FROM_TABLES.findall(text):
        imported = (n.split("#")[0].split(" as ")[0].strip() for n in names.strip("()").split(","))
        found += [n for n in imported if n in PRIVATE or n == "*"]
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


def test_the_catalog_module_does_not_hand_the_tables_out():
    """`services.common.catalog` is what services import; it must not re-export the tables."""
    assert _imports_of_tables(SERVICES / "common" / "catalog.py") == []
