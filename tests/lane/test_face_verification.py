"""Kiosk-side live-vs-chip comparison at the manifest threshold."""

from __future__ import annotations

import pytest

from openabc.lane.face_verification import FaceVerifier
from openabc.lane.referral import Referral
from openabc.messages import FaceTemplate


def template(value: float, *, model: str = "m", version: str = "1") -> FaceTemplate:
    return FaceTemplate(model_id=model, model_version=version, vector=(value,) + (0.0,) * 127)


VERIFIER = FaceVerifier("m", "1", verify_distance=0.6)


def test_within_threshold_returns_the_distance() -> None:
    assert VERIFIER.verify(template(0.1), template(0.6)) == pytest.approx(0.5)


def test_at_the_threshold_is_a_match_and_beyond_it_refers() -> None:
    assert VERIFIER.verify(template(0.0), template(0.6)) == pytest.approx(0.6)
    with pytest.raises(Referral) as refused:
        VERIFIER.verify(template(0.0), template(0.61))
    assert refused.value.reasons == ("face_mismatch",)


def test_templates_of_another_model_are_never_compared() -> None:
    with pytest.raises(Referral) as refused:
        VERIFIER.verify(template(0.0), template(0.0, version="2"))
    assert refused.value.reasons == ("template_model_mismatch",)
