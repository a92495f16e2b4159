"""LUUTRU_LOG_LEVEL sets the services' root level, and at DEBUG the libraries' payload-bearing
lines stay out: below INFO only luutru's own loggers and nameko's worker lifecycle reach the
log (services/common/logs.py `BelowInfoOnlyFrom`, installed by deploy/nameko.yaml). The stack
at DEBUG is tests/e2e/test_secrets_in_debug_logs.py."""

from __future__ import annotations

import ast
import contextlib
import io
import json
import logging
import logging.config
from collections.abc import Iterator
from pathlib import Path

import nameko
import pytest
import yaml
from nameko.cli.main import setup_yaml_parser

from services.common.config import REPO_ROOT
from services.common.logs import DEBUG_FROM, with_root_level

SECRET = "Về phương án bảo vệ kho Hòn Khô"
# What the libraries print at DEBUG, as they print it (nameko.rpc's reply line, pika's frames,
# urllib3's request line, botocore's request body, SQLAlchemy's parameters…).
NOISY = (
    "nameko.rpc",
    "kombu.mixins",
    "amqp",
    "pika.channel",
    "pika.callback",
    "urllib3.connectionpool",
    "botocore.endpoint",
    "elastic_transport.transport",
    "sqlalchemy.engine.Engine",
    "psycopg",
    "eventlet.wsgi",
    "werkzeug",
    "PIL.PngImagePlugin",
    "a_client.added_later",
)


def config(monkeypatch, level: str | None) -> dict:
    if level is None:
        monkeypatch.delenv("LUUTRU_LOG_LEVEL", raising=False)
    else:
        monkeypatch.setenv("LUUTRU_LOG_LEVEL", level)
    setup_yaml_parser()
    return yaml.safe_load((REPO_ROOT / "deploy/nameko.yaml").read_text())["LOGGING"]


@contextlib.contextmanager
def root_restored() -> Iterator[None]:
    """The root logger's handlers and level as they were, whatever a test configured: the
    config's handler must go, its filters rewrite the records every later test's capture sees
    (an exception's message withheld, exc_info dropped)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


@pytest.fixture
def logged(monkeypatch):
    """The lines written, deploy/nameko.yaml's logging at LUUTRU_LOG_LEVEL=DEBUG."""
    logging_config = config(monkeypatch, "DEBUG")
    stream = io.StringIO()
    logging_config["handlers"]["console"]["stream"] = stream
    with root_restored():
        logging.config.dictConfig(logging_config)
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_root_level_is_the_setting_info_unless_set(monkeypatch):
    assert config(monkeypatch, None)["root"]["level"] == "INFO"
    assert config(monkeypatch, "DEBUG")["root"]["level"] == "DEBUG"


@pytest.mark.parametrize(
    ("setting", "level"),
    [("debug", logging.DEBUG), ("Warning", logging.WARNING), ("", logging.INFO)],
)
def test_the_setting_is_taken_in_any_case_and_empty_is_info(monkeypatch, setting, level):
    """As the runner configures logging: `debug` (lower case) failed every service's start, an
    empty setting left the root at WARNING (every INFO line gone)."""
    root = logging.getLogger()
    with root_restored():
        root.setLevel(logging.WARNING)
        logging.config.dictConfig(with_root_level(config(monkeypatch, setting)))
        assert root.level == level


def test_at_debug_the_libraries_debug_lines_stay_out_their_warnings_in(logged):
    for name in NOISY:
        logging.getLogger(name).debug("RPC reply event complete %s", {"subject": SECRET})
    logging.getLogger("nameko.rpc").warning("reply for an unknown correlation id")
    logging.getLogger("services.ingest.service").debug("record %s stored", "1f2e")
    logging.getLogger("nameko.containers").debug("spawning %s", "<WorkerContext [a.b]>")
    lines = logged()
    assert all(SECRET not in json.dumps(line, ensure_ascii=False) for line in lines), lines
    assert [(line["level"], line["name"]) for line in lines] == [
        ("WARNING", "nameko.rpc"),
        ("DEBUG", "services.ingest.service"),
        ("DEBUG", "nameko.containers"),
    ]


# The arguments of the DEBUG lines read in the nameko modules let through: reprs naming a
# worker (service.method), an extension, a consumer, the services, a connection error, the
# call-id stack. A nameko upgrade that logs anything else fails here until it is read.
READ_ARGUMENTS = {
    "self",
    "worker_ctx",
    "provider",
    "consumer",
    "exc",
    "service_names",
    "'->'.join(worker_ctx.call_id_stack)",
}


def debug_arguments(path: Path) -> set[str]:
    """The arguments after the message of every `….debug(…)` and `_log_time(…)` call."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", None))
        if name in ("debug", "_log_time"):
            found |= {ast.unparse(arg) for arg in node.args[1:]}
            found |= {ast.unparse(kw.value) for kw in node.keywords}
    return found


def test_the_nameko_debug_lines_let_through_name_no_payload():
    package = Path(nameko.__file__).parent
    modules = [name.removeprefix("nameko.") for name in DEBUG_FROM if name.startswith("nameko.")]
    assert modules, DEBUG_FROM
    for module in modules:
        unread = debug_arguments(package / f"{module}.py") - READ_ARGUMENTS
        assert unread == set(), (module, unread)
