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
from openabc.seeding.generator import TemplateForImage, generate
from openabc.seeding.models import Population, SeedSummary
from openabc.seeding.writer import write_population

logger = logging.getLogger(__name__)

POPULATION_FILE = "population.json"
FACES_DIR = "faces"


def population_bytes(population: Population) -> bytes:
    """Stable, diff-friendly JSON (the file is committed)."""
    return (population.model_dump_json(indent=2) + "\n").encode()


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
) -> SeedSummary:
    """(Re)create the matcher database (``settings.matcher.store``); write the population file.

    ``today`` anchors EES histories and ETIAS validity (default: the UTC
    date, the matcher's clock); the population file does not depend on it.
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
        content_hash = store.content_hash()
    finally:
        store.close()
    population_file = settings.seeds_dir / POPULATION_FILE
    population_file.parent.mkdir(parents=True, exist_ok=True)
    population_file.write_bytes(population_bytes(generated.population))
    logger.info("seeded %d persons, %d templates", len(generated.persons), templates)
    return SeedSummary(
        database=describe_target(database),
        population_file=population_file,
        persons=len(generated.persons),
        templates=templates,
        archetypes=len(generated.population.travellers),
        model_id=generated.model_id,
        model_version=generated.model_version,
        content_hash=content_hash,
    )
