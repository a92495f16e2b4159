"""Every third-party module the services import is a declared runtime dependency.

A module that only arrives as a dependency of a dependency (argon2 through minio, werkzeug and
kombu through nameko) vanishes the day that package drops it; the lock would not notice.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement

from services.common.config import REPO_ROOT


def imported_top_level_modules(root: Path) -> set[str]:
    """Top-level names of every absolute import in the Python files under `root`."""
    names = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def declared_runtime_distributions() -> set[str]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_normal(Requirement(r).name) for r in pyproject["project"]["dependencies"]}


def _normal(distribution: str) -> str:
    return distribution.lower().replace("_", "-").replace(".", "-")


def test_every_third_party_import_of_the_services_is_a_declared_dependency():
    third_party = imported_top_level_modules(REPO_ROOT / "services") - {
        *sys.stdlib_module_names,
        "services",
    }
    distributions = packages_distributions()
    declared = declared_runtime_distributions()
    unknown = {name for name in third_party if name not in distributions}
    undeclared = {
        name: distributions[name]
        for name in third_party - unknown
        if not declared & {_normal(d) for d in distributions[name]}
    }
    assert not unknown, f"imported but installed by no distribution: {sorted(unknown)}"
    assert not undeclared, f"imported but not in pyproject's dependencies: {undeclared}"


def test_the_walk_sees_imports_that_only_arrive_transitively(tmp_path):
    (tmp_path / "m.py").write_text(
        "import werkzeug.wrappers\nfrom kombu import Queue\nfrom . import x\n"
    )
    assert imported_top_level_modules(tmp_path) == {"werkzeug", "kombu"}
