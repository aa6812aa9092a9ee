"""Data shapes of the seed population.

``SeedTraveller`` is what lanes and the demo present (committed in
``seeds/population.json``); ``SeedPerson`` is everything written to the
matcher store, including the filler that is never presented.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from openabc.epassport.chip_profile import GENUINE, ChipProfile
from openabc.messages import Decision, Direction, Reason, TravelDocument


class Archetype(StrEnum):
    ELIGIBLE = "eligible"
    OVERSTAYER = "overstayer"
    SIS_HIT = "sis_hit"
    ETIAS_ABSENT = "etias_absent"
    FACE_MISMATCH = "face_mismatch"
    SLTD_HIT = "sltd_hit"
    ETIAS_REVOKED = "etias_revoked"
    VISA_EXHAUSTED = "visa_exhausted"
    MID_YELLOW = "mid_yellow"
    EXIT = "exit"
    FILLER = "filler"


class SeedTraveller(BaseModel):
    """One presentable traveller with the answer the matcher must give."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    person_id: str
    archetype: Archetype
    mrz_text: str
    document: TravelDocument
    portrait_image: str
    live_image: str
    expected_decision: Decision
    expected_reasons: tuple[Reason, ...]
    direction: Direction = Direction.ENTRY
    """The lane must send this in ``MatchRequest.direction`` (an exit lane: ``exit``)."""
    chip: ChipProfile = Field(GENUINE, exclude_if=lambda chip: chip == GENUINE)
    """The passport chip the emulator serves; genuine unless a scenario says otherwise
    (left out of the JSON when genuine, so population files stay as they were)."""

    finger_owner: str | None = Field(None, exclude_if=lambda owner: owner is None)
    """Whose fingers this traveller has when not their own file's: the same human under
    another identity (``mid_yellow``). Left out of the JSON when None."""

    @property
    def finger_seed(self) -> int:
        """Stable synthetic finger identity (emulated scanner subject seed)."""
        return finger_seed_for(self.finger_owner or self.person_id)


def finger_seed_for(person_id: str) -> int:
    """Derived from the person id: same person, same fingers, no new JSON field."""
    digest = hashlib.sha256(f"openabc-fingers:{person_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


class Population(BaseModel):
    """Contents of ``seeds/population.json``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: int = 1
    seed: int
    travellers: tuple[SeedTraveller, ...]

    def by_archetype(self, archetype: Archetype | str) -> SeedTraveller:
        for traveller in self.travellers:
            if traveller.archetype == archetype:
                return traveller
        raise KeyError(archetype)


def load_population(path: Path) -> Population:
    """Read a population file written by ``openabc seed``."""
    return Population.model_validate_json(path.read_bytes())


@dataclass(frozen=True)
class Etias:
    status: str
    valid_until: dt.date


@dataclass(frozen=True)
class SeedVisa:
    visa_id: str
    valid_from: dt.date
    valid_until: dt.date
    entries_allowed: int | None
    entries_used: int


@dataclass(frozen=True)
class SeedPerson:
    """Everything the central systems know (or flag) about one synthetic person.

    ``enrolled`` is False for first-time travellers: they get no CIR file,
    no EES history and no gallery template, only ETIAS/VIS/SIS/SLTD entries.
    """

    person_id: str
    archetype: Archetype
    document: TravelDocument
    mrz_text: str
    enrolled: bool
    template: tuple[float, ...] | None
    movements: tuple[tuple[str, dt.date], ...] = ()
    etias: Etias | None = None
    sis_alert: bool = False
    sltd: bool = False
    visas: tuple[SeedVisa, ...] = ()


@dataclass(frozen=True)
class SeedSummary:
    """What ``openabc seed`` produced, for the console and for tests."""

    database: Path | str
    """The SQLite file, or the PostgreSQL database as ``describe_target`` shows it."""
    population_file: Path
    persons: int
    templates: int
    archetypes: int
    model_id: str
    model_version: str
    content_hash: str
    finger_templates: int = 0
    """Finger records enrolled (four per traveller with a CIR file)."""

    def __str__(self) -> str:
        return (
            f"seeded {self.persons} persons ({self.archetypes} archetypes), "
            f"{self.templates} {self.model_id}@{self.model_version} templates and "
            f"{self.finger_templates} finger templates into "
            f"{self.database}; travellers in {self.population_file}; "
            f"content sha256 {self.content_hash[:16]}"
        )
