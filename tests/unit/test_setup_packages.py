"""`make run` installs the Debian packages the README names for the server (deploy/setup.sh)."""

from __future__ import annotations

import re
import shlex

import pytest

from services.common.config import REPO_ROOT


def apt_packages(variable: str) -> list[str]:
    script = (REPO_ROOT / "deploy" / "setup.sh").read_text(encoding="utf-8")
    [listed] = re.findall(rf"^{variable}=\(([^)]*)\)", script, flags=re.MULTILINE)
    return shlex.split(listed)


@pytest.mark.parametrize(
    "package", ["rabbitmq-server", "tesseract-ocr", "tesseract-ocr-vie", "poppler-utils"]
)
def test_make_run_installs_each_package_the_readme_names(package):
    assert package in apt_packages("APT_PACKAGES")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first_run = readme.split("The first `make run` installs", 1)[1].split("virtualenv", 1)[0]
    assert f"`{package}`" in first_run
