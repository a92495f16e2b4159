"""docker-compose.yml, the Dockerfile and deploy/ cannot run here (no Docker engine, no
systemd), so their structure is checked against the code they configure."""

import configparser
import importlib
import json
import re
from urllib.parse import urlparse

import yaml

from services.common.config import REPO_ROOT, Settings
from services.common.rabbit_definitions import definitions
from services.common.s3_objects import MinioObjectStore

TEXT = (REPO_ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(TEXT)
SERVICES = COMPOSE["services"]
LUUTRU_SERVICES = {
    "ingest", "ocr", "classification", "indexing", "retention", "handling", "gateway"
}  # fmt: skip
ENGINES = {"rabbitmq", "postgres", "minio", "elasticsearch"}
ONE_SHOTS = {"topology", "rabbitmq-definitions", "minio-init", "elasticsearch-template"}


def _env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in SERVICES[service]["environment"].items()}


def _filled(value: str) -> str:
    """Compose interpolation with a placeholder for every variable."""
    return re.sub(r"\$\{(\w+)[^}]*\}", lambda m: f"x{m.group(1).lower()}", value)


def _mounted_files(service: str) -> list[str]:
    return [v.split(":")[0] for v in SERVICES[service].get("volumes", []) if v.startswith("./")]


def test_every_luutru_service_engine_and_one_shot_is_present():
    assert set(SERVICES) >= LUUTRU_SERVICES | ENGINES | ONE_SHOTS


def test_each_service_container_runs_its_own_service_class():
    for name in LUUTRU_SERVICES:
        [target] = SERVICES[name]["command"]
        module, _, cls = target.partition(":")
        assert module == f"services.{name}.service"
        assert getattr(importlib.import_module(module), cls).name == name


def test_every_luutru_variable_is_one_the_settings_or_the_nameko_config_know():
    nameko_yaml = (REPO_ROOT / "deploy" / "nameko.yaml").read_text()
    known = {f"LUUTRU_{name.upper()}" for name in Settings.model_fields}
    known |= set(re.findall(r"\$\{(LUUTRU_[A-Z_]+)", nameko_yaml))
    used = set(re.findall(r"\bLUUTRU_[A-Z_]+", TEXT))
    assert used and used <= known, used - known


def test_each_concern_is_switched_to_its_scale_engine_by_its_url():
    env = {k: _filled(v) for k, v in _env("ingest").items()}
    storage = MinioObjectStore.from_url(env["LUUTRU_STORAGE_URL"])
    assert f"--with-lock archive/{storage.bucket}\n" in SERVICES["minio-init"]["command"][0]
    assert urlparse(env["LUUTRU_SEARCH_URL"]).hostname == "elasticsearch"
    assert urlparse(env["LUUTRU_CATALOG_URL"]).scheme == "postgresql"
    assert urlparse(env["LUUTRU_AMQP_URI"]).hostname == "rabbitmq"
    for name in LUUTRU_SERVICES:
        for key in ("LUUTRU_STORAGE_URL", "LUUTRU_SEARCH_URL", "LUUTRU_CATALOG_URL"):
            assert _env(name)[key] == _env("ingest")[key], (name, key)


def test_the_bucket_is_created_with_object_lock_and_its_policy():
    script = SERVICES["minio-init"]["command"][0]
    assert "mb --ignore-existing --with-lock" in script
    assert _mounted_files("minio-init") == ["./deploy/minio/bucket-policy.json"]
    policy = json.loads((REPO_ROOT / "deploy/minio/bucket-policy.json").read_text())
    allowed = {a for s in policy["Statement"] if s["Effect"] == "Allow" for a in s["Action"]}
    assert {"s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:GetObject"} <= allowed


def test_elasticsearch_runs_secured_with_the_analyser_template_loaded():
    env = _env("elasticsearch")
    assert env["xpack.security.enabled"] == "true"
    assert env["ELASTIC_PASSWORD"].startswith("${")
    assert SERVICES["elasticsearch"]["image"].split(":")[1].startswith("8.")  # client is 8.x
    [template] = _mounted_files("elasticsearch-template")
    assert (REPO_ROOT / template).is_file()
    assert "_index_template/luutru-records" in SERVICES["elasticsearch-template"]["command"]


def test_rabbitmq_has_management_and_loads_the_generated_definitions():
    assert SERVICES["rabbitmq"]["image"].endswith("-management")
    [path] = _mounted_files("rabbitmq-definitions")
    committed = json.loads((REPO_ROOT / path).read_text())
    assert committed == definitions()  # the same queues, arguments and policy as topology.py
    assert "/api/definitions" in SERVICES["rabbitmq-definitions"]["command"]


def test_engines_have_healthchecks_and_services_wait_for_them():
    for engine in ENGINES:
        assert "healthcheck" in SERVICES[engine], engine
    for name in LUUTRU_SERVICES:
        waits = SERVICES[name]["depends_on"]
        assert waits["topology"] == {"condition": "service_completed_successfully"}
        assert waits["minio-init"] == {"condition": "service_completed_successfully"}
        assert waits["postgres"] == {"condition": "service_healthy"}
    assert "healthcheck" in SERVICES["gateway"]


def test_ocr_runs_several_single_threaded_replicas():
    assert SERVICES["ocr"]["deploy"]["replicas"] >= 2
    assert _env("ocr")["OMP_THREAD_LIMIT"] == "1"


def test_every_named_volume_is_declared():
    used = {
        v.split(":")[0]
        for s in SERVICES.values()
        for v in s.get("volumes", [])
        if not v.startswith(("./", "/"))
    }
    assert used <= set(COMPOSE["volumes"]), used - set(COMPOSE["volumes"])


def test_no_secret_is_written_in_the_file():
    assert "guest:guest" not in TEXT
    assert all(
        "${" in line
        for line in TEXT.splitlines()
        if re.search(r"(PASSWORD|SECRET_KEY):", line) and not line.strip().startswith("#")
    )


def test_the_image_is_debian_with_vietnamese_tesseract():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM debian:12", dockerfile, re.M)
    assert "tesseract-ocr-vie" in dockerfile
    assert "OMP_THREAD_LIMIT=1" in dockerfile


def test_systemd_units_run_every_service_class():
    units = REPO_ROOT / "deploy" / "systemd"
    for name in LUUTRU_SERVICES:
        [path] = list(units.glob(f"luutru-{name}*.service"))
        unit = configparser.ConfigParser(interpolation=None, strict=False)
        unit.read_string(path.read_text())
        target = unit["Service"]["ExecStart"].rsplit(" ", 1)[1]
        module, _, cls = target.partition(":")
        assert getattr(importlib.import_module(module), cls).name == name
        assert unit["Install"]["WantedBy"] == "luutru.target"


def test_every_service_starts_through_the_runner_that_keeps_an_early_stop():
    """`nameko run` loses a SIGTERM that comes while a service starts (services/common/runner.py):
    whatever starts a service starts it through the runner."""
    units = sorted((REPO_ROOT / "deploy" / "systemd").glob("luutru-*.service"))
    starters = [REPO_ROOT / "Dockerfile", REPO_ROOT / "deploy" / "supervisord.conf", *units]
    for path in starters:
        text = path.read_text()
        assert "bin/nameko" not in text, path
        if path.name != "luutru-topology.service":  # declares queues, starts no service
            assert "services.common.runner" in text, path
