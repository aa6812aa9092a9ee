"""Whole-population generator: archetypes first, then the filler gallery.

One seeded ``random.Random`` drives identities and histories and one seeded
numpy ``Generator`` drives filler templates, consumed in a fixed order, so
the same seed, filler count, seeding day and face templates always give the
same population byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from openabc.messages import FaceTemplate
from openabc.seeding import histories
from openabc.seeding.archetypes import ARCHETYPES, again, build_archetype, person_id
from openabc.seeding.identities import (
    VISA_EXEMPT_CODES,
    VISA_REQUIRED_CODES,
    DocumentNumbers,
    random_passport,
)
from openabc.seeding.models import Archetype, Population, SeedPerson, SeedTraveller
from openabc.seeding.templates import far_from

TemplateForImage = Callable[[Path], FaceTemplate]

FILLER_CLEARANCE = 0.6
"""Minimum distance between a filler template and any archetype face."""
SIS_ALERT_RATE = 0.01
SLTD_RATE = 0.01
VISA_EXEMPT_SHARE = 0.7


@dataclass(frozen=True)
class Generated:
    persons: tuple[SeedPerson, ...]
    population: Population
    model_id: str
    model_version: str
    orphan_sltd: tuple[tuple[str, str], ...]
    """Stolen/lost documents of nobody in the population (issuing state, number)."""


def face_templates(
    faces_dir: Path, template_for_image: TemplateForImage
) -> tuple[dict[str, tuple[float, ...]], str, str]:
    """Templates of every face an archetype uses, all from one model."""
    names = sorted({n for s in ARCHETYPES for n in (s.portrait, s.live)})
    templates = {name: template_for_image(faces_dir / name) for name in names}
    models = {(t.model_id, t.model_version) for t in templates.values()}
    if len(models) != 1:
        raise ValueError(f"face templates come from several models: {sorted(models)}")
    model_id, model_version = models.pop()
    return {name: t.vector for name, t in templates.items()}, model_id, model_version


def generate(
    *, seed: int, filler: int, today: dt.date, faces_dir: Path, template_for_image: TemplateForImage
) -> Generated:
    """Build the archetypes and ``filler`` synthetic enrolled persons."""
    if filler < 0:
        raise ValueError("filler must be >= 0")
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not secrets
    np_rng = np.random.default_rng(seed)
    numbers = DocumentNumbers(rng)
    faces, model_id, model_version = face_templates(faces_dir, template_for_image)
    persons: list[SeedPerson] = []
    travellers: dict[Archetype, SeedTraveller] = {}
    for spec in ARCHETYPES:
        if spec.same_person_as is not None:
            travellers[spec.archetype] = again(spec, travellers[spec.same_person_as])
            continue
        person, traveller = build_archetype(spec, rng, numbers, today, faces)
        if spec.fingers_of is not None:
            owner = travellers[spec.fingers_of].person_id
            traveller = traveller.model_copy(update={"finger_owner": owner})
        persons.append(person)
        travellers[spec.archetype] = traveller
    avoid = np.asarray(sorted(faces.values()), dtype=np.float32)
    for _ in range(filler):
        persons.append(_filler_person(rng, np_rng, numbers, today, avoid))
    orphans = tuple(
        (rng.choice(VISA_EXEMPT_CODES + VISA_REQUIRED_CODES), numbers.next())
        for _ in range(max(1, filler // 100))
    )
    return Generated(
        tuple(persons),
        Population(seed=seed, travellers=tuple(travellers.values())),
        model_id,
        model_version,
        orphans,
    )


def _filler_person(
    rng: random.Random,
    np_rng: np.random.Generator,
    numbers: DocumentNumbers,
    today: dt.date,
    avoid: npt.NDArray[np.float32],
) -> SeedPerson:
    exempt = rng.random() < VISA_EXEMPT_SHARE
    nationality = rng.choice(VISA_EXEMPT_CODES if exempt else VISA_REQUIRED_CODES)
    mrz_text, document = random_passport(rng, numbers, nationality)
    vector = far_from(np_rng, avoid, FILLER_CLEARANCE)
    return SeedPerson(
        person_id=person_id(rng),
        archetype=Archetype.FILLER,
        document=document,
        mrz_text=mrz_text,
        enrolled=True,
        template=tuple(float(v) for v in vector),
        movements=histories.random_history(rng, today),
        etias=histories.random_etias(rng, today) if exempt else None,
        sis_alert=rng.random() < SIS_ALERT_RATE,
        sltd=rng.random() < SLTD_RATE,
        visas=() if exempt else histories.random_visas(rng, today),
    )
