# Two entry points for a fresh machine: `make run` (dashboard on the embedded synthetic default)
# and `make test` (everything the test suite needs, then the suite). CI runs `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
ARTIFACTS_DIR ?= artifacts/default
PORT ?= 8050
# Full Kaggle scale: 307,511 labelled + 48,744 unlabelled clients.
DEFAULT_CLIENTS ?= 307511

.PHONY: run test setup setup-test system-deps default-artifacts lint clean bench-serve bench-whatif heroku-check load \
	plotly-bundle bench-cold-start bench-first-load bench-browser-switch

$(VENV)/.web: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

setup: $(VENV)/.web

default-artifacts: setup
	@if [ ! -f $(ARTIFACTS_DIR)/manifest.json ]; then \
		echo "Building the synthetic default portfolio ($(DEFAULT_CLIENTS) clients) in $(ARTIFACTS_DIR)"; \
		$(PY) -m scoring train --synthetic $(DEFAULT_CLIENTS) --out $(ARTIFACTS_DIR); \
	fi

run: default-artifacts
	ARTIFACTS_DIR=$(ARTIFACTS_DIR) $(VENV)/bin/gunicorn --config app/gunicorn_conf.py --bind 127.0.0.1:$(PORT) wsgi:server

# Debian packages for the browser, screen-reader (Orca on Xvfb), Redis and PostgreSQL tests (installed only when missing; needs root or sudo).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	reader=""; \
	command -v orca >/dev/null || reader="$$reader orca"; \
	command -v Xvfb >/dev/null || reader="$$reader xvfb"; \
	command -v xdotool >/dev/null || reader="$$reader xdotool"; \
	[ -x /usr/libexec/at-spi2-registryd ] || reader="$$reader at-spi2-core"; \
	[ -f /usr/share/i18n/locales/fr_FR ] || reader="$$reader locales"; \
	if [ -n "$$missing$$reader" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq; \
		[ -z "$$missing" ] || DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
		[ -z "$$reader" ] || DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$reader; \
	fi

$(VENV)/.test: $(VENV)/.web
	# torch first, pinned: the CPU build; an unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test,veille]"
	touch $@

# npm packages (versions pinned in package-lock.json): axe-core for the accessibility tests, and the
# partial plotly.js bundle that assets/plotly-cartesian.min.js is a copy of.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm install --no-audit --no-fund --silent
	touch $@

# The page's plotly.js (bar, scatter, heatmap: the official "cartesian" partial bundle, MIT) is committed in
# assets/ because Heroku runs no npm step. To change its version: `npm install --save-dev --save-exact
# plotly.js-cartesian-dist-min@X`, then `make plotly-bundle` (tests/test_first_load.py checks the copy).
PLOTLY_NPM := node_modules/plotly.js-cartesian-dist-min
plotly-bundle: $(NODE_STAMP)
	cp $(PLOTLY_NPM)/plotly-cartesian.min.js assets/plotly-cartesian.min.js
	cp $(PLOTLY_NPM)/LICENSE assets/plotly-cartesian.LICENSE.txt

setup-test: system-deps $(VENV)/.test $(NODE_STAMP)

lint: setup-test
	$(VENV)/bin/ruff check .

# pytest exits 5 when it collects no test: that is a failure here, said out loud.
test: setup-test lint
	@$(PY) -m pytest --headless -p no:cacheprovider; rc=$$?; \
	if [ $$rc = 5 ]; then echo "pytest collected no tests: failing"; fi; exit $$rc

# Benchmarks (figures printed and saved under benchmarks/results/; not part of `make test`).
bench-serve: setup-test
	$(PY) -m benchmarks.serve --clients 356255 --out benchmarks/results/serve_356255.json

bench-whatif: setup-test
	$(PY) -m benchmarks.whatif --clients 356255 --out benchmarks/results/whatif_356255.json

# Browser benchmarks (headless Chromium, Gunicorn as the Procfile runs it, the full-scale synthetic portfolio).
bench-cold-start: setup-test
	$(PY) -m benchmarks.cold_start --starts 30 --out benchmarks/results/cold_start.json

bench-first-load: setup-test
	$(PY) -m benchmarks.first_load --out benchmarks/results/first_load.json

bench-browser-switch: setup-test
	$(PY) -m benchmarks.browser_switch --switches 50 --out benchmarks/results/browser_switch_356255.json

heroku-check: setup-test default-artifacts
	$(PY) benchmarks/heroku_check.py

load: setup-test default-artifacts
	$(PY) benchmarks/load.py

clean:
	rm -rf $(VENV) node_modules artifacts
