"""Seed generator: deterministic bytes, exact archetypes, valid MRZs, sane filler."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from openabc.config import REPO_ROOT, MatcherSettings, OpenAbcSettings, TrustSettings
from openabc.matcher.stay import stay_summary
from openabc.matcher.store import MatcherStore
from openabc.messages import FaceTemplate
from openabc.mrz import parse_mrz
from openabc.seeding.cli import run_seed
from openabc.seeding.fakes import fake_template_for_image
from openabc.seeding.generator import generate
from openabc.seeding.identities import DOCUMENT_ANCHOR
from openabc.seeding.models import SeedSummary, load_population

TODAY = dt.date(2026, 11, 27)
DEFAULT_SEED = 20260101  # `openabc seed` default, used for the committed population file


def site_trust(root: Path) -> TrustSettings:
    """Keep each test's PKI in its tmp dir (the default is the repository's var/pki)."""
    return TrustSettings(csca_pem=root / "pki" / "csca.pem", crl_pem=root / "pki" / "crl.pem")


def seed_into(
    root: Path, *, seed: int = 5, today: dt.date = TODAY, filler: int = 150
) -> SeedSummary:
    settings = OpenAbcSettings(
        seeds_dir=root / "seeds",
        matcher=MatcherSettings(database=root / "db" / "m.sqlite3"),
        trust=site_trust(root),
    )
    return run_seed(
        settings, template_for_image=fake_template_for_image, filler=filler, seed=seed, today=today
    )


def test_same_seed_same_bytes_and_database(tmp_path: Path) -> None:
    a, b = seed_into(tmp_path / "a"), seed_into(tmp_path / "b")
    assert a.population_file.read_bytes() == b.population_file.read_bytes()
    assert a.content_hash == b.content_hash
    assert (a.persons, a.templates, a.archetypes) == (159, 152, 10)


def test_reseeding_in_place_gives_the_same_database(tmp_path: Path) -> None:
    first = seed_into(tmp_path)
    assert seed_into(tmp_path).content_hash == first.content_hash


def test_other_seed_differs(tmp_path: Path) -> None:
    a, b = seed_into(tmp_path / "a"), seed_into(tmp_path / "b", seed=6)
    assert a.population_file.read_bytes() != b.population_file.read_bytes()
    assert a.content_hash != b.content_hash


def test_population_file_does_not_depend_on_the_day(tmp_path: Path) -> None:
    a = seed_into(tmp_path / "a")
    b = seed_into(tmp_path / "b", today=TODAY + dt.timedelta(days=40))
    assert a.population_file.read_bytes() == b.population_file.read_bytes()
    assert a.content_hash != b.content_hash  # histories follow the seeding day
    c = seed_into(tmp_path / "c", filler=7)
    assert c.population_file.read_bytes() == a.population_file.read_bytes()


def test_committed_population_file_is_current(tmp_path: Path) -> None:
    committed = REPO_ROOT / "seeds" / "population.json"
    if not committed.exists():
        pytest.fail("seeds/population.json missing: run `openabc seed`")
    fresh = seed_into(tmp_path, seed=DEFAULT_SEED, filler=0)
    assert fresh.population_file.read_bytes() == committed.read_bytes()


def test_archetypes_are_exactly_the_demo_set(tmp_path: Path) -> None:
    population = load_population(seed_into(tmp_path).population_file)
    got = {
        t.archetype.value: (
            t.portrait_image,
            t.live_image,
            t.expected_decision.value,
            tuple(r.value for r in t.expected_reasons),
        )
        for t in population.travellers
    }
    assert got == {
        "eligible": ("obama.jpg", "obama2.jpg", "ACCEPT", ()),
        "overstayer": ("biden.jpg", "biden.jpg", "REFER", ("overstay_risk",)),
        "sis_hit": ("astronaut.jpg", "astronaut.jpg", "REFER", ("sis_hit",)),
        "etias_absent": ("astronaut.jpg", "astronaut.jpg", "REFER", ("etias_absent",)),
        "face_mismatch": ("biden.jpg", "astronaut.jpg", "REFER", ("face_mismatch",)),
        "sltd_hit": ("astronaut.jpg", "astronaut.jpg", "REFER", ("sltd_hit",)),
        "etias_revoked": ("astronaut.jpg", "astronaut.jpg", "REFER", ("etias_invalid",)),
        "visa_exhausted": ("astronaut.jpg", "astronaut.jpg", "REFER", ("visa_entries_exhausted",)),
        "mid_yellow": ("obama.jpg", "obama2.jpg", "REFER", ("mid_yellow",)),
        "exit": ("obama.jpg", "obama2.jpg", "ACCEPT", ()),
    }
    exits = [t for t in population.travellers if t.direction == "exit"]
    assert [t.archetype for t in exits] == ["exit"]
    eligible = population.by_archetype("eligible")
    assert (exits[0].person_id, exits[0].document) == (eligible.person_id, eligible.document)


def test_only_mid_yellow_shares_an_enrolled_face_with_another_identity(tmp_path: Path) -> None:
    generated = generate(
        seed=5,
        filler=0,
        today=TODAY,
        faces_dir=Path("faces"),
        template_for_image=fake_template_for_image,
    )
    enrolled = {p.person_id for p in generated.persons if p.enrolled}
    population = generated.population
    enrolled_faces = {
        t.portrait_image.rstrip("0123456789.jpg"): t.person_id
        for t in population.travellers
        if t.person_id in enrolled
    }
    assert enrolled_faces.keys() == {"obama", "biden"}
    for t in population.travellers:
        face = t.live_image.rstrip("0123456789.jpg")
        if face in enrolled_faces and t.person_id != enrolled_faces[face]:
            assert t.archetype == "mid_yellow"


def test_every_mrz_is_valid_and_matches_its_document() -> None:
    generated = generate(
        seed=11,
        filler=300,
        today=TODAY,
        faces_dir=Path("faces"),
        template_for_image=fake_template_for_image,
    )
    for person in generated.persons:
        lines = person.mrz_text.split("\n")
        assert [len(line) for line in lines] == [44, 44]
        result = parse_mrz(person.mrz_text, today=DOCUMENT_ANCHOR)
        assert result.errors == ()
        assert result.to_travel_document() == person.document
    numbers = [p.document.document_number for p in generated.persons]
    assert len(set(numbers)) == len(numbers)


def test_filler_templates_look_like_distinct_people() -> None:
    generated = generate(
        seed=3,
        filler=2000,
        today=TODAY,
        faces_dir=Path("faces"),
        template_for_image=fake_template_for_image,
    )
    filler = np.array([p.template for p in generated.persons if p.archetype == "filler"])
    norms = np.linalg.norm(filler, axis=1)
    assert 0.85 < norms.min() and norms.max() < 1.15
    squared = (filler**2).sum(1)
    gram = squared[:, None] + squared[None, :] - 2 * filler @ filler.T
    np.fill_diagonal(gram, np.inf)
    assert np.sqrt(max(gram.min(), 0.0)) > 0.6
    faces = np.array(
        [
            fake_template_for_image(Path(n)).vector
            for n in ("obama.jpg", "obama2.jpg", "biden.jpg", "astronaut.jpg")
        ]
    )
    assert np.linalg.norm(filler[:, None, :] - faces[None, :, :], axis=2).min() > 0.6


def test_registers_have_every_state(tmp_path: Path) -> None:
    summary = seed_into(tmp_path, filler=1000)
    store = MatcherStore(summary.database)
    try:
        states = {r[0] for r in store.conn.execute("SELECT DISTINCT status FROM etias")}
        assert states == {"valid", "expired", "revoked", "refused"}
        assert store.conn.execute("SELECT COUNT(*) FROM sis_person_alerts").fetchone()[0] > 1
        assert store.conn.execute("SELECT COUNT(*) FROM sltd_documents").fetchone()[0] > 1
        population = load_population(summary.population_file)
        over = population.by_archetype("overstayer").person_id
        assert stay_summary(store.stays(over), TODAY).days_remaining == 0
        eligible = population.by_archetype("eligible").person_id
        assert stay_summary(store.stays(eligible), TODAY).days_used == 8
        newcomer = population.by_archetype("sis_hit").person_id
        assert store.identity(newcomer) is None  # first-time travellers have no CIR file
        allowed = {r[0] for r in store.conn.execute("SELECT entries_allowed FROM visas")}
        assert None in allowed and 1 in allowed and 2 in allowed
        exhausted = population.by_archetype("visa_exhausted").document
        assert store.conn.execute(
            "SELECT entries_allowed, entries_used FROM visas WHERE document_number=?",
            (exhausted.document_number,),
        ).fetchall() == [(1, 1)]
        sltd = population.by_archetype("sltd_hit").document
        assert store.sltd_listed(sltd.issuing_state, sltd.document_number)
    finally:
        store.close()


def test_templates_come_from_the_injected_pipeline(tmp_path: Path) -> None:
    seen: list[Path] = []

    def spy(path: Path) -> FaceTemplate:
        seen.append(path)
        return fake_template_for_image(path)

    settings = OpenAbcSettings(
        seeds_dir=tmp_path / "seeds",
        matcher=MatcherSettings(database=tmp_path / "m.sqlite3"),
        trust=site_trust(tmp_path),
    )
    run_seed(settings, template_for_image=spy, filler=3, seed=1, today=TODAY)
    assert sorted(p.name for p in seen) == ["astronaut.jpg", "biden.jpg", "obama.jpg", "obama2.jpg"]
    assert all(p.parent == settings.seeds_dir / "faces" for p in seen)


def test_referenced_faces_exist_in_the_repository() -> None:
    faces = REPO_ROOT / "seeds" / "faces"
    if not faces.is_dir():
        pytest.skip("seeds/faces not extracted yet")
    population = load_population(REPO_ROOT / "seeds" / "population.json")
    for traveller in population.travellers:
        assert (faces / traveller.portrait_image).is_file()
        assert (faces / traveller.live_image).is_file()
