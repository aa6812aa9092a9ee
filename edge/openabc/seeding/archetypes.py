"""The five demo/HIL travellers, each built to trigger exactly one outcome.

Faces come from the public-domain images in ``seeds/faces``; the two
astronaut travellers are never enrolled, so sharing a face creates no
identity conflict.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from openabc.messages import Decision, Reason
from openabc.mrz.result import Sex
from openabc.seeding import histories
from openabc.seeding.identities import (
    DOCUMENT_ANCHOR,
    GIVEN_NAMES,
    SURNAMES,
    DocumentNumbers,
    make_passport,
    random_birth_date,
)
from openabc.seeding.models import Archetype, SeedPerson, SeedTraveller


@dataclass(frozen=True)
class ArchetypeSpec:
    archetype: Archetype
    nationality: str
    sex: Sex
    portrait: str
    live: str
    enrolled_face: str | None
    etias: bool
    sis_alert: bool
    decision: Decision
    reasons: tuple[Reason, ...]


ARCHETYPES = (
    ArchetypeSpec(
        Archetype.ELIGIBLE,
        "USA",
        "M",
        "obama.jpg",
        "obama2.jpg",
        "obama.jpg",
        True,
        False,
        Decision.ACCEPT,
        (),
    ),
    ArchetypeSpec(
        Archetype.OVERSTAYER,
        "GBR",
        "M",
        "biden.jpg",
        "biden.jpg",
        "biden.jpg",
        True,
        False,
        Decision.REFER,
        (Reason.OVERSTAY_RISK,),
    ),
    ArchetypeSpec(
        Archetype.SIS_HIT,
        "CAN",
        "F",
        "astronaut.jpg",
        "astronaut.jpg",
        None,
        True,
        True,
        Decision.REFER,
        (Reason.SIS_HIT,),
    ),
    ArchetypeSpec(
        Archetype.ETIAS_ABSENT,
        "JPN",
        "F",
        "astronaut.jpg",
        "astronaut.jpg",
        None,
        False,
        False,
        Decision.REFER,
        (Reason.ETIAS_ABSENT,),
    ),
    ArchetypeSpec(
        Archetype.FACE_MISMATCH,
        "AUS",
        "M",
        "biden.jpg",
        "astronaut.jpg",
        None,
        True,
        False,
        Decision.REFER,
        (Reason.FACE_MISMATCH,),
    ),
)

ARCHETYPE_EXPIRY = DOCUMENT_ANCHOR.replace(year=DOCUMENT_ANCHOR.year + 9)
"""Far enough out that the demo passports stay valid for years."""


def person_id(rng: random.Random) -> str:
    return f"p-{rng.getrandbits(64):016x}"


def build_archetype(
    spec: ArchetypeSpec,
    rng: random.Random,
    numbers: DocumentNumbers,
    today: dt.date,
    face_templates: dict[str, tuple[float, ...]],
) -> tuple[SeedPerson, SeedTraveller]:
    """The store record and the presentable traveller of one archetype."""
    pid = person_id(rng)
    mrz_text, document = make_passport(
        nationality=spec.nationality,
        surname=rng.choice(SURNAMES),
        given_names=rng.choice(GIVEN_NAMES),
        birth_date=random_birth_date(rng),
        sex=spec.sex,
        document_number=numbers.next(),
        expiry_date=ARCHETYPE_EXPIRY,
    )
    movements: histories.Movements = ()
    if spec.archetype == Archetype.ELIGIBLE:
        movements = histories.eligible_history(today)
    elif spec.archetype == Archetype.OVERSTAYER:
        movements = histories.overstayer_history(today)
    person = SeedPerson(
        person_id=pid,
        archetype=spec.archetype,
        document=document,
        mrz_text=mrz_text,
        enrolled=spec.enrolled_face is not None,
        template=None if spec.enrolled_face is None else face_templates[spec.enrolled_face],
        movements=movements,
        etias=histories.valid_etias(today) if spec.etias else None,
        sis_alert=spec.sis_alert,
    )
    traveller = SeedTraveller(
        person_id=pid,
        archetype=spec.archetype,
        mrz_text=mrz_text,
        document=document,
        portrait_image=spec.portrait,
        live_image=spec.live,
        expected_decision=spec.decision,
        expected_reasons=spec.reasons,
    )
    return person, traveller
