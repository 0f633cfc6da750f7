# The two commands of the README's quick start: `make run` and `make test`.
# Both create the virtual environment and install the project on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB := data/processed/uptake.duckdb
CHROMIUM := /usr/bin/chromium
# Where `make run` fetches the real publications from: UPTAKE_MIRROR, else ../shared/realdata
# when it exists, else the official URLs (the build then uses whatever arrived, at least the
# bundled figures in data/raw).
MIRROR := $(or $(UPTAKE_MIRROR),$(wildcard ../shared/realdata))

.PHONY: run test build chromium clean benchmarks serve-prod lock audit

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

# Production: gunicorn (settings in gunicorn.conf.py: threaded workers, each with a read-only
# DuckDB connection and a warm Chromium for images); a rebuilt database is picked up without a
# restart. WORKERS, THREADS and BIND can be set: make serve-prod WORKERS=4 BIND=0.0.0.0:8050
WORKERS ?= 2
THREADS ?= 32
BIND ?= 127.0.0.1:8050
serve-prod: build
	@$(MAKE) --no-print-directory chromium || echo "Image downloads will say Chromium is missing; everything else works."
	UPTAKE_DB=$(DB) $(VENV)/bin/gunicorn --workers $(WORKERS) --threads $(THREADS) --bind $(BIND) \
	  --access-logfile - app:server

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

test: $(VENV)/.installed chromium
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
