# The README's vocabulary. `make run` and `make test` set everything up themselves.
.DEFAULT_GOAL := help
VENV := .venv/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test test-fast lint fmt typecheck bench setup

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## Install everything into .venv
	@scripts/bootstrap.sh

run:  ## Set up and run web + worker + beat on embedded defaults
	@scripts/bootstrap.sh
	@$(VENV)/misskissing dev --host $(HOST) --port $(PORT)

test:  ## Set up and run the whole test suite (what CI runs)
	@scripts/bootstrap.sh --test
	@$(VENV)/python -m pytest

test-fast:  ## Run the fast core only (no browser, faults or functional journeys)
	@$(VENV)/python -m pytest -m "not browser and not faults and not functional and not slow"

lint:  ## ruff, mypy and the import contracts
	@$(VENV)/ruff check .
	@$(VENV)/ruff format --check .
	@$(VENV)/mypy
	@$(VENV)/lint-imports

fmt:  ## Format the code
	@$(VENV)/ruff format .
	@$(VENV)/ruff check --fix .

bench:  ## Run the benchmarks (ratios against a baseline measured in the same run)
	@scripts/bootstrap.sh
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(VENV)/python $$b || exit 1; done
