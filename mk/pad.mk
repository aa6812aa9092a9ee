# PAD texture CNN: trained in-repo from emulated species, reproducibly.
# Included by the top-level Makefile, which defines VENV, PY and PYTHON;
# the tooling venv (.venv-models: torch CPU + onnx) is defined in mk/detector.mk.

MODELS_VENV ?= .venv-models
MODELS_PY ?= $(MODELS_VENV)/bin/python
PAD_MODEL_DIR := models/pad-texture-cnn/1.0.0
PAD_TRAIN_DATA := .cache/pad/train.npz

.PHONY: models-pad models-pad-check bench-pad

# Step 1 renders training chips in the kiosk venv (MTCNN + emulator, training split
# only); step 2 trains and exports in the tooling venv. Seeded and single-threaded.
models-pad: $(VENV)/.ok $(MODELS_VENV)/.ok
	$(PY) tools/models/train_pad_data.py --out $(PAD_TRAIN_DATA)
	$(MODELS_PY) tools/models/train_pad_cnn.py --data $(PAD_TRAIN_DATA) --out models

# Re-render and retrain into a scratch dir; require byte-identical model and manifest.
models-pad-check: $(VENV)/.ok $(MODELS_VENV)/.ok
	@tmp=$$(mktemp -d) && \
	$(PY) tools/models/train_pad_data.py --out $$tmp/train.npz && \
	$(MODELS_PY) tools/models/train_pad_cnn.py --data $$tmp/train.npz --out $$tmp && \
	cmp $$tmp/pad-texture-cnn/1.0.0/model.onnx $(PAD_MODEL_DIR)/model.onnx && \
	cmp $$tmp/pad-texture-cnn/1.0.0/manifest.yaml $(PAD_MODEL_DIR)/manifest.yaml && \
	rm -rf $$tmp && echo "PAD model training is reproducible"

# APCER per species / BPCER per signal and fused on the held-out split, plus latency.
bench-pad: $(VENV)/.ok
	$(PY) bench/bench_pad.py
