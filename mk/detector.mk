# MTCNN face detector models: tooling venv and reproducible ONNX export.
# Included by the top-level Makefile, which defines VENV, PY and PYTHON.

MODELS_VENV := .venv-models
MODELS_PY := $(MODELS_VENV)/bin/python

.PHONY: models-detector models-detector-check models-detector-reference

# Tooling venv for export only: torch 2.13.0 CPU comes from the local wheel
# directory (pip find-links); no torchvision. The kiosk never imports torch.
$(MODELS_VENV)/.ok:
	$(PYTHON) -m venv $(MODELS_VENV)
	$(MODELS_PY) -m pip install -q torch==2.13.0 onnx==1.23.2 numpy
	touch $@

# Re-export P/R/O-Net from the pinned facenet-pytorch 2.6.0 wheel (sha256-checked);
# each net is exported twice and must come out byte-identical.
models-detector: $(MODELS_VENV)/.ok
	$(MODELS_PY) tools/models/export_mtcnn.py --check-reproducible --out models

# Export into a scratch dir and require byte-identical output to what is committed.
models-detector-check: $(MODELS_VENV)/.ok
	@tmp=$$(mktemp -d) && \
	$(MODELS_PY) tools/models/export_mtcnn.py --out $$tmp && \
	for n in pnet rnet onet; do \
	  cmp $$tmp/mtcnn-$$n/2.6.0/model.onnx models/mtcnn-$$n/2.6.0/model.onnx && \
	  cmp $$tmp/mtcnn-$$n/2.6.0/manifest.yaml models/mtcnn-$$n/2.6.0/manifest.yaml || exit 1; \
	done && rm -rf $$tmp && echo "detector export is reproducible"

# Compare our ONNX/numpy cascade with facenet-pytorch's torch detect_face on seeds/faces.
models-detector-reference: $(VENV)/.ok $(MODELS_VENV)/.ok
	$(PY) tools/models/check_mtcnn_reference.py
