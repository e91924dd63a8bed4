# Two commands on a fresh machine (Python 3.11+): `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test bench stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ssc demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The benchmark harness (bench/HARNESS.md): writes bench/RESULTS.md; `$(BIN)/python -m bench --scale full` for issue #9's sizes.
bench: $(STAMP)
	$(BIN)/python -m bench

stop:
	-$(BIN)/ssc airflow stop
	-$(BIN)/ssc db stop

clean: stop
	rm -rf .ssc
