# Nêu Gương — the two commands of the quick start are `make demo` and `make test`; `make stop` ends it all.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
RUN_DIR ?= .run

.PHONY: demo test stop venv infra keys services schemas help

help:
	@echo "make demo   — start Kafka, PostgreSQL and every service, load the demo province, print where to look"
	@echo "make test   — run the whole test suite (starts Kafka and PostgreSQL when needed)"
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

test: venv infra
	bash deploy/local/chromium.sh
	$(VENV)/bin/python -m pytest

stop:
	bash deploy/local/services.sh stop
	bash deploy/local/down.sh

schemas: venv
	$(VENV)/bin/python -m schemas.export
