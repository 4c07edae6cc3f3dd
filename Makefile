# Developer commands. `make` alone lists them.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.requirements-installed
MANAGE := $(BIN)/python manage.py
# Tests read their settings from pyproject.toml (mediation.settings.test); a DATABASE_URL or
# DJANGO_SETTINGS_MODULE left in the shell must not redirect them.
PYTEST := env -u DATABASE_URL -u DJANGO_SETTINGS_MODULE $(BIN)/pytest
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-x -k invitation"`.
PYTEST_ARGS ?=
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/mediation
CHROMIUM := /usr/bin/chromium
# WeasyPrint (the PDF bilan, and its tests) loads Pango and HarfBuzz from the system.
WEASYPRINT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help venv system-deps run test test-postgres browser-deps test-browser quality check-deploy clean

help:
	@echo "Targets:"
	@echo "  venv           create $(VENV) with $(PYTHON) and install requirements.txt (again only when it changes)"
	@echo "  system-deps    install the libraries WeasyPrint needs with apt-get when they are missing"
	@echo "  run            migrate, load the demo data, serve http://127.0.0.1:8000 (SQLite file db.sqlite3)"
	@echo "  test           the test suite without the browser tests, on SQLite"
	@echo "  test-postgres  the same suite on PostgreSQL ($(POSTGRES_URL)), starting the local cluster if needed"
	@echo "  browser-deps   install Debian's Chromium and fonts with apt-get when $(CHROMIUM) is missing"
	@echo "  test-browser   the browser tests (pytest -m browser), Chromium driven by Playwright"
	@echo "  quality        ruff check, ruff format --check, makemigrations --check"
	@echo "  check-deploy   Django's deployment checklist on the production settings"
	@echo "  clean          remove caches and collected static files (keeps $(VENV) and db.sqlite3)"

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

system-deps: venv
	@if $(BIN)/python -c "import weasyprint" 2>/dev/null; then \
		echo "WeasyPrint libraries: present"; \
	else \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(WEASYPRINT_DEBS); \
	fi

run: system-deps
	$(MANAGE) migrate
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

test: system-deps
	$(PYTEST) -m "not browser" $(PYTEST_ARGS)

test-postgres: system-deps
	@command -v pg_isready >/dev/null || { echo "pg_isready not found: install PostgreSQL (apt-get install postgresql)"; exit 1; }
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
		echo "Starting PostgreSQL..."; \
		$(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | sort -V | tail -n 1) main start; \
		for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
		pg_isready -h 127.0.0.1 -p 5432; \
	fi
	env -u DJANGO_SETTINGS_MODULE DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

browser-deps:
	@if [ -x $(CHROMIUM) ]; then \
		echo "Chromium: $(CHROMIUM)"; \
	else \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			chromium fonts-dejavu-core fonts-liberation; \
	fi

test-browser: browser-deps venv
	$(PYTEST) -m browser $(PYTEST_ARGS)

quality: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

check-deploy: venv
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=mediation.settings.prod DEBUG=0 ALLOWED_HOSTS=mediation.example.fr \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		$(MANAGE) check --deploy --fail-level WARNING

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf staticfiles .pytest_cache .ruff_cache test-artifacts
