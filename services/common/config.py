"""Settings from the environment (`LUUTRU_*`), read once by each process's composition root."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LUUTRU_", extra="ignore")

    data: Path = Path("./var")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    storage_url: str | None = None
    search_url: str | None = None
    catalog_url: str | None = None
    ocr_workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    max_upload_mb: int = 64  # one RPC message carries the file; RabbitMQ's own cap is 128 MiB
    max_pages: int = 500
    max_pixels: int = 100_000_000
    page_timeout_s: int = 120
    retention_schedule: Path = REPO_ROOT / "deploy" / "retention-schedule.yaml"

    @cached_property
    def data_dir(self) -> Path:
        return self.data.resolve()

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
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"
