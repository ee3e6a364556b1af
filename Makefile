# The two commands of the README: `make serve` and `make test`. Each builds .venv when it is missing or
# when setup.cfg changed, so both work on a fresh machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 6543
CONFIG ?= development.ini

.PHONY: serve test fuzz migrate bench bench-scale bench-profile bench-instructions bench-pages valgrind wrk clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/python setup.cfg setup.py pyproject.toml
	$(BIN)/pip install --quiet -e '.[server,testing]'
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/hyperdiary migrate --config $(CONFIG)

serve: migrate
	$(BIN)/hyperdiary serve --config $(CONFIG) http_port=$(PORT)

test: $(VENV)/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# schemathesis with every check against a live server, as a professional and as a client (fuzz/run.py):
# deterministic, at most FUZZ_EXAMPLES examples per operation; FUZZ_POSTGRES=<url> runs it on PostgreSQL.
# schemathesis gets a virtualenv of its own (.venv-fuzz), so its dependencies stay out of the project's.
FUZZ_EXAMPLES ?= 20
.venv-fuzz/bin/st:
	$(PYTHON) -m venv .venv-fuzz
	.venv-fuzz/bin/pip install --quiet 'schemathesis >= 4, < 5'

fuzz: $(VENV)/.installed .venv-fuzz/bin/st
	$(BIN)/python fuzz/run.py --examples $(FUZZ_EXAMPLES) $(if $(FUZZ_POSTGRES),--postgres $(FUZZ_POSTGRES)) $(FUZZ_ARGS)

# Benchmarks: bench/run.py says what they measure, docs/performance.md has the latest figures. They need
# PostgreSQL at BENCH_POSTGRES_URL (BENCH_DB=sqlite needs none) and wrk, installed here from the
# system's packages when missing (as root).
wrk:
	@command -v wrk >/dev/null || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)

bench: $(VENV)/.installed wrk
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# 1,000,000 entries over 10,000 clients and 100 professionals against 10,000 entries of the same shape
# (bench/scale.py): the table, and the plans. The seeded databases are cached as templates on the server;
# BENCH_REPLICA=1 adds reads with a streaming replica against none, on clusters of its own (ports 5450/5451).
bench-scale: $(VENV)/.installed wrk
	$(BIN)/python bench/scale.py

# The table, then py-spy on each hyperdiary scenario: flame graphs and where the time goes.
bench-profile: $(VENV)/.installed wrk
	$(BIN)/pip install --quiet py-spy
	$(BIN)/python bench/run.py --profile

# Instructions per request in process under valgrind's callgrind (bench/instructions.py): the steady
# measure for comparing commits. PostgreSQL at BENCH_POSTGRES_URL; BENCH_ARGS=--sqlite for SQLite.
valgrind:
	@command -v valgrind >/dev/null || apt-get install -y valgrind || (apt-get update && apt-get install -y valgrind)

bench-instructions: $(VENV)/.installed valgrind
	$(BIN)/python bench/instructions.py $(BENCH_ARGS)

# The HTML page of 50 entries against its JSON (issue 24: under twice), in instructions under callgrind
# (bench/pages.py; without --instructions it times wall clock). SQLite unless BENCH_PAGES_URL says otherwise.
BENCH_PAGES_URL ?= sqlite:///var/bench-pages.sqlite
bench-pages: $(VENV)/.installed valgrind
	$(BIN)/python bench/pages.py --instructions $(BENCH_PAGES_URL)

clean:
	rm -rf $(VENV) .venv-fuzz var build *.egg-info
