# The README's two commands: `make run` and `make test`. Both create .venv when it is missing.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test dev lint bench system-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

## Run the whole pipeline on the embedded defaults (sample EDGAR data, offline analyzer, ./site).
run: install
	$(BIN)/filings-pipeline run

## Run every test: unit, PostgreSQL, S3 (SeaweedFS), Chromium, and the real-daemon tests.
test: install system-deps
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest

## Open the Dagster UI on the project-local instance (http://127.0.0.1:3000).
dev: install
	@$(BIN)/filings-pipeline setup
	DAGSTER_HOME=$${DAGSTER_HOME:-$$(pwd)/.filings/dagster_home} $(BIN)/dagster dev -h 127.0.0.1 -p 3000

lint: install
	$(BIN)/ruff check filings_pipeline filings_pipeline_tests bench
	$(BIN)/ruff format --check filings_pipeline filings_pipeline_tests bench

bench: install
	$(BIN)/python bench/throughput_bench.py

## Chromium and its driver for the browser tests (Debian packages; needs root).
system-deps:
	@bash .ci/install-system-deps

clean:
	rm -rf .filings site test-output
