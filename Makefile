# The README's two commands are `make run` and `make test`; both start with `make setup`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT    := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get

.PHONY: run test setup system-deps test-deps lint typecheck unit bench reference lock clean

# The demo files, then the web application's demonstration study, served at 127.0.0.1:8000
# (the address and the demo logins are printed first).
run: setup
	$(BIN)/readiness demo
	$(BIN)/readiness web demo --serve

test: setup test-deps lint typecheck unit

setup: system-deps $(STAMP) node_modules/.installed

# Debian packages the application needs at run time (WeasyPrint's Pango), installed when missing.
system-deps:
	@if ! $$(command -v ldconfig || echo /sbin/ldconfig) -p | grep -q 'libpangoft2-1.0'; then \
		echo "Installing Debian packages: libpango-1.0-0 libpangoft2-1.0-0"; \
		$(APT) update -qq && $(APT) install -y -qq libpango-1.0-0 libpangoft2-1.0-0; \
	fi

# Debian packages the tests need (a real browser for the web tests, pdftoppm for the PDF
# tests, haproxy in front of two app servers), installed when missing.  Playwright drives
# Debian's chromium; it never downloads one.
test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(APT) update -qq && $(APT) install -y -qq $$missing; \
	fi

# The NHS.UK frontend styles and scripts come from npm (package-lock.json pins them).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

$(STAMP): pyproject.toml requirements/test.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# mypy on the core (src/readiness without web/); its settings, and what they leave unchecked,
# are in pyproject.toml.
typecheck: setup
	$(BIN)/mypy

# The whole suite on SQLite, then the web tests again on PostgreSQL (pytest-django creates and
# drops test_readiness_<pid>_gw0 and _gw1 on that server, one per worker: a name per run, so
# that two runs on one server never collide).
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
unit: setup
	$(BIN)/python -m pytest -n 2 -q
	DATABASE_URL=$(PG_TEST_URL) READINESS_TEST_DB_NAME=test_readiness_$$$$ \
		$(BIN)/python -m pytest -n 2 -q tests/web

bench: setup
	$(BIN)/python -m benchmarks

# Regenerate the R reference fixtures (needs r-base-core and the r-cran-* packages named in tests/reference/README.md).
reference:
	tests/reference/run.sh

# Re-pin the dependencies (needs network access to PyPI).
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra web --extra pdf --python-version 3.11 -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 -o requirements/test.lock

clean:
	rm -rf $(VENV) node_modules readiness-demo .pytest_cache
