"""A seeded matcher (fake face templates) and message builders for the matcher tests."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from openabc.config import MatcherSettings, OpenAbcSettings
from openabc.matcher.app import build_service
from openabc.matcher.service import MatcherService
from openabc.matcher.store import MatcherStore
from openabc.messages import CrossingReport, Direction, MatchRequest, TravelDocument
from openabc.seeding.cli import run_seed
from openabc.seeding.fakes import FAKE_MODEL, fake_template_for_image
from openabc.seeding.models import Population, load_population

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
TEMPLATE_MODEL = (*FAKE_MODEL, 0.6)


@dataclass
class Seeded:
    settings: OpenAbcSettings
    store: MatcherStore
    service: MatcherService
    population: Population


@pytest.fixture()
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    settings = OpenAbcSettings(
        seeds_dir=tmp_path / "seeds", matcher=MatcherSettings(database=tmp_path / "matcher.sqlite3")
    )
    run_seed(settings, template_for_image=fake_template_for_image, filler=200, seed=7, today=TODAY)
    store = MatcherStore(settings.matcher.database)
    service = build_service(settings, store, TEMPLATE_MODEL)
    yield Seeded(settings, store, service, load_population(settings.seeds_dir / "population.json"))
    store.close()


def make_request(
    document: TravelDocument,
    live: str,
    portrait: str,
    *,
    kiosk: str = "kiosk-1",
    model: tuple[str, str] = FAKE_MODEL,
    direction: Direction = Direction.ENTRY,
    deadline: float | None = None,
) -> MatchRequest:
    now = NOW.timestamp()
    return MatchRequest(
        correlation_id=uuid.uuid4().hex,
        reply_to=f"openabc/eu-demo/kiosk/{kiosk}/reply",
        deadline=now + 5 if deadline is None else deadline,
        sent_at=now,
        kiosk_id=kiosk,
        lane_id="lane-1",
        direction=direction,
        document=document,
        live_face=fake_template_for_image(Path(live), model),
        portrait_face=fake_template_for_image(Path(portrait), model),
    )


def make_crossing(
    transaction_id: str,
    *,
    kiosk: str = "kiosk-1",
    crossed: bool = True,
    deadline: float | None = None,
) -> CrossingReport:
    now = NOW.timestamp()
    return CrossingReport(
        correlation_id=uuid.uuid4().hex,
        reply_to=f"openabc/eu-demo/kiosk/{kiosk}/reply",
        deadline=now + 5 if deadline is None else deadline,
        sent_at=now,
        kiosk_id=kiosk,
        lane_id="lane-1",
        transaction_id=transaction_id,
        crossed=crossed,
        crossed_at=now + 3,
    )
