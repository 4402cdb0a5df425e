# The two commands a newcomer needs are `make demo` and `make test`; the rest are for working on the code.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/orchestrate
PYTEST_ARGS ?= -q -n 2

.PHONY: demo test install lint test-sqlite test-postgresql bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## Set up a virtual environment, migrate a SQLite database, load demo data, start the hub and a worker.
demo:
	bash scripts/demo.sh

## The whole suite: lint, every test on SQLite, then the hub's tests on PostgreSQL.
test: install lint test-sqlite test-postgresql

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgresql: install
	@if $(BIN)/python scripts/wait-for-postgres.py "$(POSTGRES_URL)"; then \
		DATABASE_URL="$(POSTGRES_URL)" $(BIN)/pytest $(PYTEST_ARGS) tests/hub; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL is not reachable at $(POSTGRES_URL); CI needs it (see .ci/run)"; exit 1; \
	else \
		echo "Skipping the PostgreSQL run: nothing answers at $(POSTGRES_URL) (set POSTGRES_URL)."; \
	fi

## Benchmarks print figures beside floors measured in the same run.
bench: install
	$(BIN)/python benchmarks/parse.py
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/ingest_growth.py
	$(BIN)/python benchmarks/flaky_sim.py
	$(BIN)/python benchmarks/flaky_recompute.py
	$(BIN)/python benchmarks/diagnose.py
	$(BIN)/python benchmarks/failure_categories.py
	$(BIN)/python benchmarks/analysis.py
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/fix_jobs.py
	$(BIN)/python benchmarks/fix_quality.py
	$(BIN)/python benchmarks/dashboard.py
	$(BIN)/python benchmarks/live.py
	for fault in worker-kill db-terminate redis-restart hub-down provider-storm; do \
		$(BIN)/python benchmarks/faults.py $$fault || exit 1; \
	done
	$(BIN)/python benchmarks/loop.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
