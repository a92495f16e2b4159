#!/usr/bin/env bash
# Installs what luutru needs on Debian 12 and is quick when everything is already there:
# Debian packages only when one is missing, the virtualenv only when a lock changed,
# and RabbitMQ started only when it is not answering.
#   deploy/setup.sh          what `make run` needs (the server: runtime only)
#   deploy/setup.sh --test   plus the test tooling `make test` needs
# Python packages come from the hashed locks (pip --require-hashes; deploy/lock.py writes them).
set -euo pipefail
cd "$(dirname "$0")/.."

TEST=0; [ "${1:-}" = "--test" ] && TEST=1

# hunspell-vi is runtime: the format check reads its word list (services/formcheck/spelling.py).
# poppler-utils is the operator's, not luutru's (which reads PDFs with pdfium): pdfinfo and
# pdftotext to look into a PDF the intake refused; the README promises it with the server.
APT_PACKAGES=(rabbitmq-server tesseract-ocr tesseract-ocr-vie poppler-utils
              fonts-dejavu-core fonts-liberation2 python3-venv hunspell-vi)
# chromium: the portal browser tests (Playwright); postgresql: initdb/pg_ctl for the throwaway
# cluster the tests start (tests/postgres.py), not the cluster service the package also starts.
TEST_APT_PACKAGES=(chromium postgresql)
LOCKS=(requirements-lock.txt)
if [ "$TEST" -eq 1 ]; then
  APT_PACKAGES+=("${TEST_APT_PACKAGES[@]}")
  LOCKS+=(requirements-test-lock.txt)
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
stamp_of() {
  echo ".venv/.installed-$(cat pyproject.toml requirements-build-lock.txt "$@" | sha256sum | cut -c1-16)"
}
stamp=$(stamp_of "${LOCKS[@]}")  # the test install covers the runtime one: it stamps both
if [ ! -f "$stamp" ]; then
  echo "setup: building .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  # pip itself and the build backend of bagit (only published as source) come first, so that
  # bagit is built with checked packages rather than an unchecked isolated download.
  .venv/bin/python -m pip install -q --require-hashes -r requirements-build-lock.txt
  requirements=(); for lock in "${LOCKS[@]}"; do requirements+=(-r "$lock"); done
  .venv/bin/python -m pip install -q --require-hashes --no-build-isolation "${requirements[@]}"
  # The project itself: its dependencies are all in the lock, setuptools (its build backend) too.
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  rm -f .venv/.installed-*; touch "$stamp" "$(stamp_of requirements-lock.txt)"
fi

if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  echo "setup: starting RabbitMQ"
  $SUDO rabbitmq-server -detached
  for _ in $(seq 1 60); do
    (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break
    sleep 1
  done
  $SUDO rabbitmqctl await_startup >/dev/null
fi
