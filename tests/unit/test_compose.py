"""docker-compose.yml cannot run here (no Docker engine), so its structure is checked."""

import importlib
import re

import yaml

from services.common.config import REPO_ROOT, Settings

COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
LUUTRU_SERVICES = {"ingest", "ocr", "classification", "indexing", "retention", "gateway"}


def test_every_luutru_service_and_engine_is_present():
    assert set(COMPOSE["services"]) >= LUUTRU_SERVICES | {"rabbitmq", "postgres", "topology"}


def test_each_service_container_runs_its_own_service_class():
    for name in LUUTRU_SERVICES:
        [target] = COMPOSE["services"][name]["command"]
        module, _, cls = target.partition(":")
        assert module == f"services.{name}.service"
        assert getattr(importlib.import_module(module), cls).name == name


def test_every_luutru_variable_is_one_the_settings_know():
    known = {f"LUUTRU_{name.upper()}" for name in Settings.model_fields} | {
        "LUUTRU_MAX_WORKERS"
    }  # read by deploy/nameko.yaml
    used = set(re.findall(r"\bLUUTRU_[A-Z_]+", (REPO_ROOT / "docker-compose.yml").read_text()))
    assert used and used <= known, used - known


def test_engines_have_healthchecks_and_services_wait_for_them():
    for engine in ("rabbitmq", "postgres"):
        assert "healthcheck" in COMPOSE["services"][engine]
    assert COMPOSE["services"]["ingest"]["depends_on"]["topology"] == {
        "condition": "service_completed_successfully"
    }


def test_no_secret_is_written_in_the_file():
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    assert "guest:guest" not in text
    assert all(
        "${" in line
        for line in text.splitlines()
        if "PASSWORD:" in line and not line.strip().startswith("#")
    )
