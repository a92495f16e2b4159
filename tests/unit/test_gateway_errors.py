"""Errors answer by their class's `ErrorCode`, locally and across RPC.

Invariants: an error's HTTP status follows its code, which a subclass inherits unless it names
its own (so no luutru error falls to a 500 for want of a line in a table); an error raised in
another service arrives as nameko's RemoteError with only its class name, and answers exactly
as the same error raised in the gateway; every luutru error class in the code base is known to
the gateway by name; one class name means one code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nameko.exceptions import RemoteError, serialize

from services.common.config import REPO_ROOT
from services.common.errors import (
    ErrorCode,
    LuutruError,
    NotFound,
    ObjectLocked,
    PermanentError,
    TransientError,
)
from services.gateway.http import HTTP_STATUS, describe_error

pytestmark = pytest.mark.unit
ROOTS = {"LuutruError"}  # classes are found by name: a subclass of any of these is luutru's


def _remote(exc: LuutruError) -> RemoteError:
    """What the gateway receives when `exc` is raised in another service (nameko's reply)."""
    data = serialize(exc)
    return RemoteError(data["exc_type"], data["value"])


class FromAnotherStage(PermanentError):
    """A subclass that names no code of its own."""


def test_every_code_has_a_status():
    assert set(HTTP_STATUS) == set(ErrorCode)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ObjectLocked("Đối tượng đang bị khóa / Object locked"), 409, "object_locked"),
        (FromAnotherStage("Tệp hỏng / Broken"), 400, "bad_request"),  # its parent's
        (PermanentError("Tệp rỗng / Empty", ErrorCode.EMPTY_FILE), 400, "empty_file"),
        (NotFound("Không tìm thấy / Not found"), 404, "not_found"),
        (TransientError("Đang bận / Busy"), 503, "unavailable"),
    ],
)
def test_a_local_error_answers_by_its_code_and_a_subclass_by_its_parents(error, status, code):
    assert describe_error(error) == (status, code, error.message)


def test_a_remote_error_answers_as_the_same_error_raised_here():
    from services.classification.secrecy_changes import NoPendingChange
    from services.common.audit_key import AuditKeyMissing
    from services.retention.errors import RecordOnHold

    for error in (
        ObjectLocked("Đối tượng đang bị khóa / Object locked"),
        RecordOnHold("Hồ sơ đang bị giữ / On hold"),
        NoPendingChange("Không có đề nghị / Nothing pending"),
        AuditKeyMissing("Thiếu khóa / Audit key missing"),
        FromAnotherStage("Tệp hỏng / Broken"),
    ):
        assert describe_error(_remote(error)) == describe_error(error)


def test_anything_else_is_a_500_that_shows_nothing_of_it():
    internal = (500, "internal", "Lỗi hệ thống, hãy thử lại sau / Internal error")
    assert describe_error(RemoteError("KeyError", "'postgres://secret'")) == internal
    assert describe_error(RuntimeError("postgres://secret@host")) == internal


def test_one_class_name_cannot_mean_two_codes():
    with pytest.raises(TypeError):
        type("FromAnotherStage", (NotFound,), {})  # same name, another code


IMPORT = re.compile(r"^\s*import (services[\w.]*)", re.MULTILINE)
FROM = re.compile(r"^\s*from (services[\w.]*) import (\([^)]*\)|[^\n]+)", re.MULTILINE)


def _module_path(module: str) -> Path | None:
    base = REPO_ROOT / module.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def _imports(module: str) -> set[str]:
    """The `services…` modules `module` imports, directly (packages and `from` names too)."""
    text = _module_path(module).read_text()
    found = set(IMPORT.findall(text))
    for source, names in FROM.findall(text):
        found |= {source} | {f"{source}.{n}" for n in re.findall(r"\w+", names)}
    return {m for m in found if _module_path(m)}


def _closure(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += _imports(current)
    return seen


CLASS = re.compile(r"^class (\w+)\(([^)]*)\)", re.MULTILINE)


def _error_classes() -> dict[str, str]:
    """Every class of services/ that derives (by name) from a luutru error -> its module."""
    classes: dict[str, tuple[set[str], str]] = {}
    for path in (REPO_ROOT / "services").rglob("*.py"):
        module = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
        for name, bases in CLASS.findall(path.read_text()):
            parents = {b.strip().rsplit(".", 1)[-1] for b in bases.split(",")}
            classes[f"{module}.{name}"] = (parents, module)
    found, grew = {"services.common.errors.LuutruError"}, True
    while grew:
        names = {qualified.rsplit(".", 1)[1] for qualified in found}
        more = {q for q, (bases, _) in classes.items() if bases & names} - found
        found |= more
        grew = bool(more)
    return {q: classes[q][1] for q in found}


def test_the_gateway_imports_every_luutru_error_so_it_knows_it_by_name():
    """A class the gateway never imports would answer 500 when it crosses RPC."""
    errors = _error_classes()
    assert len(errors) > 15
    imported = _closure("services.gateway.service")
    assert sorted(q for q, module in errors.items() if module not in imported) == []
