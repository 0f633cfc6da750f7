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

.PHONY: run test build chromium clean benchmarks serve-prod

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

build: $(VENV)/.installed
	$(PY) -m etl fetch $(if $(MIRROR),--mirror $(MIRROR))
	$(PY) -m etl build --raw data/raw --db $(DB)

run: build
	$(PY) app.py --db $(DB)

# Production: gunicorn workers, each with a read-only connection; a rebuilt database is picked
# up without a restart. WORKERS and BIND can be set: make serve-prod WORKERS=4 BIND=0.0.0.0:8050
WORKERS ?= 3
BIND ?= 127.0.0.1:8050
serve-prod: build
	UPTAKE_DB=$(DB) $(VENV)/bin/gunicorn --workers $(WORKERS) --bind $(BIND) --access-logfile - app:server

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
