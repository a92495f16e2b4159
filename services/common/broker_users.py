"""One RabbitMQ user per luutru service, with the least permissions it needs on its vhost.

`python -m services.common.broker_users setup` (deploy/run.sh, after the topology) creates or
updates the users with one `rabbitmqctl import_definitions` when the broker is this machine's,
and keeps each user's URI in `$LUUTRU_DATA/secrets/amqp/<role>` (mode 0600): services start
with theirs (deploy/as-broker-user.sh), the CLI uses `cli`'s. `... definitions` prints the same
users as a definitions file for a cluster (docs/scale-out.md, "Broker users").

What nameko needs, measured on RabbitMQ 3.10 (tests/e2e/test_broker_permissions.py):
- passive declares need no permission, but nameko (kombu) declares its queues and exchanges
  actively on every start, and an active re-declare of an existing queue or exchange needs
  `configure` on it: so each service keeps `configure` on exactly the queues it consumes and
  the exchanges it declares, nothing else;
- `queue.bind` needs `write` on the queue and `read` on the exchange; consuming and
  `basic_get` need `read` on the queue; publishing needs `write` on the exchange (`amq.default`
  for the retry publisher);
- the shared `nameko-rpc` topic exchange is narrowed by topic permissions: a service binds only
  its own `<service>.*` key and reply keys, and publishes only replies and calls to the
  services it calls, so no service can read or send another's RPCs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pika
import pika.exceptions

from services.common import topology

RPC_EXCHANGE = topology.RPC_EXCHANGE
SERVICES = (
    "ingest", "ocr", "classification", "indexing", "retention", "handling", "gateway"
)  # fmt: skip
OPERATOR = "cli"  # the operators' `luutru` command
ROLES = (*SERVICES, OPERATOR)
# Whom each service calls by RPC (nameko RpcProxy); the gateway calls everyone (and pings).
CALLS = {"gateway": SERVICES, "retention": ("indexing",)}
# The dead-letter queue is read by ingest (the /ops page lists it) and the operator.
DLQ_READERS = ("ingest", OPERATOR)
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SERVER_NAMED = r"amq\.gen-.*"  # pika's reply queue (declared with an empty name)
USER_PREFIX = "luutru-"


def user_name(role: str, vhost: str) -> str:
    """`luutru-ocr` on the default vhost, `luutru-ocr@<vhost>` on any other (names are global
    to the broker, so each vhost's stack has its own)."""
    return f"{USER_PREFIX}{role}" if vhost == "/" else f"{USER_PREFIX}{role}@{vhost}"


def role_of(user: str | None) -> str | None:
    """The luutru role of a broker user name, or None for any other user (guest, an admin)."""
    if not user or not user.startswith(USER_PREFIX):
        return None
    role = user[len(USER_PREFIX) :].split("@", 1)[0]
    return role if role in ROLES else None


def vhost_of(amqp_uri: str) -> str:
    path = urlsplit(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def with_credentials(amqp_uri: str, user: str, password: str) -> str:
    """`amqp_uri` with another user and password (host, port, vhost and query kept)."""
    parts = urlsplit(amqp_uri)
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def _exactly(*names: str) -> str:
    return "^(" + "|".join(names) + ")$" if names else "^$"


@dataclass(frozen=True)
class Grant:
    """Permissions of one user on its vhost, and its topic permissions on `nameko-rpc`."""

    role: str
    configure: str
    write: str
    read: str
    rpc_write: str
    rpc_read: str


def _queues_of(service: str) -> list[str]:
    subscriptions = [s for s in topology.SUBSCRIPTIONS if s.service == service]
    handler_queues = [q for s in subscriptions for q in (s.queue, s.retry_queue)]
    own = [re.escape(q) for q in handler_queues]
    own += [re.escape(f"rpc-{service}"), re.escape(f"rpc.reply-{service}-") + ".*"]
    if service in DLQ_READERS:
        own.append(re.escape(topology.DEAD_LETTER_QUEUE))
    return own


def _sources_of(service: str) -> list[str]:
    return sorted({re.escape(s.exchange) for s in topology.SUBSCRIPTIONS if s.service == service})


def service_grant(service: str) -> Grant:
    own, sources = _queues_of(service), _sources_of(service)
    rpc, events = re.escape(RPC_EXCHANGE), re.escape(f"{service}.events")
    calls = [re.escape(target) + r"\..*" for target in CALLS.get(service, ())]
    return Grant(
        role=service,
        configure=_exactly(*own, rpc, events, *sources),
        write=_exactly(*own, rpc, events, r"amq\.default"),
        read=_exactly(*own, rpc, *sources),
        rpc_write=_exactly(_UUID, _SERVER_NAMED, *calls),
        rpc_read=_exactly(re.escape(f"{service}.*"), _UUID),
    )


def operator_grant() -> Grant:
    dlq = re.escape(topology.DEAD_LETTER_QUEUE)
    return Grant(
        role=OPERATOR,
        configure=_exactly(_SERVER_NAMED),
        # replay: to the handler queue that failed, or to its original events exchange
        write=_exactly(_SERVER_NAMED, re.escape(RPC_EXCHANGE), r"amq\.default", r"[a-z]+\.events"),
        read=_exactly(_SERVER_NAMED, re.escape(RPC_EXCHANGE), dlq),
        rpc_write=".*",
        rpc_read=_exactly(_SERVER_NAMED),
    )


def grants() -> list[Grant]:
    return [*map(service_grant, SERVICES), operator_grant()]


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password))."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(vhost: str, passwords: dict[str, str]) -> dict[str, Any]:
    """The users, permissions and topic permissions of luutru on `vhost`, for
    `rabbitmqctl import_definitions` (or the management API)."""
    users, permissions, topics = [], [], []
    for grant in grants():
        name = user_name(grant.role, vhost)
        users.append(
            {
                "name": name,
                "password_hash": password_hash(passwords[grant.role]),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
            }
        )
        permissions.append(
            {
                "user": name,
                "vhost": vhost,
                "configure": grant.configure,
                "write": grant.write,
                "read": grant.read,
            }
        )
        topics.append(
            {
                "user": name,
                "vhost": vhost,
                "exchange": RPC_EXCHANGE,
                "write": grant.rpc_write,
                "read": grant.rpc_read,
            }
        )
    return {"users": users, "permissions": permissions, "topic_permissions": topics}


