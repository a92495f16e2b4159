#!/usr/bin/env bash
# Installs what luutru needs on Debian 12 and is quick when everything is already there:
# Debian packages only when one is missing, the virtualenv only when the lock changed,
# and RabbitMQ started only when it is not answering.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(rabbitmq-server tesseract-ocr tesseract-ocr-vie poppler-utils
              fonts-dejavu-core fonts-liberation2 python3-venv
              hunspell-vi chromium)  # chromium: the portal browser tests (Playwright)
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
stamp=.venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: building .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --upgrade "pip>=24" 
  .venv/bin/pip install -q -c constraints.txt -e ".[dev]"
  rm -f .venv/.installed-*; touch "$stamp"
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
