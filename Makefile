# Two commands on a fresh machine (Python 3.11+): `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo lint test bench stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ssc demo

# Style (ruff, sqlfluff) and the layer map (ARCHITECTURE.md) first: they fail in a minute, the suite takes many.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_architecture.py
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests macros

test: lint
	$(BIN)/python -m pytest

# The benchmark harness (bench/HARNESS.md): writes bench/RESULTS.md; `$(BIN)/python -m bench --scale full` for issue #9's sizes.
bench: $(STAMP)
	$(BIN)/python -m bench

stop:
	-$(BIN)/ssc airflow stop
	-$(BIN)/ssc db stop

clean: stop
	rm -rf .ssc
