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

# pytest's exit code 5 means "no tests collected": a failure, never a pass.
test: setup-test
	.venv/bin/ruff check services tests bench
	.venv/bin/python -m pytest; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

# Unit and contract tests only (no stack start-up): seconds, for the edit-test loop.
test-fast: setup-test
	.venv/bin/python -m pytest -m "unit or contract"

lint: setup-test
	.venv/bin/ruff check services tests bench
	.venv/bin/ruff format --check services tests bench

# Speed and quality numbers against baselines measured in the same run (not a test).
bench: setup
	.venv/bin/python -m bench $(BENCH)

# Everything an office without internet needs to install (README: "Offline install").
wheelhouse: setup
	@bash deploy/wheelhouse.sh
