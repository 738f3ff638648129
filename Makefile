# The two commands a newcomer needs: `make run` (the demo portal with its Celery
# worker and beat) and `make test` (the test suite). Both create .venv and
# install the project when needed; only Python 3.11 must be present.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when the dependencies change: the stamp is newer than pyproject.toml.
STAMP := $(VENV)/.installed

.PHONY: run test lint format check install

# Options for bin/run-demo: make run ARGS="--port 8080 --no-seed". PORT=8080 and HOST=0.0.0.0
# in the environment work too.
ARGS ?=

run: $(STAMP)
	PYTHON=$(BIN)/python bin/run-demo $(ARGS)

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py check
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	touch $@


# Benchmarks (docs/benchmarks.md) on a dedicated PostgreSQL database they may wipe.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sanlian_bench

.PHONY: bench
bench: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.matching
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.lookup
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.api
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.reminders

# City-wide matching, 100k requests × 10k offerings at reference density: opt-in (minutes,
# ~1 GiB), never in CI.
.PHONY: bench-city
bench-city: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.matching --sizes 100000x10000 --family dense
