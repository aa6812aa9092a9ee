"""Shared types of the HIL suite."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    api_tokens: dict[str, str] = field(default_factory=dict)
    """Bearer token per matcher-API profile (``border_guard``, ``kiosk``)."""

    @property
    def api_url(self) -> str:
        return f"http://{self.settings.matcher.api_host}:{self.settings.matcher.api_port}"
