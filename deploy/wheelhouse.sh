#!/usr/bin/env bash
# Builds wheelhouse/: every Python file an office without internet needs to install luutru —
# the exact files of the hashed locks (runtime only: the server does not run the tests) and the
# project's own wheel. Copy the repository with wheelhouse/ to the server, then (README):
#   python3 -m venv .venv
#   .venv/bin/python -m pip install --no-index --find-links wheelhouse --require-hashes \
#       -r requirements-build-lock.txt
#   .venv/bin/python -m pip install --no-index --find-links wheelhouse --require-hashes \
#       --no-build-isolation -r requirements-lock.txt
#   .venv/bin/python -m pip install --no-index --no-deps wheelhouse/luutru-*.whl
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p wheelhouse
for lock in requirements-build-lock.txt requirements-lock.txt; do
  .venv/bin/python -m pip download -q --require-hashes --no-deps --no-build-isolation \
    -r "$lock" -d wheelhouse
done
rm -f wheelhouse/luutru-*.whl
.venv/bin/python -m pip wheel -q --no-deps --no-build-isolation -w wheelhouse .
echo "wheelhouse: $(ls wheelhouse | wc -l) files in wheelhouse/"
