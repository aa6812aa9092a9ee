"""Synthetic fingers of the seed travellers, enrolled as the CIR's finger gallery.

Each presentable traveller has a stable finger identity
(``SeedTraveller.finger_seed``, derived from the person id so the committed
population file needs no new field). Seeding enrols the four right-hand slap
fingers of every traveller with a CIR file from one emulated capture; a lane's
scanner (another capture seed) then yields different impressions of the same
fingers, which must match. Filler persons get no fingers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import ExtractorUnavailable, MinutiaeExtractor
from openabc.fingerprint.slap_pipeline import process_slap
from openabc.fingerprint.types import Hand
from openabc.matcher.fingers import EnrolledFinger, add_finger_templates
from openabc.matcher.store import MatcherStore
from openabc.seeding.models import finger_seed_for

logger = logging.getLogger(__name__)

ENROLMENT_CAPTURE_SEED = 19794_2
"""Capture seed of the enrolment impressions; lanes must use another one."""


@functools.cache
def _extractor() -> MinutiaeExtractor:
    return MinutiaeExtractor()


@functools.lru_cache(maxsize=64)
def enrolment_fingers(finger_seed: int) -> tuple[EnrolledFinger, ...]:
    """The enrolled right-hand slap of one synthetic subject (cached: ~2 s each)."""
    scanner = EmulatedFingerprintScanner(finger_seed, capture_seed=ENROLMENT_CAPTURE_SEED)
    result = process_slap(scanner.capture_slap(10.0, Hand.RIGHT), _extractor())
    return tuple(EnrolledFinger(f.finger, f.quality, f.template) for f in result.fingers)


def enrol_seed_fingers(store: MatcherStore, person_ids: Iterable[str]) -> int:
    """Enrol each person's four slap fingers in one transaction; returns templates written.

    Without the native NBIS library nothing is enrolled (a warning, and the
    matcher stays face-only for these persons) rather than failing the seed.
    """
    try:
        fingers = {p: enrolment_fingers(finger_seed_for(p)) for p in person_ids}
    except ExtractorUnavailable as err:
        logger.warning("no finger templates seeded: %s", err)
        return 0
    count = 0
    with store.transaction():
        for person_id, enrolled in fingers.items():
            count += add_finger_templates(store, person_id, enrolled)
    return count
