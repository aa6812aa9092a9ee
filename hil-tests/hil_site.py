"""Shared types of the HIL suite."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openabc.config import OpenAbcSettings
from openabc.runtime.processes import ServiceProcess
from openabc.seeding.models import Population

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Site:
    """A seeded region: settings, population and the running matcher process."""

    settings: OpenAbcSettings
    population: Population
    matcher: ServiceProcess
    workdir: Path
