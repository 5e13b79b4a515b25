# Lockstep developer commands. `make demo` and `make test` are the README's quick start.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXTRAS ?= dev,narratives,spark

.PHONY: setup demo test lint typecheck bench clean

$(BIN)/lockstep: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Lockstep needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[$(EXTRAS)]"
	@touch $(BIN)/lockstep

setup: $(BIN)/lockstep  ## create .venv and install Lockstep with pinned dependencies

demo: setup  ## generate a synthetic dataset and run the whole pipeline on it
	$(BIN)/lockstep demo --out demo-out

test: setup  ## run the test suite
	$(BIN)/python -m pytest

lint: setup  ## ruff, and the import layering of pyproject.toml's [tool.importlinter]
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: setup  ## mypy
	$(BIN)/mypy

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache .ruff_cache