# --- secrets on disk ----------------------------------------------------------------------


def secrets_dir(data_dir: Path) -> Path:
    return data_dir / "secrets" / "amqp"


def read_uri(data_dir: Path, role: str) -> str | None:
    """The URI set-up kept for `role`, or None (no per-service users on this installation)."""
    path = secrets_dir(data_dir) / role
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def _stored_password(data_dir: Path, role: str) -> str | None:
    uri = read_uri(data_dir, role)
    return unquote(urlsplit(uri).password or "") or None if uri else None


def passwords_for(data_dir: Path) -> dict[str, str]:
    """Each role's kept password, or a new random one (set-up is idempotent)."""
    return {role: _stored_password(data_dir, role) or secrets.token_urlsafe(32) for role in ROLES}


def write_uris(data_dir: Path, admin_uri: str, passwords: dict[str, str]) -> None:
    """One file per role, readable only by the user running set-up (root or the service user)."""
    folder = secrets_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    vhost = vhost_of(admin_uri)
    for role, password in passwords.items():
        uri = with_credentials(admin_uri, user_name(role, vhost), password)
        path = folder / role
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(uri + "\n")
        path.chmod(0o600)


# --- set-up --------------------------------------------------------------------------------

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def local_rabbitmqctl(admin_uri: str) -> str | None:
    """`rabbitmqctl` when it can manage the broker of `admin_uri` (this machine's, on its usual
    port), else None."""
    parts = urlsplit(admin_uri)
    if parts.hostname not in _LOOPBACK or (parts.port or 5672) != 5672:
        return None
    return shutil.which("rabbitmqctl")


def import_definitions(ctl: str, document: dict[str, Any], probe_uri: str) -> None:
    """Import through stdin (Debian's rabbitmqctl runs as user rabbitmq, which could not read
    a file kept private), then wait for the import, which the broker runs asynchronously,
    until `probe_uri`'s user can open its vhost."""
    subprocess.run(
        [ctl, "-q", "import_definitions", "--format", "json"],
        input=json.dumps(document),
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )
    _wait_for_login(probe_uri)


def _wait_for_login(amqp_uri: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            pika.BlockingConnection(pika.URLParameters(amqp_uri)).close()
            return
        except pika.exceptions.AMQPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def setup(admin_uri: str, data_dir: Path) -> str:
    """Create or update every luutru broker user on the vhost of `admin_uri` and keep their
    URIs; say what was done (or why not, and that services share `admin_uri`)."""
    ctl = local_rabbitmqctl(admin_uri)
    if ctl is None and read_uri(data_dir, OPERATOR):
        return "broker users: kept from `broker_users definitions` (imported on the cluster)"
    if ctl is None:
        return (
            "broker users: the broker is not this machine's (or rabbitmqctl is missing); "
            "services use LUUTRU_AMQP_URI (docs/scale-out.md, 'Broker users')"
        )
    passwords = passwords_for(data_dir)
    vhost = vhost_of(admin_uri)
    # the operator's user is the last one imported
    probe = with_credentials(admin_uri, user_name(OPERATOR, vhost), passwords[OPERATOR])
    try:
        import_definitions(ctl, definitions(vhost, passwords), probe)
    except (OSError, subprocess.SubprocessError, pika.exceptions.AMQPError) as exc:
        return f"broker users: rabbitmqctl failed ({exc}); services use LUUTRU_AMQP_URI"
    write_uris(data_dir, admin_uri, passwords)
    return f"broker users: {len(ROLES)} users on vhost {vhost_of(admin_uri)!r}"


def main(argv: list[str]) -> None:
    from services.common.config import process_settings

    settings = process_settings()
    if argv[:1] == ["definitions"]:
        passwords = passwords_for(settings.data_dir)
        document = definitions(vhost_of(settings.amqp_uri), passwords)
        write_uris(settings.data_dir, settings.amqp_uri, passwords)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    print(setup(settings.amqp_uri, settings.data_dir))


if __name__ == "__main__":
    main(sys.argv[1:])
