# The two commands of the README's quick start: `make demo` and `make test`.
# Both create .venv with the Python found here (3.11 preferred) and install the kit into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Extras that `make test` installs: dev tools and the Ray engine (its tests run in `make test`).
EXTRAS ?= dev,cluster
comma := ,
DEV_STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: demo test test-fast build lint benchmark clean browser
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

test: $(DEV_STAMP) browser
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
