#!/usr/bin/env bash
# Builds wheelhouse/: every Python file an office without internet needs to install luutru —
# the exact files of the hashed locks (runtime only: the server does not run the tests). The
# project itself is installed editable from the copied repository, as `make run` does: it reads
# deploy/ and schemas/ beside services/, which a wheel in site-packages would not find.
# Copy the repository with wheelhouse/ to the server, then (README):
#   python3 -m venv .venv
#   .venv/bin/python -m pip install --no-index --find-links wheelhouse --require-hashes \
#       -r requirements-build-lock.txt
#   .venv/bin/python -m pip install --no-index --find-links wheelhouse --require-hashes \
#       --no-build-isolation -r requirements-lock.txt
#   .venv/bin/python -m pip install --no-index --no-deps --no-build-isolation -e .
set -euo pipefail
cd "$(dirname "$0")/.."
WHEELHOUSE="${WHEELHOUSE:-wheelhouse}"
mkdir -p "$WHEELHOUSE"
for lock in requirements-build-lock.txt requirements-lock.txt; do
  .venv/bin/python -m pip download -q --require-hashes --no-deps -r "$lock" -d "$WHEELHOUSE"
done
echo "wheelhouse: $(ls "$WHEELHOUSE" | wc -l) files in $WHEELHOUSE/"
