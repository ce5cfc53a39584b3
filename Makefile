# Gatehouse — the two commands are `make demo` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv

UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python

.PHONY: help install demo run test test-fast lint format check-deploy bench bench-smoke bench-sweep screenshots system-deps clean

help:
	@echo "make demo          install, migrate, load the demo portfolio, run web + worker + beat"
	@echo "make test          run the whole suite on throw-away PostgreSQL + Redis and Chromium"
	@echo "make lint          ruff check and format, import contracts (lint-imports), types (mypy)"
	@echo "make check-deploy  manage.py check --deploy under production settings"
	@echo "make bench         every page at 20,000 projects under gunicorn + wrk, against two baselines (about 15 min)"
	@echo "make bench-smoke   the same at 300 projects, 1 s per URL; fails if a URL answers an error"
	@echo "make bench-sweep   print the reminder sweep's figures at 10,000 and 100,000 projects"
	@echo "make screenshots   every main page as each demo role sees it, 1366 and 390 px wide, into var/screenshots/"

.tools/bin/uv:
	@echo "→ installing uv into .tools/"
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: uv.lock pyproject.toml | $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --locked
	@touch $@

install: .venv/.synced

demo: install
	@mkdir -p var/celery/queue var/celery/processed var/celery/results
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) scripts/run_demo.py

run: install
	$(PY) scripts/run_demo.py

system-deps:
	@bash scripts/system_deps.sh

test: install system-deps
	@bash scripts/with_services.sh $(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	@bash scripts/with_services.sh $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

# Each step fails the target. lint-imports: the layer contracts in pyproject.toml
# ([tool.importlinter]); mypy: [tool.mypy], whose Django plugin imports config.settings.test
# (it needs no database or Redis: the settings default to SQLite and the filesystem broker).
lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-logo --no-cache
	.venv/bin/mypy

format: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	DATABASE_URL=postgres://gatehouse@localhost/gatehouse REDIS_URL=redis://localhost:6379/0 \
	ALLOWED_HOSTS=gatehouse.example.com GATEHOUSE_BASE_URL=https://gatehouse.example.com \
	$(PY) manage.py check --deploy --fail-level WARNING

# bench/load.py: build the firm-scale portfolio (bench/firm.py), count each page's queries at 100
# and 20,000 projects, then load each URL with wrk through gunicorn (production settings).
# BENCH_ARGS="--projects 5000 --duration 5" for a shorter run.
bench: install
	@bash bench/system_deps.sh
	@bash scripts/with_services.sh $(PY) bench/load.py $(BENCH_ARGS)

bench-smoke: install
	@bash bench/system_deps.sh
	@bash scripts/with_services.sh $(PY) bench/load.py --smoke $(BENCH_ARGS)

# SWEEP_SIZES=1000,5000 for a quicker run (default 10000,100000).
bench-sweep: install system-deps
	@bash scripts/with_services.sh $(PY) bench/sweep.py

# Every main page as each demo role sees it, at 1366 and 390 px, into var/screenshots/.
screenshots: install system-deps
	@$(PY) scripts/screenshots.py

clean:
	rm -rf var .venv .tools
