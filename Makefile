# Nêu Gương — the two commands of the quick start are `make demo` and `make test`; `make stop` ends it all.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
RUN_DIR ?= .run

.PHONY: demo test faults province bench lint stop venv infra keys services schemas help

help:
	@echo "make demo   — start Kafka, PostgreSQL and every service, load the demo province, print where to look"
	@echo "make test   — run the whole test suite (starts Kafka and PostgreSQL when needed)"
	@echo "make faults — every fault over the whole pipeline on its own 3-node Kafka cluster; prints the table"
	@echo "make province — the province-sized tests at full size (recount over 8 communes, a 10.000-row import, the fold over 30.000+ events)"
	@echo "make bench  — every benchmark beside its baseline from the same run, in under 5 minutes (bench/README.md)"
	@echo "make lint   — ruff (lint and format), mypy, and the import layers (part of make test)"
	@echo "make stop   — stop the services, Kafka and PostgreSQL"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

infra:
	bash deploy/local/up.sh

keys: venv
	$(VENV)/bin/neuguong keys init --dir $(RUN_DIR)/keys

services: venv infra keys
	bash deploy/local/services.sh start

demo: services
	$(VENV)/bin/neuguong demo load --keys $(RUN_DIR)/keys

# The fault tests run in their short form here (one fault, a small workload); `make faults` runs them all. So
# do the benchmarks with targets (tests/integration/test_bench_short.py: `python -m bench --short`); `make bench`
# measures. The suite runs on two pytest-xdist workers, each on a test database of its own (tests/conftest.py),
# a file whole on one worker: about 6 minutes of tests on 2 cores (8½ to 9½ serially, measured before the
# benchmarks' short form added about 40 s). TEST_WORKERS=1 runs them in one process.
TEST_WORKERS ?= 2
test: export NG_PG_DATABASES := neuguong neuguong_test $(foreach n,$(shell seq 0 $$(($(TEST_WORKERS) - 1))),neuguong_test_gw$(n))
test: lint infra
	bash deploy/local/chromium.sh
	bash deploy/local/axe.sh
	bash deploy/local/prometheus.sh
	NG_FAULTS=short $(VENV)/bin/python -m pytest --durations=30 $(if $(filter-out 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

# Every fault of tests/faults/cases.py, each through the workload and the checker, on a stack of its own
# (ports from NG_FAULTS_PORT_BASE, default 30392); prints fault × commands × lost × unexpected × duplicated ×
# reordered and fails on any non-zero cell.
faults: venv
	NG_FAULTS=full $(VENV)/bin/python -m pytest tests/faults -p no:cacheprovider

# The province-sized tests at a province's size (tests/scale.py); `make test` runs them smaller.
province: venv infra
	NG_SCALE=province $(VENV)/bin/python -m pytest tests/integration/test_projections_recount.py \
	  tests/integration/test_commitments_import.py tests/handlers/test_projections_fold.py -p no:cacheprovider

# Every benchmark with its defaults; one table of figures beside their baselines (bench/results/*.json).
bench: venv infra
	$(VENV)/bin/python -m bench

# The habits that keep the code in shape: style and bugs (ruff), format, types of the runtime and the
# wire contract (mypy), and the layers (import-linter: ops > services > neuguong > schemas).
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy neuguong schemas
	$(VENV)/bin/lint-imports

stop:
	bash deploy/local/services.sh stop
	bash deploy/local/down.sh

schemas: venv
	$(VENV)/bin/python -m schemas.export
