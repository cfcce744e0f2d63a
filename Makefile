# Developer entry points. Needs only GNU make and python3 (>= 3.10); everything
# else is installed into .venv/ on first use.
#
#   make demo    route the bundled example tasks and print the recommendation table
#   make test    run the test suite
#   make lint    ruff
#   make bench   run every bench/bench_*.py (exits non-zero if a target is missed)
#
# PYTHON=python3.12 make test   picks the interpreter that creates the venv.

PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BENCHES = $(sort $(wildcard bench/bench_*.py))

# Exits non-zero with a message when the interpreter $(1) is older than 3.10; $(2) is the hint.
CHECK_PY = $(1) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else \
	"error: $(1) is Python %d.%d, but token-efficient-coding needs Python >= 3.10; $(2)" % sys.version_info[:2])'

.DEFAULT_GOAL := demo
.PHONY: demo test lint bench install

demo: $(STAMP)
	$(VPY) -m tec.cli.demo

test: $(STAMP)
	$(VPY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	@test -n "$(BENCHES)" || { echo "no bench/bench_*.py to run"; exit 1; }
	@rc=0; for script in $(BENCHES); do \
		echo "== $$script"; \
		$(VPY) $$script || rc=1; \
	done; exit $$rc

install: $(STAMP)

# The venv itself; recreated if its interpreter is missing (e.g. a half-made .venv/).
$(VPY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python >= 3.10" >&2; exit 1; }
	@$(call CHECK_PY,$(PYTHON),run e.g. PYTHON=python3.11 make)
	$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }

# Editable install with the dev tools; redone only when pyproject.toml changes.
$(STAMP): pyproject.toml | $(VPY)
	@$(call CHECK_PY,$(VPY),remove $(VENV)/ and run e.g. PYTHON=python3.11 make)
	$(VPY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@
