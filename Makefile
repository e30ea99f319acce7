# arrears: `make demo` to try it, `make test` to run the whole suite (SQLite, then PostgreSQL).
VENV := .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/arrears_test
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test test-sqlite test-postgres lint bench messages clean

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

test: install messages
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
	rm -rf $(VENV) var staticfiles
