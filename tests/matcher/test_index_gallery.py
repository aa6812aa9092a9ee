"""open_gallery: every engine behind the person-level facade behaves the same."""

from __future__ import annotations

import numpy as np
import pytest

from openabc.matcher.gallery import Engine, TemplateModelMismatch, faiss_available, open_gallery
from openabc.matcher.index.planted import random_templates
from openabc.messages import FaceTemplate

MODEL = ("face-embed-dlib-resnet", "1.0.0")
ENGINES: list[Engine] = ["numpy", "faiss-sq8", "auto"]


def template(vector: np.ndarray, model: tuple[str, str] = MODEL) -> FaceTemplate:
    return FaceTemplate(model_id=model[0], model_version=model[1], vector=tuple(vector.tolist()))


def test_auto_prefers_faiss() -> None:
    gallery = open_gallery(*MODEL, [], np.zeros((0, 0), np.float32))
    assert gallery.engine == ("faiss-sq8" if faiss_available() else "numpy")


@pytest.mark.parametrize("engine", ENGINES)
def test_replace_tie_break_and_refusal(engine: Engine) -> None:
    vectors = random_templates(np.random.default_rng(8), 3000)
    ids = [f"p{i:04d}" for i in range(3000)]
    gallery = open_gallery(*MODEL, ids, vectors, engine=engine)
    assert [pid for pid, _ in gallery.search(template(vectors[42]), 1)] == ["p0042"]

    gallery.add("p0042", template(vectors[7]))  # re-enrolment replaces the old template
    gallery.add("a-twin", template(vectors[7]))  # same face, other identity
    assert len(gallery) == 3001
    hits = gallery.search(template(vectors[7]), 3)
    assert [pid for pid, _ in hits] == ["a-twin", "p0007", "p0042"]
    assert [d for _, d in hits] == [0.0, 0.0, 0.0]
    assert gallery.search(template(vectors[42]), 1)[0][0] != "p0042"

    with pytest.raises(TemplateModelMismatch):
        gallery.search(template(vectors[0], ("arcface", "1.0.0")), 1)
    with pytest.raises(TemplateModelMismatch):
        gallery.add("x", template(vectors[0], (MODEL[0], "2.0.0")))


@pytest.mark.parametrize("engine", ENGINES)
def test_duplicate_ids_keep_the_last_row_and_shape_is_checked(engine: Engine) -> None:
    vectors = random_templates(np.random.default_rng(1), 4)
    gallery = open_gallery(*MODEL, ["a", "b", "a", "c"], vectors, engine=engine)
    assert len(gallery) == 3
    assert gallery.search(template(vectors[0]), 1)[0][1] > 1.0  # row 0 is gone
    assert gallery.search(template(vectors[2]), 5)[0] == ("a", 0.0)
    assert len(gallery.search(template(vectors[2]), 5)) == 3
    with pytest.raises(ValueError, match="does not fit"):
        open_gallery(*MODEL, ["a"], vectors, engine=engine)
