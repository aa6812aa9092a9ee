"""Mates score above the threshold, non-mates below (SourceAFIS-style bounds)."""

import itertools

import pytest

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.matcher import DEFAULT_THRESHOLD, compare, identify
from openabc.fingerprint.slap_pipeline import process_slap
from openabc.fingerprint.types import Finger, Hand

_FINGERS = (Finger.RIGHT_INDEX, Finger.RIGHT_MIDDLE, Finger.LEFT_INDEX)


@pytest.fixture(scope="module")
def impressions(extractor: MinutiaeExtractor) -> dict[tuple[int, Finger], list[FingerTemplate]]:
    out: dict[tuple[int, Finger], list[FingerTemplate]] = {}
    for subject in (301, 302):
        scanner = EmulatedFingerprintScanner(subject)
        for finger in _FINGERS:
            out[subject, finger] = [
                extractor.extract(scanner.capture_flat(finger, 5.0)) for _ in range(3)
            ]
    return out


def test_mates_score_above_threshold(
    impressions: dict[tuple[int, Finger], list[FingerTemplate]],
) -> None:
    for templates in impressions.values():
        for a, b in itertools.combinations(templates, 2):
            result = compare(a, b)
            assert result.is_match and result.score >= DEFAULT_THRESHOLD
            assert compare(b, a).score == result.score  # Bozorth3 is symmetric here


def test_non_mates_score_below_threshold(
    impressions: dict[tuple[int, Finger], list[FingerTemplate]],
) -> None:
    firsts = [templates[0] for templates in impressions.values()]
    for a, b in itertools.combinations(firsts, 2):
        result = compare(a, b)
        assert not result.is_match and result.score < DEFAULT_THRESHOLD


def test_identify_finds_the_right_finger(
    impressions: dict[tuple[int, Finger], list[FingerTemplate]],
) -> None:
    gallery = {f"{s}-{f.name}": t[0] for (s, f), t in impressions.items()}
    probe = impressions[302, Finger.RIGHT_MIDDLE][2]
    hits = identify(probe, gallery)
    assert hits and hits[0][0] == "302-RIGHT_MIDDLE"


def test_slap_verifies_against_enrolled_flats(extractor: MinutiaeExtractor) -> None:
    scanner = EmulatedFingerprintScanner(303)
    result = process_slap(scanner.capture_slap(5.0, Hand.LEFT), extractor)
    assert [f.finger.name for f in result.fingers] == [
        "LEFT_INDEX",
        "LEFT_MIDDLE",
        "LEFT_RING",
        "LEFT_LITTLE",
    ]
    assert result.below(40) == []
    enrolled = {
        f: extractor.extract(scanner.capture_flat(f, 5.0))
        for f in (c.finger for c in result.fingers)
    }
    # Single-finger FNMR is ~8 % at this threshold, so the bound is on the hand:
    # at least three of four mates match, every mate outscores every non-mate.
    matched = 0
    for captured in result.fingers:
        mate = compare(captured.template, enrolled[captured.finger])
        matched += mate.is_match
        others = [
            compare(captured.template, t) for f, t in enrolled.items() if f is not captured.finger
        ]
        assert all(not o.is_match and o.score < mate.score for o in others)
    assert matched >= 3
