# Manyi: two commands on a fresh Debian machine with python3.
#   make run    install, create the SQLite database with demo data, start http://127.0.0.1:5000 (PORT=8080 HOST=...)
#   make test   install everything (test tools and Debian's chromium included) and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# test processes (pytest-xdist): one per core of the 2-core machines we run on; each file stays in one process
TEST_WORKERS ?= 2
# the links `make run` prints (demo) and the console shows follow HOST and PORT, unless PUBLIC_BASE_URL is set;
# a server listening on every address (0.0.0.0) is reached on this machine at 127.0.0.1
LINK_HOST = $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
PUBLIC_BASE_URL ?= http://$(LINK_HOST):$(PORT)
# Debian packages: pango for WeasyPrint (PDF), a CJK font for Chinese reports, graphviz to lay out the path diagram;
# chromium for browser tests, postgresql for the tests that run on a real PostgreSQL server (started and stopped by
# the tests themselves), poppler-utils (pdftoppm) to render report pages to images in the tests, redis-server for the
# RQ report-job tests, pspp (GNU's SPSS) to open the .sav exports as a client would, nodejs to load exported SurveyJS
# models with the real survey-core library (pinned in tests/js/package-lock.json, installed with npm ci), openssl to
# make the self-signed certificate of the STARTTLS mail test.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk graphviz
TEST_DEBS := $(RUN_DEBS) chromium postgresql poppler-utils redis-server pspp nodejs openssl
JS_CHECKS := tests/js/node_modules/.package-lock.json

.PHONY: run test install install-test demo serve lint bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.testtools: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
	scripts/system-deps.sh $(RUN_DEBS)

install-test: $(VENV)/.testtools
	scripts/system-deps.sh $(TEST_DEBS)
	$(MAKE) $(JS_CHECKS)

$(JS_CHECKS): tests/js/package.json tests/js/package-lock.json
	command -v npm >/dev/null || scripts/system-deps.sh npm
	cd tests/js && npm ci --no-audit --no-fund

demo: install
	PUBLIC_BASE_URL="$(PUBLIC_BASE_URL)" $(BIN)/flask --app survey_app demo

# the scheduler (reminders) runs beside the web server and stops with it (docs/scheduler.md)
serve:
	PUBLIC_BASE_URL="$(PUBLIC_BASE_URL)" $(BIN)/flask --app survey_app scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT; \
	PUBLIC_BASE_URL="$(PUBLIC_BASE_URL)" $(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) "survey_app:create_app()"

run: demo serve

test: install-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .

# the property-based tests at random and ten times as long (CI runs them derandomised: the same examples each run)
fuzz: install-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -m property -p no:cacheprovider $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache tests/js/node_modules
