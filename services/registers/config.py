"""Reading the registers' YAML files and checking them against their JSON Schemas, with
messages that name the file, the place and the fix."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_yaml(path: str | Path) -> Any:
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror}") from exc


def _dates_as_text(data: Any) -> Any:
    """YAML reads 2025-10-18 as a date; the schemas (and JSON) know strings only."""
    if isinstance(data, date):
        return data.isoformat()
    if isinstance(data, dict):
        return {k: _dates_as_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_as_text(v) for v in data]
    return data


@cache
def _validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate(data: Any, schema_path: Path, source: str, what: str) -> Any:
    """`data` with dates as ISO text, or ValueError listing every problem as "where: what"."""
    data = _dates_as_text(data)
    errors = sorted(_validator(schema_path).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        lines = [
            f"{'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}" for e in errors
        ]
        raise ValueError(f"{source}: invalid {what}:\n  " + "\n  ".join(lines))
    return data
