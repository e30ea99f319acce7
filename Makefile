# arrears: `make demo` to try it, `make test` to run the whole suite (SQLite, then PostgreSQL).
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/arrears_test
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test test-sqlite test-postgres lint bench messages clean browser-deps

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@command -v msgfmt >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null)
	@touch $@

messages: install
	$(PY) -m arrears.cli manage compilemessages --ignore=.venv -v 0

demo: install messages
	$(VENV)/bin/arrears demo

# The portal's browser tests (pytest -m browser) need Debian's Chromium (Playwright drives it; no browser is
# downloaded) and axe-core from npm in node_modules/. Without them those tests fail, never skip, unless
# ARREARS_SKIP_BROWSER=1 is set.
browser-deps: node_modules/axe-core/axe.min.js
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "browser-deps: no apt-get here; install Chromium (a 'chromium' on PATH) for the browser tests"; \
	else \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
	  echo "browser-deps: installing Debian's chromium"; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

test: install messages browser-deps
	$(PY) -m ruff check .
	$(PY) -m arrears.cli manage makemigrations --check --dry-run
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	scripts/run-pytest

test-postgres:
	scripts/ensure-postgres
	DATABASE_URL=$(PG_TEST_URL) scripts/run-pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check . || true

bench: install messages
	@echo "run one scenario: $(VENV)/bin/arrears bench NAME (see BENCHMARKS.md)"
	$(VENV)/bin/arrears bench --list

clean:
	rm -rf $(VENV) var staticfiles node_modules
