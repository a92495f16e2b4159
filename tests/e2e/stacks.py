"""Extra stacks for fault tests: a RabbitMQ node of their own (so restarting it disturbs no other
test or engineer on the shared broker) and a stack on it, started exactly as `make run` does."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from services.common.config import REPO_ROOT
from services.common.rpc_client import RemoteCallError, RpcClient, RpcUnavailable
from tests.e2e.conftest import FINAL, Stack, authorize, free_port, stop, wait_healthy


class RabbitNode:
    """A detached `rabbitmq-server` node on free ports, its data in a temporary directory."""

    def __init__(self, base: Path):
        self.base = base
        self.port, self.dist_port = free_port(), free_port()
        self.name = f"luutru-fault-{self.port}@localhost"
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base / "pid"),
        }

    def config(self) -> str:
        """Its rabbitmq.conf: the machine's own config pins port 5672; this node gets its own."""
        return f"listeners.tcp.local = 127.0.0.1:{self.port}\n"

    def ctl(self, *args: str, timeout: float = 90) -> None:
        subprocess.run(
            ["rabbitmqctl", "-q", "-n", self.name, *args],
            check=True, capture_output=True, timeout=timeout,
        )  # fmt: skip

    def start(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / "rabbitmq.conf").write_text(self.config())
        (self.base / "enabled_plugins").write_text("[].\n")
        shutil.chown(self.base, "rabbitmq", "rabbitmq")
        for path in self.base.iterdir():
            shutil.chown(path, "rabbitmq", "rabbitmq")
        subprocess.run(["rabbitmq-server", "-detached"], env=self._env(), check=True, timeout=60)
        self.ctl("wait", str(self.base / "pid"), "--timeout", "90", timeout=120)

    def restart_app(self, down_s: float = 3) -> None:
        """Stop and start the broker application (connections drop, durable data stays)."""
        self.ctl("stop_app")
        time.sleep(down_s)
        self.ctl("start_app")

    def stop(self) -> None:
        """Stop the node and wait for its OS process to end (given the pid file)."""
        subprocess.run(
            ["rabbitmqctl", "-q", "-n", self.name, "stop", str(self.base / "pid")],
            capture_output=True, timeout=90,
        )  # fmt: skip


@contextmanager
def rabbit_node(kind: type[RabbitNode] = RabbitNode) -> Iterator[RabbitNode]:
    # Not under pytest's tmp dir: the broker runs as user rabbitmq, which cannot enter it.
    base = Path(tempfile.mkdtemp(prefix="luutru-rabbit-"))
    node = kind(base)
    try:
        node.start()
        yield node
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def running_stack(data: Path, amqp_uri: str, log: Path, **env: str | None) -> Iterator[Stack]:
    """`deploy/run.sh` with its own data dir and port on `amqp_uri`; stopped on exit."""
    port = free_port()
    full_env = {
        **os.environ,
        "LUUTRU_DATA": str(data),
        "LUUTRU_AMQP_URI": amqp_uri,
        "LUUTRU_HTTP_PORT": str(port),
        # HTTPS on a port of its own (tests/e2e/test_https.py), named as an office PC would.
        "LUUTRU_HTTPS_HOST": "127.0.0.1",
        "LUUTRU_HTTPS_PORT": str(free_port()),
        "LUUTRU_TLS_NAMES": "luutru.office",
        "LUUTRU_OCR_WORKERS": "2",
        # The e2e documents include Mật/Tối mật ones: this stack stands for an isolated LAN.
        "LUUTRU_SECRECY_CEILING": "3",
        **env,
    }
    full_env = {name: value for name, value in full_env.items() if value is not None}
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", "deploy/run.sh"], cwd=REPO_ROOT, env=full_env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield authorize(Stack(url, full_env, data, process))
        finally:
            stop(process, full_env)


@contextmanager
def own_stack(tmp_path_factory, name: str, **env: str | None) -> Iterator[Stack]:
    """A stack of its own (data dir, vhost, port, log `<name>-stack.log`) for tests that must
    not share the session's: they tamper with its catalog, or count what it holds."""
    from tests.rabbit import temporary_vhost

    data = tmp_path_factory.mktemp(name) / "var"
    log = tmp_path_factory.getbasetemp() / f"{name}-stack.log"
    with (
        temporary_vhost(f"luutru-{name}") as amqp_uri,
        running_stack(data, amqp_uri, log, **env) as s,
    ):
        yield s


def supervisorctl(stack: Stack, *args: str) -> str:
    return subprocess.run(
        [str(REPO_ROOT / ".venv/bin/supervisorctl"), "-c", "deploy/supervisord.conf", *args],
        cwd=REPO_ROOT, env=stack.env, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip


def rpc(stack: Stack, service: str, method: str, *args: Any, attempts: int = 60) -> Any:
    """One RPC over the stack's broker, retried while the broker or the service restarts."""
    for attempt in range(attempts):
        try:
            with RpcClient(stack.env["LUUTRU_AMQP_URI"], timeout=20) as client:
                return client.call(service, method, *args)
        except (RpcUnavailable, OSError, RemoteCallError) as exc:
            if isinstance(exc, RemoteCallError) and exc.exc_type != "TransientError":
                raise
            if attempt == attempts - 1:
                raise
            time.sleep(1)
        except Exception:  # pika raises many connection errors while a broker restarts
            if attempt == attempts - 1:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def wait_all_final(
    stack: Stack, ids: list[str], timeout: float, on_wait: Callable[[], None] | None = None
) -> dict[str, dict]:
    """Every record's last state once all are final (or at the deadline)."""
    deadline = time.monotonic() + timeout
    records: dict[str, dict] = {}
    while True:
        pending = [i for i in ids if records.get(i, {}).get("status") not in FINAL]
        for record_id in pending:
            records[record_id] = rpc(stack, "ingest", "get_record", record_id)
        if all(r["status"] in FINAL for r in records.values()) or time.monotonic() > deadline:
            return records
        if on_wait:
            on_wait()
        time.sleep(1)


def indexed_ids(stack: Stack, register: str = "den") -> list[str]:
    """Every document id of a register in the search index, page by page (an id twice means
    a record indexed twice)."""
    ids: list[str] = []
    page = 1
    while True:
        params = {"q": "", "register": register, "size": 100, "page": page}
        result = rpc(stack, "indexing", "search", params, 3)
        ids += [hit["id"] for hit in result["hits"]]
        if len(ids) >= result["total"] or not result["hits"]:
            assert len(ids) == result["total"]
            return ids
        page += 1
