"""Settings from the environment (`LUUTRU_*`), read once per process (`process_settings()`) by
its composition root — DependencyProviders' `setup`, the CLI, the set-up commands — and passed
from there to what needs them. Every variable is in the README's table (a unit test checks)."""

from __future__ import annotations

import os
import socket
from functools import cache, cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
# The retention schedule of each kind of body (LUUTRU_RETENTION_BODY), under deploy/.
SCHEDULE_FILES = {"state": "retention-schedule.yaml", "party": "retention-schedule-party.yaml"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LUUTRU_", extra="ignore")

    # `./var` of the project, where `make run` keeps it (deploy/run.sh works from the project
    # directory), from whatever directory a process starts: `luutru` run from elsewhere finds
    # the stack's broker users ($LUUTRU_DATA/secrets/amqp), not a `var` of that directory.
    # A relative LUUTRU_DATA is still taken from the working directory.
    data: Path = REPO_ROOT / "var"
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # The LAN listener (docs/https.md): HTTPS on https_host:https_port (0: none), with this
    # certificate and key, or, when unset, the one `python -m services.gateway.tls` made by the
    # local CA in $LUUTRU_DATA/tls. tls_names: more names or addresses it must be valid for.
    https_host: str = "0.0.0.0"
    https_port: int = 8443
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_names: str = ""
    # Peers (addresses or networks, comma-separated) whose X-Forwarded-For/-Proto are believed:
    # a reverse proxy in front of the gateway. None by default (the gateway terminates TLS).
    trusted_proxies: str = ""
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    storage_url: str | None = None
    search_url: str | None = None
    catalog_url: str | None = None
    ocr_workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    max_upload_mb: int = 64  # one RPC message carries the file; RabbitMQ's own cap is 128 MiB
    max_pages: int = 500
    max_pixels: int = 100_000_000
    page_timeout_s: int = 120
    # OCR (docs/ocr.md): address space of each tesseract child; pages whose mean word
    # confidence is under review_confidence are flagged for a person to check.
    ocr_memory_mb: int = 2048
    review_confidence: float = 70.0
    # Highest secrecy level this installation may hold (0 thường … 3 Tuyệt mật). Luật Bảo vệ bí
    # mật nhà nước 117/2025/QH15 keeps state secrets off networked machines, so none by default;
    # an installation on an isolated LAN raises it on purpose. Above it: refused, no copy kept.
    secrecy_ceiling: int = Field(default=0, ge=0, le=3)
    # The retention schedule (docs/retention.md): the one for the kind of body this office is —
    # "state" (TT 10/2022/TT-BNV) or "party" (Hướng dẫn 35-HD/VPTW) — unless a file is named.
    retention_body: Literal["state", "party"] = "state"
    retention_schedule: Path | None = None
    # The office's number series, petitions rules and calendar overrides (docs/registers.md).
    number_series: Path = REPO_ROOT / "deploy" / "number-series.yaml"
    petitions: Path = REPO_ROOT / "deploy" / "petitions.yaml"
    # Days off the `holidays` package does not know yet (services/common/calendar.py).
    calendar: Path = REPO_ROOT / "deploy" / "calendar.yaml"
    # Handling incoming documents (docs/handling.md): due-date rules, and the SMTP relay task
    # reminders go through (no host: no e-mail; reminders are still marked and listed).
    handling_rules: Path = REPO_ROOT / "deploy" / "handling.yaml"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "luutru@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # The portal's address as the office's PCs reach it, for the links in e-mails (saved
    # searches' notices); empty: https://<this machine's name>:<https_port>.
    portal_url: str = ""
    # Retention (docs/retention.md): distinct archivists who must approve a destruction batch
    # (a transfer batch needs transfer_approvers); permanent records fall due for transfer
    # to the historical archive this many years after the matter's year (Luật Lưu trữ 2024).
    disposal_approvers: int = 2
    transfer_approvers: int = 1
    transfer_after_years: int = 5
    # Destruction dossier (docs/retention.md, "Destruction dossier"): days after the head's
    # decision within which the destruction must run (TT 06/2025/TT-BNV as summarised: 15;
    # its text was not read here), and whether the competent archive's appraisal is required
    # (a body that transfers to a historical archive: Luật Lưu trữ 2011 Điều 28).
    destruction_window_days: int = 15
    destruction_appraisal: bool = True
    # Where a transfer goes (docs/retention.md, "Transfer"): a Party organ's records belong to
    # the Phông lưu trữ Đảng Cộng sản Việt Nam, a state organ's to the historical archive
    # (Luật Lưu trữ 2024). Named in each bag's bag-info.
    transfer_party_archive: str = "Phông lưu trữ Đảng Cộng sản Việt Nam — Kho lưu trữ của Tỉnh ủy"
    transfer_state_archive: str = "Lưu trữ lịch sử tỉnh"
    # The organ's name as the ĐẾN stamp prints it (NĐ 30/2020 Phụ lục IV; "" leaves the line
    # to fill by hand): services/registers/stamp.py.
    organ_name: str = ""
    # Fixity: originals re-hashed per slice, at most this many bytes per second.
    fixity_bytes_per_s: int = 20 * 2**20
    fixity_slice: int = 200
    fixity_interval_s: int = 600
    # Delivery (docs/reliability.md): a handler failing for a transient reason is retried
    # after retry_base_ms × 2^(n-1) (capped), up to retry_max_attempts deliveries in all.
    retry_max_attempts: int = 6
    retry_base_ms: int = 1000
    retry_max_delay_ms: int = 60_000
    # A deleted (destroyed, recalled) record's words stay in the search index's files until a
    # purge rewrites its level; the indexing service purges this long after the deletion
    # (docs/search.md, "Destroyed records"): a destruction batch's deletions, minutes apart,
    # then share one purge.
    index_purge_after_s: int = Field(default=600, ge=0)
    # The ingest watchdog re-drives a record left `received`/`processing` this long.
    stuck_after_s: int = 900
    # The audit trail's HMAC key (docs/portal.md, "Audit trail"): outside the database, mode
    # 0600; made by deploy/run.sh. Default: $LUUTRU_DATA/secrets/audit.key.
    audit_key_file: Path | None = None
    # Encryption at rest of the object store (docs/architecture.md, "Encryption at rest"): the
    # key file (services/common/object_keys.py); none: objects are stored as they are.
    object_key_file: Path | None = None
    # Refuse objects without the encryption header (never serve them): on once `luutru objects
    # encrypt` has converted everything; needs object_key_file.
    object_key_strict: bool = False

    @cached_property
    def data_dir(self) -> Path:
        return self.data.resolve()

    def amqp_uri_for(self, role: str) -> str:
        """The broker URI set-up kept for `role` (its own RabbitMQ user, docs/scale-out.md),
        or `amqp_uri` where set-up made none (a remote broker)."""
        from services.common.broker_users import read_uri

        return read_uri(self.data_dir, role) or self.amqp_uri

    @property
    def portal_address(self) -> str:
        """`portal_url`, or the HTTPS listener under this machine's name (no trailing /)."""
        if self.portal_url:
            return self.portal_url.rstrip("/")
        return f"https://{socket.getfqdn()}:{self.https_port}"

    @property
    def objects_url(self) -> str:
        return self.storage_url or f"file://{self.data_dir / 'objects'}"

    @property
    def index_url(self) -> str:
        return self.search_url or f"tantivy://{self.data_dir / 'index'}"

    @property
    def catalog_dsn(self) -> str:
        return self.catalog_url or f"sqlite:///{self.data_dir / 'catalog.db'}"

    @property
    def retention_schedule_file(self) -> Path:
        """The schedule file named, else the one of `retention_body` under deploy/."""
        return self.retention_schedule or REPO_ROOT / "deploy" / SCHEDULE_FILES[self.retention_body]

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.data_dir / "secrets" / "audit.key"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"


@cache
def process_settings() -> Settings:
    """This process's settings, read from the environment on the first call."""
    return Settings()
