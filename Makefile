# The two commands of the README: `make serve` and `make test`. Each builds .venv when it is missing or
# when setup.cfg changed, so both work on a fresh machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 6543
CONFIG ?= development.ini

.PHONY: serve test migrate bench bench-scale clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[testing]'
	touch $@

migrate: $(VENV)/.installed
	PYTHONWARNINGS="ignore:pkg_resources is deprecated" $(BIN)/hyperdiary migrate --config $(CONFIG)

# Pyramid 2.1 still imports pkg_resources; its deprecation notice is noise for someone starting a server.
serve: migrate
	PYTHONWARNINGS="ignore:pkg_resources is deprecated" $(BIN)/pserve $(CONFIG) http_port=$(PORT)

test: $(VENV)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks (bench/run.py says what they measure). wrk comes from the system's packages.
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || (apt-get install -y wrk || (apt-get update && apt-get install -y wrk))
	$(BIN)/python bench/run.py

bench-scale: $(VENV)/.installed
	@command -v wrk >/dev/null || (apt-get install -y wrk || (apt-get update && apt-get install -y wrk))
	$(BIN)/python bench/run.py --scale

clean:
	rm -rf $(VENV) var build *.egg-info
