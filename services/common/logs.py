"""Structured logs: every line a service writes while handling a record carries its id.

deploy/nameko.yaml formats log lines as JSON (python-json-logger) and attaches
`RecordIdFilter`, so `jq 'select(.record_id == "…")'` over all services' logs follows one
record through the pipeline. The `Metrics` dependency binds the id for each worker.

No line holds a state secret's content or a denouncer's identity: luutru's own lines name
ids, fields and rules, and `WithholdQuotedValues` drops the message of the exceptions that
quote their input (tests/e2e/test_secrets_in_logs.py reads every log of a stack for them).
`LUUTRU_LOG_LEVEL=DEBUG` (an incident) adds luutru's own DEBUG lines and nameko's worker
lifecycle, nothing else: `BelowInfoOnlyFrom` (tests/e2e/test_secrets_in_debug_logs.py).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from services.common.errors import LuutruError

# Each nameko worker runs in its own green thread, and greenlets keep their own context.
_record_id: ContextVar[str | None] = ContextVar("luutru_record_id", default=None)


def bind_record_id(record_id: str | None) -> None:
    """Tag this worker's log lines with `record_id` (None clears it)."""
    _record_id.set(record_id)


def current_record_id() -> str | None:
    return _record_id.get()


class RecordIdFilter(logging.Filter):
    """Adds `record_id` (None outside a record's handler) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.record_id = _record_id.get()
        return True


# The loggers whose records below INFO are kept: luutru's own (`services.*`, and the runner run as
# `__main__`), which name ids only, and the nameko modules whose DEBUG lines name a worker
# (`<WorkerContext [ingest.get_record] at 0x…>`), a consumer, an extension or a call-id stack,
# never a message's body (tests/unit/test_debug_log_gate.py reads their DEBUG calls).
DEBUG_FROM = (
    "services",
    "__main__",
    "nameko.containers",
    "nameko.runners",
    "nameko.extensions",
    "nameko.messaging",
    "nameko.timer",
    "nameko.events",
)


class BelowInfoOnlyFrom(logging.Filter):
    """Installed on the services' log handler (deploy/nameko.yaml): a record below INFO passes
    only from `DEBUG_FROM`. At DEBUG the libraries print what they carry: nameko.rpc every RPC
    reply's body (a record's metadata: its trích yếu, a letter's writer), pika and kombu their
    frames and callbacks, urllib3/botocore/elastic_transport request lines and bodies (a search,
    an object's bytes), SQLAlchemy its parameters. An allow-list rather than levels capped per
    library: a cap names the libraries known today, and the next one (a new storage client)
    would print its payloads on the operator's first DEBUG; here it prints nothing below INFO
    until someone has read its DEBUG lines and added it. INFO and above pass unchanged."""

    def __init__(self, names: Iterable[str] = DEBUG_FROM) -> None:
        super().__init__()
        self.names = tuple(names)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.INFO:
            return True
        return any(record.name == n or record.name.startswith(f"{n}.") for n in self.names)


def with_root_level(logging_config: dict[str, Any]) -> dict[str, Any]:
    """deploy/nameko.yaml's LOGGING with its root level (`LUUTRU_LOG_LEVEL`) as `logging` takes
    it: upper case, INFO when empty. `logging` knows only upper-case names, so `debug` typed
    during an incident failed every service's start ("Unable to configure root logger"), and
    an empty setting (an env file's `LUUTRU_LOG_LEVEL=`) left the root at WARNING, dropping
    every INFO line."""
    root = dict(logging_config.get("root") or {})
    level = root.get("level")
    root["level"] = str(level).strip().upper() if level not in (None, "") else "INFO"
    return {**logging_config, "root": root}


# Exceptions whose message quotes the value they choked on: `int("…")`, `date.fromisoformat`,
# decoders, JSON, query parsers (ValueError and its kin), a missing key (KeyError), an assert,
# a schema validator. Raised inside a record's handler or an RPC, that value may be a secret's
# trích yếu or a writer's name, and nameko logs every failed worker with its message.
_QUOTING_KINDS = frozenset({"ValueError", "LookupError", "AssertionError", "ValidationError"})
# The same kinds as a remote error names them (nameko's RemoteError carries the class name).
_QUOTING_NAMES = _QUOTING_KINDS | {
    "KeyError",
    "IndexError",
    "UnicodeError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "JSONDecodeError",
}
WITHHELD = "(message withheld: it may quote a record's content)"
# Python's own words between chained exceptions (traceback.py).
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def quotes_values(exc: BaseException) -> bool:
    """Whether `exc`'s message may quote a value. luutru's own errors are written to name ids,
    fields and rules (and tests/e2e/test_secrets_in_logs.py holds them to it); they are kept."""
    if isinstance(exc, LuutruError):
        return False
    remote = getattr(exc, "exc_type", None)  # nameko.exceptions.RemoteError
    if isinstance(remote, str) and remote in _QUOTING_NAMES:
        return True
    return any(kind.__name__ in _QUOTING_KINDS for kind in type(exc).__mro__)


def _path_free(exc: OSError) -> str:
    """An OS error without the file it names: a file dropped in the petitions inbox is named
    by the writer as often as not (`don-to-cao-nguyen-van-a.pdf`)."""
    return f"[Errno {exc.errno}] {exc.strerror} (file name withheld)"


def _message(exc: BaseException) -> str | None:
    """What to log of `exc`'s message; None: as Python prints it."""
    if quotes_values(exc):
        return WITHHELD
    if isinstance(exc, OSError) and (exc.filename is not None or exc.filename2 is not None):
        return _path_free(exc)
    return None


def _shown(exc: BaseException) -> str:
    name = type(exc).__qualname__
    module = type(exc).__module__
    name = name if module in ("builtins", "__main__") else f"{module}.{name}"
    message = _message(exc)
    if message is not None:
        return f"{name}: {message}"
    return "".join(traceback.format_exception_only(exc)).rstrip("\n")


def withheld_traceback(exc: BaseException) -> str:
    """The traceback as Python prints it (frames, chained causes), each exception's message
    replaced by `WITHHELD` where `quotes_values`."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    link, how = exc, ""
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        chain.append((link, how))
        if link.__cause__ is not None:
            link, how = link.__cause__, _CAUSE
        elif link.__context__ is not None and not link.__suppress_context__:
            link, how = link.__context__, _CONTEXT
        else:
            link = None
    parts: list[str] = []
    for link, how in reversed(chain):
        frames = "".join(traceback.format_tb(link.__traceback__))
        head = "Traceback (most recent call last):\n" if frames else ""
        parts.append(f"{head}{frames}{_shown(link)}\n")
        if how:
            parts.append(how)
    return "".join(parts).rstrip("\n")


class WithholdQuotedValues(logging.Filter):
    """Installed on the services' log handler (deploy/nameko.yaml), after everything else:
    an exception of a kind that quotes its input (`quotes_values`) is logged by its type and
    traceback without its message, an OS error without its file name, in the traceback and in
    the message's arguments (nameko's "error handling worker …: %s"). Not a licence to log
    values: every line luutru writes names ids, fields and rules; this covers the messages of
    libraries and of Python itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _withheld_args(record.msg)
        if record.args:
            record.args = _withheld_args(record.args)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = withheld_traceback(record.exc_info[1])
            record.exc_info = None
        return True


def _withheld_args(args: Any) -> Any:
    def one(arg: Any) -> Any:
        if isinstance(arg, BaseException) and (message := _message(arg)) is not None:
            return f"{type(arg).__name__} {message}"
        return arg

    if isinstance(args, tuple):
        return tuple(one(a) for a in args)
    if isinstance(args, dict):
        return {k: one(v) for k, v in args.items()}
    return one(args)
