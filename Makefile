# luutru — the two commands a user needs: `make run` and `make test`.
.PHONY: setup setup-test run test test-fast lint bench wheelhouse

# The server gets runtime dependencies only; the tests add their tooling (pytest, moto,
# Playwright with chromium, PostgreSQL for a throwaway cluster).
setup:
	@bash deploy/setup.sh

setup-test:
	@bash deploy/setup.sh --test

run: setup
	@bash deploy/run.sh

# Unit and contract tests run on every core (pytest-xdist; each worker starts its own
# PostgreSQL cluster). Service and e2e tests run on two workers, each module on one
# (`--dist loadfile`; tests/scheduling.py keeps the modules sharing a stack together): each
# worker starts its own session stacks, on vhosts, data dirs and ports of their own (two
# workers measured on two cores: docs/status.md, "Suite time"). Both runs always; pytest's
# exit code 5 means "no tests collected": a failure, never a pass.
PARALLEL = -n auto --maxprocesses 4
STACKS = -n auto --maxprocesses 2 --dist loadfile
test: setup-test
	.venv/bin/ruff check services tests bench
	@status=0; \
	for run in '-m "unit or contract" $(PARALLEL)' '-m "service or e2e" $(STACKS)'; do \
	  eval .venv/bin/python -m pytest $$run; code=$$?; \
	  if [ $$code -eq 5 ]; then echo "no tests were collected ($$run)" >&2; code=1; fi; \
	  if [ $$code -ne 0 ]; then status=$$code; fi; \
	done; exit $$status

# Unit and contract tests only (no stack start-up): minutes, for the edit-test loop.
test-fast: setup-test
	.venv/bin/python -m pytest -m "unit or contract" $(PARALLEL)

lint: setup-test
	.venv/bin/ruff check services tests bench
	.venv/bin/ruff format --check services tests bench

# Speed and quality numbers against baselines measured in the same run (not a test).
bench: setup
	.venv/bin/python -m bench $(BENCH)

# Everything an office without internet needs to install (README: "Offline install").
wheelhouse: setup
	@bash deploy/wheelhouse.sh
