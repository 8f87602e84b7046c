# One entry point for users and CI: `make bench` runs the main job, `make test` the tests.
# Both create the virtual environment first, from the pinned versions in requirements.lock.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup bench test lint format lock clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e ".[all,dev]"
	touch $@

bench: setup
	$(VENV)/bin/qnn bench --preset quick

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(VENV)/bin/pytest

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin every dependency to what the current environment resolved (after changing pyproject.toml).
# torch is pinned without its local '+cpu' label, so that the same lock serves CPU and CUDA builds.
lock:
	$(PY) -m pip freeze --exclude-editable | grep -v '^qnn' | sed 's/+cpu$$//' > requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info
