"""Every environment variable luutru reads is in the README's settings table.

The sources: the pydantic settings classes in services/ (their fields, with their prefix),
`os.environ`/`os.getenv` reads in services/, the `${LUUTRU_…}` of deploy/nameko.yaml and the
`${LUUTRU_…:-default}` an operator may set for deploy/*.sh. Variables only tests and
benchmarks read (LUUTRU_TEST_*, LUUTRU_BENCH_*) are not settings of the product.
"""

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
ENVIRON_READ = re.compile(r"os\.(?:environ\.get\(|environ\[|getenv\()\s*[\"'](\w+)[\"']")


def readme_table() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Configuration", 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"`(LUUTRU_\w+)`", table))


def settings_classes() -> list[type[BaseSettings]]:
    """Classes in services/ deriving from a class named `*Settings`, imported to ask pydantic."""
    found = []
    for path in (ROOT / "services").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "Settings)" not in text:  # no class derives from a settings class here
            continue
        for node in ast.walk(ast.parse(text)):
            bases = [getattr(b, "id", getattr(b, "attr", "")) for b in getattr(node, "bases", [])]
            if isinstance(node, ast.ClassDef) and any(b.endswith("Settings") for b in bases):
                module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
                found.append(getattr(importlib.import_module(module), node.name))
    return found


@cache
def variables_read() -> dict[str, str]:
    """Each variable with where it is read."""
    found = {}
    for cls in settings_classes():
        prefix = cls.model_config.get("env_prefix", "")
        found |= {f"{prefix}{name}".upper(): cls.__name__ for name in cls.model_fields}
    for path in (ROOT / "services").rglob("*.py"):
        for name in ENVIRON_READ.findall(path.read_text(encoding="utf-8")):
            found[name] = str(path.relative_to(ROOT))
    nameko = (ROOT / "deploy" / "nameko.yaml").read_text(encoding="utf-8")
    found |= dict.fromkeys(re.findall(r"\$\{(LUUTRU_\w+)", nameko), "deploy/nameko.yaml")
    for script in (ROOT / "deploy").glob("*.sh"):
        names = re.findall(r"\$\{(LUUTRU_\w+):-", script.read_text(encoding="utf-8"))
        found |= dict.fromkeys(names, f"deploy/{script.name}")
    return found


def test_every_variable_luutru_reads_is_in_the_readme_table():
    read = variables_read()
    assert {"LUUTRU_DATA", "LUUTRU_NUMBER_SERIES", "LUUTRU_MAX_WORKERS"} <= set(read)
    missing = {name: where for name, where in read.items() if name not in readme_table()}
    assert missing == {}


def test_the_table_names_nothing_luutru_does_not_read():
    assert readme_table() - set(variables_read()) == set()


def test_the_default_data_dir_is_the_projects_var_from_any_working_directory(tmp_path, monkeypatch):
    from services.common.config import REPO_ROOT, Settings

    monkeypatch.delenv("LUUTRU_DATA", raising=False)
    monkeypatch.chdir(tmp_path)  # `luutru` run from another directory than the project's
    assert Settings().data_dir == (REPO_ROOT / "var").resolve()
    monkeypatch.setenv("LUUTRU_DATA", "kho")  # a relative value: from the working directory
    assert Settings().data_dir == (tmp_path / "kho").resolve()
