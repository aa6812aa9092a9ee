"""Seeded fingers: travellers with a CIR file get four enrolled slap fingers, deterministically."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openabc.config import MatcherSettings, OpenAbcSettings, TrustSettings
from openabc.fingerprint.types import Finger
from openabc.matcher.fingers import finger_gallery
from openabc.matcher.store import MatcherStore
from openabc.seeding.cli import run_seed
from openabc.seeding.fakes import fake_template_for_image
from openabc.seeding.fingers import enrolment_fingers
from openabc.seeding.models import SeedSummary, finger_seed_for, load_population

TODAY = dt.date(2026, 11, 27)


def _seed(root: Path, *, fingers: bool = True) -> SeedSummary:
    settings = OpenAbcSettings(
        seeds_dir=root / "seeds",
        matcher=MatcherSettings(database=root / "m.sqlite3"),
        trust=TrustSettings(csca_pem=root / "pki" / "csca.pem", crl_pem=root / "pki" / "crl.pem"),
    )
    return run_seed(
        settings,
        template_for_image=fake_template_for_image,
        filler=20,
        seed=7,  # as tests/matcher's fixture: enrolments are cached per process
        today=TODAY,
        fingers=fingers,
    )


def test_travellers_with_a_file_get_four_fingers(tmp_path: Path) -> None:
    summary = _seed(tmp_path)
    assert summary.finger_templates == 8 and "8 finger templates" in str(summary)
    population = load_population(summary.population_file)
    # derived from the person, not stored; only the borrowed fingers are named
    assert summary.population_file.read_bytes().count(b"finger") == 1
    store = MatcherStore(summary.database)
    try:
        gallery = finger_gallery(store)
    finally:
        store.close()
    with_file = {population.by_archetype(a).person_id for a in ("eligible", "overstayer")}
    assert set(gallery) == with_file
    assert all(sorted(fingers) == [2, 3, 4, 5] for fingers in gallery.values())
    own = {t.person_id: t.finger_seed for t in population.travellers if t.finger_owner is None}
    assert len(set(own.values())) == len(own)  # one finger identity per person
    eligible = population.by_archetype("eligible")
    assert population.by_archetype("exit").finger_seed == eligible.finger_seed  # same file
    # the same human under another identity carries the same fingers
    assert population.by_archetype("mid_yellow").finger_owner == eligible.person_id
    assert population.by_archetype("mid_yellow").finger_seed == eligible.finger_seed


def test_finger_seed_is_stable() -> None:
    assert finger_seed_for("p-02dd21250b729601") == finger_seed_for("p-02dd21250b729601")
    assert finger_seed_for("p-02dd21250b729601") != finger_seed_for("p-02dd21250b729602")


def test_enrolment_is_deterministic_across_processes() -> None:
    subject = 700_001  # a subject tests/matcher uses too (its master prints are cached)
    fresh = enrolment_fingers.__wrapped__(subject)
    again = enrolment_fingers.__wrapped__(subject)
    assert [f.position for f in fresh] == [Finger(2), Finger(3), Finger(4), Finger(5)]
    assert [f.template.to_bytes() for f in fresh] == [f.template.to_bytes() for f in again]
    assert [f.quality for f in fresh] == [f.quality for f in again]


def test_fingers_can_be_left_out(tmp_path: Path) -> None:
    assert _seed(tmp_path, fingers=False).finger_templates == 0
