# The two commands of the README's quick start: `make demo` and `make test`.
# Both create .venv with the Python found here (3.11 preferred) and install the kit into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Extras that `make test` installs: dev tools and the Ray engine (its tests run in `make test`).
EXTRAS ?= dev,cluster
comma := ,
DEV_STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: demo serve test test-fast build lint benchmark clean browser postgres
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(DEV_STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[$(EXTRAS)]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/hwkit demo

# `hwkit serve` on the demo cohort (run `make demo` first): prints the login links, then serves
# http://127.0.0.1:8000 until Ctrl-C.
serve: $(VENV)/.installed
	@test -f hwkit-out/demo/course/gradebook.sqlite || $(BIN)/hwkit demo
	$(BIN)/hwkit serve --course hwkit-out/demo/course --show-student-links

test: $(DEV_STAMP) browser postgres
	$(BIN)/python -m pytest

# The unit tier for the edit-test loop (about a minute): no builds, no graded notebooks.
test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -m "not e2e and not slow"

# Debian's Chromium and a CJK font for the leaderboard's real-browser test (Playwright drives
# this Chromium; it never downloads a browser of its own). Without them that test skips.
browser:
	@command -v chromium >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q . || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-wqy-microhei) || \
	  echo "could not install chromium: the leaderboard browser test will skip"

# Debian's PostgreSQL server for the live service's PostgreSQL tests: the tests start their own
# throw-away cluster with its binaries (never the system's service). Without it those tests skip.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql) || \
	  echo "could not install postgresql: the PostgreSQL tests will skip"

build: $(VENV)/.installed
	$(BIN)/hwkit build

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

benchmark: $(VENV)/.installed
	$(BIN)/python benchmarks/grade_samples.py --assignment a2
	$(BIN)/python benchmarks/grade_samples.py --assignment a1 --repeats 1
	$(BIN)/python benchmarks/a1_reference.py
	HWKIT_DATA=$${HWKIT_DATA:-$(CURDIR)/../shared/data} $(BIN)/python benchmarks/grade_samples.py --assignment a3 --repeats 1
	$(BIN)/python benchmarks/a3_accuracy.py

clean:
	rm -rf $(VENV) build hwkit-out autograder/dist *.egg-info
