"""The kiosk's fused PAD (sequence + ONNX model + texture) on the held-out slice.

Held-out identities (biden, astronaut) and seeds; emulated species, so this is
an upper bound, but the checks are strict enough to fail on a broken signal.
"""

from __future__ import annotations

import numpy as np
import pytest

from openabc.pad.decision import PadDecision
from openabc.pad.detector import PresentationAttackDetector
from openabc.pad.emulated_set import Presentation, Trial, score
from openabc.pad.evaluation import error_rates
from openabc.pad.model_signal import ModelSignal

from .test_model_signal import _ConstantRunner


@pytest.fixture(scope="module")
def trials(pad: PresentationAttackDetector, held_out: list[Presentation]) -> list[Trial]:
    return score(held_out, pad.assess)


def _decisions(trials: list[Trial], species: str) -> list[PadDecision]:
    return [t.decision for t in trials if t.species == species and t.decision is not None]


def test_flags_print_and_screen_passes_bona_fide(trials: list[Trial]) -> None:
    for d in _decisions(trials, "bona_fide"):
        assert not d.is_attack, d.scores
    for species in ("print", "screen"):
        for d in _decisions(trials, species):
            assert d.is_attack, (species, d.scores)
    rates = error_rates((t.species, t.decision.is_attack) for t in trials if t.decision)
    assert rates.counts == {"bona_fide": 4, "print": 4, "screen": 4}
    assert rates.bpcer == 0.0 and rates.apcer == {"print": 0.0, "screen": 0.0}


def test_decision_carries_every_signal(trials: list[Trial]) -> None:
    d = trials[0].decision
    assert d is not None and d.model_score is not None
    assert set(d.scores) == {"sequence", "model", "texture"}
    assert len(d.model_frame_scores) == 6
    assert d.fused_score == pytest.approx(np.mean(list(d.scores.values())))
    assert all(0.0 <= s <= 1.0 for s in d.scores.values())


def test_fusion_can_fail(held_out: list[Presentation]) -> None:
    """With a blind model (always 'bona fide') the fused rule accepts prints.

    So the fused check above depends on the model's vote and would fail on a
    broken or missing model; sequence + texture alone do not reach the mean.
    """
    blind = PresentationAttackDetector(ModelSignal(_ConstantRunner(0.0)))
    rates = error_rates(
        (p.species, blind.assess(p.frames, p.faces).is_attack)
        for p in held_out
        if p.faces is not None
    )
    assert rates.apcer["print"] > 0.5
    assert rates.bpcer == 0.0


def test_needs_two_frames(pad: PresentationAttackDetector, held_out: list[Presentation]) -> None:
    p = held_out[0]
    assert p.faces is not None
    with pytest.raises(ValueError):
        pad.assess(p.frames[:1], p.faces[:1])
