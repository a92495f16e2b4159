"""An office without internet installs luutru from `make wheelhouse` alone (README).

The wheelhouse is built from the hashed runtime lock (this needs PyPI), then a fresh virtualenv
installs from it with the registry unreachable: no index, no pip configuration or mirror, and
every proxy pointing at a closed port. Runtime only: the test tooling is not in a server's venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from services.common.config import REPO_ROOT

pytestmark = pytest.mark.timeout(600)

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, any download fails at once


def offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("PIP_", "PYTHON"))}
    proxies = {k: CLOSED for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}
    return env | proxies | {"PIP_CONFIG_FILE": os.devnull, "NO_PROXY": "", "no_proxy": ""}


def pip_offline(venv: Path, wheelhouse: Path, *args: str) -> None:
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-index",
         "--find-links", wheelhouse, *args],
        check=True, env=offline_env(), cwd=REPO_ROOT, timeout=400,
    )  # fmt: skip


def test_the_wheelhouse_installs_the_runtime_with_the_registry_unreachable(tmp_path):
    wheelhouse = tmp_path / "wheelhouse"
    subprocess.run(
        ["bash", "deploy/wheelhouse.sh"],
        check=True, cwd=REPO_ROOT, env=os.environ | {"WHEELHOUSE": str(wheelhouse)}, timeout=400,
    )  # fmt: skip
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)  # Debian's python3.11

    pip_offline(venv, wheelhouse, "--require-hashes", "-r", "requirements-build-lock.txt")
    pip_offline(
        venv, wheelhouse, "--require-hashes", "--no-build-isolation", "-r", "requirements-lock.txt"
    )
    copy = tmp_path / "luutru"  # the repository as copied to the office (editable install)
    shutil.copytree(
        REPO_ROOT,
        copy,
        ignore=shutil.ignore_patterns(".*", "var", "wheelhouse", "tests", "bench", "docs"),
    )
    pip_offline(venv, wheelhouse, "--no-deps", "--no-build-isolation", "-e", str(copy))

    python = str(venv / "bin" / "python")
    probe = "import services.gateway.service, services.indexing.service, tantivy, nameko"
    subprocess.run([python, "-c", probe], check=True, cwd=tmp_path, env=offline_env())
    help_text = subprocess.run(
        [venv / "bin" / "luutru", "--help"], check=True, capture_output=True, text=True
    ).stdout
    assert "register" in help_text
    no_tooling = subprocess.run([python, "-c", "import pytest"], cwd=tmp_path, env=offline_env())
    assert no_tooling.returncode != 0, "test tooling leaked into the runtime install"
