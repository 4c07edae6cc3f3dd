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
# pip-compile options of both locks; `make lock UPGRADE=--upgrade` (or
# UPGRADE="--upgrade-package django") moves versions, plain `make lock` keeps them.
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
UPGRADE ?=
# pip-audit asks PyPI about each pinned version; unreachable, it fails after AUDIT_TIMEOUT seconds
# (per request) instead of hanging. AUDIT_FLAGS=--strict also fails on a package it could not look up.
AUDIT_TIMEOUT ?= 30
AUDIT_FLAGS ?=

.PHONY: help venv lock system-deps run worker test test-postgres browser-deps test-browser quality audit check-deploy clean

help:
	@echo "Targets:"
	@echo "  venv           create $(VENV) with $(PYTHON) and install requirements-dev.txt (runtime lock + tools; again when a lock changes)"
	@echo "  lock           recompile requirements.txt and requirements-dev.txt from their .in files (UPGRADE=--upgrade to move versions)"
	@echo "  system-deps    install the libraries WeasyPrint needs with apt-get when they are missing"
	@echo "  run            migrate, load the demo data, serve http://127.0.0.1:8000 (SQLite file db.sqlite3) beside the worker"
	@echo "  worker         only the worker: sends the queued e-mails (printed on the console in development)"
	@echo "  test           the test suite without the browser tests, on SQLite"
	@echo "  test-postgres  the same suite on PostgreSQL ($(POSTGRES_URL)), starting the local cluster if needed"
	@echo "  browser-deps   install Debian's Chromium and fonts with apt-get when $(CHROMIUM) is missing"
	@echo "  test-browser   the browser tests (pytest -m browser), Chromium driven by Playwright"
	@echo "  quality        ruff check, ruff format --check, lint-imports (layers, .importlinter), makemigrations --check, audit"
	@echo "  audit          pip-audit of the runtime lock requirements.txt (known vulnerabilities)"
	@echo "  check-deploy   Django's deployment checklist on the production settings"
	@echo "  clean          remove caches and collected static files (keeps $(VENV) and db.sqlite3)"

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --require-hashes -r requirements-dev.txt
	touch $@

# The dev lock is compiled against the runtime lock (-c requirements.txt in requirements-dev.in),
# then starts with -r requirements.txt so that one file installs both.
lock: venv
	$(LOCK) $(UPGRADE) -o requirements.txt requirements.in
	sed -i '1{/^-r requirements.txt$$/d}' requirements-dev.txt
	$(LOCK) $(UPGRADE) -o requirements-dev.txt requirements-dev.in
	sed -i '1i -r requirements.txt' requirements-dev.txt
	$(BIN)/python -m pip install --require-hashes -r requirements-dev.txt
	touch $(STAMP)

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
	@# The worker (queued e-mails, printed on the console) runs beside the server and stops with it.
	$(MANAGE) run_worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver 127.0.0.1:8000

worker: venv
	$(MANAGE) run_worker

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
	$(BIN)/lint-imports --no-cache
	$(MANAGE) makemigrations --check --dry-run
	$(MAKE) --no-print-directory audit

# Without --strict, packages pip-audit could not look up are counted in one closing line, never a
# silent pass (--strict fails on the first one).
audit: venv
	@out=$$(mktemp); \
	$(BIN)/pip-audit --require-hashes --disable-pip --progress-spinner off --timeout $(AUDIT_TIMEOUT) \
		$(AUDIT_FLAGS) -r requirements.txt >$$out 2>&1; status=$$?; \
	cat $$out; \
	skipped=$$(grep -c "could not be audited" $$out); \
	case "$(AUDIT_FLAGS)" in *--strict*) skipped=0;; esac; \
	if [ "$$skipped" -gt 0 ]; then \
		reason=$$(grep -m1 "could not be audited" $$out | sed -E 's/^[^ ]+ +//; s/ and could not be audited.*//'); \
		echo "audit: $$skipped of $$(grep -c '^[A-Za-z0-9].*==' requirements.txt) packages NOT checked ($$reason: the vulnerability service does not answer from here); run 'make audit AUDIT_FLAGS=--strict' where PyPI or OSV answers (docs/exploitation.md)."; \
	fi; \
	rm -f $$out; exit $$status

check-deploy: venv
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=mediation.settings.prod DEBUG=0 ALLOWED_HOSTS=mediation.example.fr \
		SITE_URL=https://mediation.example.fr EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
		OPERATOR_NAME="Opérateur exemple" OPERATOR_ADDRESS="1 rue Exemple, 59000 Lille" \
		OPERATOR_EMAIL=contact@example.fr OPERATOR_PHONE="03 00 00 00 00" \
		OPERATOR_PUBLICATION_DIRECTOR="Directeur exemple" OPERATOR_HOST_NAME="Hébergeur exemple" \
		OPERATOR_HOST_ADDRESS="2 rue Exemple, 59000 Lille" OPERATOR_HOST_PHONE="03 00 00 00 01" \
		OPERATOR_DPO_CONTACT=dpd@example.fr OPERATOR_ACCESSIBILITY_CONTACT=accessibilite@example.fr \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		$(MANAGE) check --deploy --fail-level WARNING

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf staticfiles .pytest_cache .ruff_cache test-artifacts
