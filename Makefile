# Two entry points: `make demo` (run the app with a seeded demo) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# Tests always run against real PostgreSQL and Redis on this machine.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/annotator
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test install install-dev native lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements.lock -e ".[native]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -c requirements.lock -e ".[dev,native]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The detector's rule modules compiled to C with mypyc (annotator/detection/native.py),
# rebuilt when its manifest no longer matches them; without a build they run as Python,
# 1.3-1.5x slower.
native: | $(VENV)/.installed
	$(BIN)/python -m annotator.detection ensure

demo: $(VENV)/.installed
	$(MAKE) native || echo "warning: the detector could not be compiled; it runs as Python"
	DEBUG=$${DEBUG:-1} scripts/demo.sh

test: $(VENV)/.installed-dev native
	scripts/install_system_deps.sh
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python scripts/check_services.py
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		DEBUG=0 SECRET_KEY=test-only-secret SECURE_SSL_REDIRECT=0 STATIC_MANIFEST=0 \
		$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) data annotator/detection/compiled
