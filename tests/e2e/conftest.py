"""The stack as `make run` starts it: `deploy/run.sh` -> supervisord -> one process per
service, on the real RabbitMQ (a vhost of its own), real Tesseract, a real Tantivy index and
SQLite catalog in a temporary data dir, the portal on a free port. Nothing is replaced."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from services.common.config import REPO_ROOT
from tests.rabbit import temporary_vhost
from tests.smtp_relay import Mailbox, receiver

FINAL = {"indexed", "failed", "rejected"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    data: Path
    process: subprocess.Popen
    # Calls as the stack's admin (see `authorize`); tests of access rules make their own.
    http: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(self.url + path, timeout=60, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.http.delete(self.url + path, timeout=60, **kwargs)

    def patch_record(self, record_id: str, fields: dict) -> requests.Response:
        return self.http.patch(f"{self.url}/api/records/{record_id}", json=fields, timeout=60)

    def upload(self, name: str, data: bytes, register: str = "den") -> requests.Response:
        return self.post("/api/records", files={"file": (name, data)}, data={"register": register})

    def record(self, record_id: str) -> dict:
        response = self.get(f"/api/records/{record_id}")
        response.raise_for_status()
        return response.json()

    def wait_final(self, record_id: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            record = self.record(record_id)
            if record["status"] in FINAL or time.monotonic() > deadline:
                return record
            time.sleep(0.5)

    def cli(
        self, *args: str, check: bool = True, input_text: str | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(REPO_ROOT / ".venv/bin/luutru"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=check,
            input=input_text,
        )

    def user(
        self, name: str, role: str, clearance: int = 0, password: str = "mat-khau-rat-dai"
    ) -> requests.Session:
        """A new user (through the CLI, as an operator would) and a session calling the API
        with its token; log in to the portal with `password`."""
        # one CLI call: the account and its token (each call is a new Python process)
        [added] = self.cli_json(
            "users",
            "add",
            name,
            "--role",
            role,
            "--clearance",
            str(clearance),
            "--password-stdin",
            "--token",
            input_text=password + "\n",
        )
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {added['token']}"
        return session

    def cli_json(self, *args: str, input_text: str | None = None) -> list[dict]:
        out = self.cli(*args, "--json", input_text=input_text).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def service_pids(self) -> dict[str, int]:
        out = subprocess.run(
            [
                str(REPO_ROOT / ".venv/bin/supervisorctl"),
                "-c",
                "deploy/supervisord.conf",
                "pid",
                "all",
            ],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        return dict(
            zip(
                ("ocr", "classification", "indexing", "retention", "handling", "ingest", "gateway"),
                map(int, out.stdout.split()),
                strict=False,
            )
        )


def authorize(stack: Stack, name: str = "quan_tri") -> Stack:
    """Create the stack's admin (clearance 3) through the CLI and call the API with its token,
    as an operator would set up a fresh installation."""
    stack.cli("users", "add", name, "--role", "admin", "--clearance", "3")
    [token] = stack.cli_json("token", "create", name)
    stack.http.headers["Authorization"] = f"Bearer {token['token']}"
    return stack


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"deploy/run.sh exited with {process.returncode}")
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError("the stack did not become healthy in time")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    from tests.e2e.stacks import running_stack

    data = tmp_path_factory.mktemp("stack") / "var"
    log = tmp_path_factory.getbasetemp() / "stack.log"
    with temporary_vhost("luutru-e2e") as amqp_uri, running_stack(data, amqp_uri, log) as s:
        yield s


@pytest.fixture(scope="session")
def private_stack(tmp_path_factory):
    """A second stack, with 127.0.0.1 as a trusted proxy (LUUTRU_TRUSTED_PROXIES) and its
    objects encrypted (LUUTRU_OBJECT_KEY_FILE, a key made as README says, outside its data),
    for tests that must not run on the session's: test_audit_evidence tampers with its catalog
    (and puts the trail back), test_https checks X-Forwarded-For from a trusted proxy (the
    session stack trusts none), test_encrypted_objects_stack reads its objects directory. They
    share it, one stack start instead of three: each reads only the trail entries and records
    it made itself, whatever ran before."""
    from services.common.object_keys import new_key
    from tests.e2e.stacks import own_stack

    key_file = tmp_path_factory.mktemp("private-key") / "objects.key"
    new_key(key_file)
    # Behind its proxy, which terminates TLS, it runs no HTTPS listener of its own (test_https).
    with own_stack(
        tmp_path_factory,
        "private",
        LUUTRU_TRUSTED_PROXIES="127.0.0.1",
        LUUTRU_HTTPS_PORT="0",
        LUUTRU_OBJECT_KEY_FILE=str(key_file),
    ) as s:
        yield s


# The portal address the mail stack's notices link to (LUUTRU_PORTAL_URL), as an office names it.
MAIL_PORTAL = "https://luutru.office:8443"


@dataclass
class MailStack:
    stack: Stack
    mailbox: Mailbox


@pytest.fixture(scope="session")
def mail_stack(tmp_path_factory):
    """A stack mailing through a real SMTP receiver (aiosmtpd) on a free port, for the modules
    that read what it sends: test_handling (task reminders) and test_saved_search_mail_stack
    (saved searches' notices). One stack start instead of two. Each module reads only the
    mail it made (`Mailbox.from_now`) and counts only its own records (a baseline taken before
    its uploads), whatever ran before; neither makes what the other counts (tasks, reminders
    to its users, records holding its saved search's word)."""
    from tests.e2e.stacks import own_stack

    box = Mailbox()
    with receiver(box) as port:
        smtp = {"LUUTRU_SMTP_HOST": "127.0.0.1", "LUUTRU_SMTP_PORT": str(port)}
        with own_stack(tmp_path_factory, "mail", LUUTRU_PORTAL_URL=MAIL_PORTAL, **smtp) as s:
            yield MailStack(s, box)


def stop(process: subprocess.Popen, env: dict[str, str] | None = None) -> None:
    """SIGTERM, as Ctrl-C or a service manager would send; everything must exit.

    On its own SIGTERM supervisord stops its programs one after the other (~4 s each, half a
    minute a stack); `supervisorctl stop all` sends every program its SIGTERM at once (as a
    service manager stops the units of deploy/systemd) and waits for each to exit, then
    supervisord, with nothing left to stop, exits on its SIGTERM."""
    if process.poll() is None:
        if env is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):  # supervisord's turn, then
                subprocess.run(
                    [str(REPO_ROOT / ".venv/bin/supervisorctl"), "-c", "deploy/supervisord.conf",
                     "stop", "all"],
                    cwd=REPO_ROOT, env=env, capture_output=True, timeout=90,
                )  # fmt: skip
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
