# The two commands of the README's quick start: `make run` and `make test`.
# Both create the virtual environment and install the project on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The database every target builds and serves: DB=..., or UPTAKE_DB from the environment.
DB := $(or $(UPTAKE_DB),data/processed/uptake.duckdb)
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
# Where `make run` fetches the real publications from: UPTAKE_MIRROR, else ../shared/realdata
# when it exists, else the official URLs (the build then uses whatever arrived, at least the
# bundled figures in data/raw).
MIRROR := $(or $(UPTAKE_MIRROR),$(wildcard ../shared/realdata))

.PHONY: run test build chromium nginx clean benchmarks serve-prod serve-app serve-proxy lock audit

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

build: $(VENV)/.installed
	$(PY) -m etl fetch $(if $(MIRROR),--mirror $(MIRROR))
	$(PY) -m etl build --raw data/raw --db $(DB)

# Chromium draws the image downloads; without it (not root, offline) they say so and the
# rest of the dashboard works, so `run` goes on.
run: build
	@$(MAKE) --no-print-directory chromium || echo "Image downloads will say Chromium is missing; everything else works."
	$(PY) app.py --db $(DB)

# Production: nginx on BIND (the public address) in front of gunicorn on a unix socket in
# RUN_DIR (deploy/serve.py, deploy/nginx.conf.template). nginx holds slow clients, limits
# request sizes, serves the static files and compresses; gunicorn (gunicorn.conf.py: threaded
# workers, each with a read-only DuckDB connection and a warm Chromium for images) only sees
# complete requests. A rebuilt database is picked up without a restart; Ctrl-C stops both.
# WORKERS, THREADS, BIND and RUN_DIR can be set: make serve-prod WORKERS=4 BIND=0.0.0.0:8080
WORKERS ?= 2
THREADS ?= 32
BIND ?= 127.0.0.1:8050
RUN_DIR ?= temp/run
serve-prod: build nginx
	@$(MAKE) --no-print-directory chromium || echo "Image downloads will say Chromium is missing; everything else works."
	$(PY) deploy/serve.py --bind $(BIND) --db $(DB) --workers $(WORKERS) --threads $(THREADS) --run-dir $(RUN_DIR)

# Several app hosts behind one proxy: each app host runs `make serve-app BIND=<its address>`
# (gunicorn alone, reachable by the proxy host only), the proxy host runs
# `make serve-proxy BIND=0.0.0.0:8080 UPSTREAMS="10.0.0.2:8050 10.0.0.3:8050"`.
serve-app: build
	@$(MAKE) --no-print-directory chromium || echo "Image downloads will say Chromium is missing; everything else works."
	UPTAKE_DB=$(DB) $(VENV)/bin/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(BIND) \
	  --access-logfile - app:server

serve-proxy: $(VENV)/.installed nginx
	@if [ -z "$(UPSTREAMS)" ]; then echo 'serve-proxy needs UPSTREAMS="host:port host:port"' >&2; exit 1; fi
	$(PY) deploy/serve.py --bind $(BIND) --run-dir $(RUN_DIR) $(foreach address,$(UPSTREAMS),--upstream $(address))

# Browser tests need Debian's Chromium; install it when missing rather than skipping them.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian chromium for the browser tests..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Browser tests need $(CHROMIUM): run 'sudo apt-get install -y chromium' and try again." >&2; exit 1; \
	  fi; \
	fi

# The production proxy (serve-prod and its tests) needs Debian's nginx (the `nginx` package:
# nginx-light is only a transitional name in bookworm and gone after it). Installed when
# missing, as Chromium is; serve-prod runs it as the current user, never as the system service.
nginx:
	@if [ ! -x $(NGINX) ] && ! command -v nginx >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian nginx for the production proxy..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null; \
	  else \
	    echo "The production proxy needs $(NGINX): run 'sudo apt-get install -y nginx' and try again." >&2; exit 1; \
	  fi; \
	fi

test: $(VENV)/.installed chromium nginx
	$(PY) -m pytest

clean:
	rm -rf $(VENV) data/processed/*.duckdb

benchmarks: $(VENV)/.installed
	$(PY) benchmarks/build.py

# Pins: every installed package at its tested version. Rewrite after a deliberate upgrade.
lock: $(VENV)/.installed
	$(PY) -m pip freeze --exclude-editable | grep -v '^pip-audit' > constraints.txt

# Known vulnerabilities in the pinned versions (pip-audit in its own environment, so it is
# not among the pins; needs the network to reach the PyPI advisory database).
audit:
	$(PYTHON) -m venv .venv-audit
	.venv-audit/bin/python -m pip install --quiet pip-audit
	.venv-audit/bin/pip-audit --requirement constraints.txt --no-deps --disable-pip --progress-spinner off
