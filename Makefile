# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-from-lock
PORT ?= 8000

.PHONY: run test lint format bench install lock migrate seed worker messages clean-db

$(STAMP): requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

## run: set everything up, seed the demo school if the database is empty, start web and worker.
run: $(STAMP)
	PORT=$(PORT) bash scripts/run.sh

## test: lint and the whole test suite (unit, integration, browser).
# Two pytest-xdist workers; --dist loadfile keeps a module on one worker, so the
# integration module starts its gunicorn + Celery stack once. PYTEST_XDIST= runs serially.
PYTEST_XDIST ?= -n 2 --dist loadfile
test: $(STAMP) lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_XDIST)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## bench: measure the budgets of DESIGN §6; prints a table and writes bench/results.json.
bench: $(STAMP)
	$(PY) bench/run.py

## load: the evening load run (150 teachers in two minutes + dashboard readers) against gunicorn, a Celery
## worker, PostgreSQL (LOAD_POSTGRES_URL, default the machine's) and a redis-server of its own; prints
## requests, errors, p50/p95 and lost rows, exits 1 on any error or lost row. Not part of `make test`.
.PHONY: load
load: $(STAMP)
	$(PY) bench/load_evening.py

## lock: re-pin requirements.lock from requirements.in (with hashes).
lock:
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe -o requirements.lock requirements.in

## messages: refresh and compile the Dutch translations.
messages: $(STAMP)
	$(PY) manage.py makemessages -l nl -l en --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(PY) manage.py makemessages -d djangojs -l nl -l en --ignore=.venv --ignore=var --ignore=static/vendor
	$(PY) manage.py compilemessages --ignore=.venv

clean-db:
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm
