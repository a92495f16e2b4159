#!/usr/bin/env bash
# Starts every luutru service on the embedded defaults under supervisord, in the foreground.
# Ctrl-C or SIGTERM stops supervisord, which stops every service it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export LUUTRU_ROOT="$PWD"
export LUUTRU_DATA="$(realpath -m "${LUUTRU_DATA:-./var}")"
# Scans the ocr service reads at once (its scan queue's prefetch): two more
# than its tesseract processes, so that while one record is in its Python steps (render, level,
# store) the others keep every core in tesseract (docs/ocr.md, "Throughput").
export LUUTRU_OCR_WORKERS="${LUUTRU_OCR_WORKERS:-$(nproc)}"
export LUUTRU_OCR_RECORDS="${LUUTRU_OCR_RECORDS:-$((LUUTRU_OCR_WORKERS + 2))}"
# Its nameko max_workers: those records (the scan lane takes max_workers - 1) and one slot
# always free for the text lane (born-digital documents; docs/ocr.md, "Two lanes").
export LUUTRU_OCR_MAX_WORKERS="$((LUUTRU_OCR_RECORDS + 1))"
mkdir -p "$LUUTRU_DATA"/{logs,run,objects} "$LUUTRU_DATA"/inbox/{den,di,don,luutru}
.venv/bin/python -m services.common.topology
# The audit trail's HMAC key (mode 0600, never overwritten) and its first entry, before any
# service appends (docs/portal.md, "Audit trail").
.venv/bin/python -m services.common.audit
# With LUUTRU_OBJECT_KEY_FILE set, the object store's key must be usable before any service
# starts; it is never made here (`luutru objects new-key`; docs/architecture.md, "Encryption
# at rest"): a lost key must stop the services, not start a new key beside the old objects.
.venv/bin/python -m services.common.object_keys
# One RabbitMQ user per service, least permissions; each service starts as its own
# (deploy/as-broker-user.sh; docs/scale-out.md, "Broker users").
.venv/bin/python -m services.common.broker_users setup
# The HTTPS listener's certificate, unless LUUTRU_TLS_CERT/KEY are given: made by the local CA
# in $LUUTRU_DATA/tls, whose ca.crt the office's PCs trust (docs/https.md).
.venv/bin/python -m services.gateway.tls
# LUUTRU_HTTPS_PORT=0 turns the LAN listener off (a reverse proxy terminates TLS): no address.
if [ "${LUUTRU_HTTPS_PORT:-8443}" != 0 ]; then
  echo "luutru: LAN portal on https://$(hostname):${LUUTRU_HTTPS_PORT:-8443}"
fi
echo "luutru: portal on http://${LUUTRU_HTTP_HOST:-127.0.0.1}:${LUUTRU_HTTP_PORT:-8000}, data in $LUUTRU_DATA, logs in $LUUTRU_DATA/logs"
# As root (the README's `make run`), say so: supervisord otherwise logs a CRIT line on every
# start. A server keeps the services under their own user (deploy/systemd: User=luutru).
as_user=()
if [ "$(id -u)" = 0 ]; then as_user=(--user root); fi
exec .venv/bin/supervisord -c deploy/supervisord.conf "${as_user[@]}"
