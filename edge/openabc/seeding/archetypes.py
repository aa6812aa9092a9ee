"""The demo/HIL travellers, each built to trigger exactly one outcome.

Faces come from the public-domain images in ``seeds/faces``; only the
eligible traveller (obama) and the overstayer (biden) are enrolled. The
astronaut travellers are never enrolled, so sharing a face creates no
identity conflict; ``mid_yellow`` deliberately presents the enrolled obama
face under another identity. New archetypes come after the original five so
those stay byte-identical.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from openabc.messages import Decision, Direction, Reason
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
from openabc.seeding.models import Archetype, Etias, SeedPerson, SeedTraveller


@dataclass(frozen=True)
class ArchetypeSpec:
    archetype: Archetype
    nationality: str
    sex: Sex
    portrait: str
    live: str
    enrolled_face: str | None
    etias: str | None
    """ETIAS status on seeding (``valid``, ``revoked``), None: absent."""
    sis_alert: bool
    decision: Decision
    reasons: tuple[Reason, ...]
    sltd: bool = False
    visa_exhausted: bool = False
    direction: Direction = Direction.ENTRY
    same_person_as: Archetype | None = None
    """Present an earlier archetype's person and passport again (e.g. leaving)."""
    fingers_of: Archetype | None = None
    """The human behind another identity: they carry that earlier archetype's fingers."""


REFER = Decision.REFER
ARCHETYPES = (
    ArchetypeSpec(
        Archetype.ELIGIBLE, "USA", "M", "obama.jpg", "obama2.jpg", "obama.jpg", "valid", False,
        Decision.ACCEPT, (),
    ),
    ArchetypeSpec(
        Archetype.OVERSTAYER, "GBR", "M", "biden.jpg", "biden.jpg", "biden.jpg", "valid", False,
        REFER, (Reason.OVERSTAY_RISK,),
    ),
    ArchetypeSpec(
        Archetype.SIS_HIT, "CAN", "F", "astronaut.jpg", "astronaut.jpg", None, "valid", True,
        REFER, (Reason.SIS_HIT,),
    ),
    ArchetypeSpec(
        Archetype.ETIAS_ABSENT, "JPN", "F", "astronaut.jpg", "astronaut.jpg", None, None, False,
        REFER, (Reason.ETIAS_ABSENT,),
    ),
    ArchetypeSpec(
        Archetype.FACE_MISMATCH, "AUS", "M", "biden.jpg", "astronaut.jpg", None, "valid", False,
        REFER, (Reason.FACE_MISMATCH,),
    ),
    ArchetypeSpec(
        Archetype.SLTD_HIT, "BRA", "F", "astronaut.jpg", "astronaut.jpg", None, "valid", False,
        REFER, (Reason.SLTD_HIT,), sltd=True,
    ),
    ArchetypeSpec(
        Archetype.ETIAS_REVOKED, "KOR", "F", "astronaut.jpg", "astronaut.jpg", None, "revoked",
        False, REFER, (Reason.ETIAS_INVALID,),
    ),
    ArchetypeSpec(
        Archetype.VISA_EXHAUSTED, "IND", "F", "astronaut.jpg", "astronaut.jpg", None, None, False,
        REFER, (Reason.VISA_ENTRIES_EXHAUSTED,), visa_exhausted=True,
    ),
    # Obama's face (enrolled under the eligible traveller) with another name and passport.
    ArchetypeSpec(
        Archetype.MID_YELLOW, "USA", "M", "obama.jpg", "obama2.jpg", None, "valid", False,
        REFER, (Reason.MID_YELLOW,), fingers_of=Archetype.ELIGIBLE,
    ),
    ArchetypeSpec(
        Archetype.EXIT, "USA", "M", "obama.jpg", "obama2.jpg", None, None, False,
        Decision.ACCEPT, (), direction=Direction.EXIT, same_person_as=Archetype.ELIGIBLE,
    ),
)  # fmt: skip


ARCHETYPE_EXPIRY = DOCUMENT_ANCHOR.replace(year=DOCUMENT_ANCHOR.year + 9)
"""Far enough out that the demo passports stay valid for years."""


def person_id(rng: random.Random) -> str:
    return f"p-{rng.getrandbits(64):016x}"


def _etias(spec: ArchetypeSpec, today: dt.date) -> Etias | None:
    if spec.etias == "valid":
        return histories.valid_etias(today)
    if spec.etias == "revoked":
        return histories.revoked_etias(today)
    return None


def again(spec: ArchetypeSpec, earlier: SeedTraveller) -> SeedTraveller:
    """The traveller of an earlier archetype presenting again (same person, passport)."""
    return earlier.model_copy(
        update={
            "archetype": spec.archetype,
            "portrait_image": spec.portrait,
            "live_image": spec.live,
            "expected_decision": spec.decision,
            "expected_reasons": spec.reasons,
            "direction": spec.direction,
        }
    )


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
        etias=_etias(spec, today),
        sis_alert=spec.sis_alert,
        sltd=spec.sltd,
        visas=(histories.exhausted_visa(rng, today),) if spec.visa_exhausted else (),
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
        direction=spec.direction,
    )
    return person, traveller
