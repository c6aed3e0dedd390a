# Two commands for a newcomer: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CLI := $(BIN)/ketamine-evidence

.PHONY: build test test-fast check validate evaluate lint bench release clean setup

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

build: $(BIN)/.installed
	$(CLI) build
	$(CLI) docs

test: $(BIN)/.installed
	$(BIN)/python -m pytest

# The quick loop while editing: everything but the tests marked slow (`make test` runs them all, as CI does).
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not slow"

check: $(BIN)/.installed
	$(CLI) build --check
	$(CLI) docs --check

validate: $(BIN)/.installed
	$(CLI) validate

evaluate: $(BIN)/.installed
	$(CLI) evaluate

release: $(BIN)/.installed
	$(CLI) release

# 36bfb7c: the 96-term vocabulary the naive peer was first measured with (see README, Measuring extraction)
bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_naive.py --vocab-at 36bfb7c

lint: $(BIN)/.installed
	$(BIN)/ruff check pipeline tests benchmarks

clean:
	rm -rf $(VENV) dist .pytest_cache
