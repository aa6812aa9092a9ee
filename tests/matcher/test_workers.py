"""Several real matcher worker processes on one store behind a shared subscription.

Kiosks are real ``MqttMatcherClient``s (RpcClient with resends) on their own
buses; an observer records every reply on the wire, so a second decision for
one request would be seen even if the kiosk dropped it.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from openabc import topics
from openabc.config import BrokerSettings, MatcherSettings, OpenAbcSettings
from openabc.lane.matcher_client import MqttMatcherClient
from openabc.matcher.audit import AuditLog
from openabc.matcher.store import MatcherStore
from openabc.messages import Decision, MatchResponse
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.payload import parse_payload
from openabc.mqtt.rpc import RpcClient
from openabc.runtime.processes import ServiceProcess, wait_matcher_online, write_settings
from openabc.seeding.cli import run_seed
from openabc.seeding.fakes import fake_template_for_image
from openabc.seeding.models import Population, SeedTraveller, load_population

pytestmark = pytest.mark.mosquitto

WORKERS = 3
KIOSKS = 4
REQUESTS = 200
DECISION_TIMEOUT_S = 5.0
RETRY_EVERY_S = 0.3


@dataclass
class Pool:
    settings: OpenAbcSettings
    population: Population
    workers: dict[str, ServiceProcess]


@pytest.fixture()
def pool(broker_settings: BrokerSettings, tmp_path: Path) -> Iterator[Pool]:
    settings = OpenAbcSettings(
        region=f"w{uuid.uuid4().hex[:8]}",
        broker=broker_settings,
        seeds_dir=tmp_path / "seeds",
        matcher=MatcherSettings(database=tmp_path / "matcher.sqlite3"),
    )
    run_seed(settings, template_for_image=fake_template_for_image, filler=200, seed=11)
    workers: dict[str, ServiceProcess] = {}
    per_worker: dict[str, OpenAbcSettings] = {}
    try:
        for n in range(1, WORKERS + 1):
            worker_id = f"worker-{n}"
            own = settings.model_copy(
                update={"matcher": settings.matcher.model_copy(update={"worker_id": worker_id})}
            )
            config = write_settings(own, tmp_path / f"{worker_id}.yaml")
            workers[worker_id] = ServiceProcess("matcher", config, tmp_path / f"{worker_id}.log")
            workers[worker_id].start()
            per_worker[worker_id] = own
        for worker_id, process in workers.items():
            wait_matcher_online(per_worker[worker_id], process, timeout=30)
        yield Pool(settings, load_population(settings.seeds_dir / "population.json"), workers)
    finally:
        for process in workers.values():
            process.stop()


@dataclass
class Wire:
    """Every reply published to any kiosk of the region, by correlation id."""

    replies: dict[str, list[bytes]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, _topic: str, payload: bytes) -> None:
        response = parse_payload(payload, MatchResponse) if b"match_response" in payload else None
        if response is not None:
            with self.lock:
                self.replies[response.correlation_id].append(payload)


@dataclass
class Kiosk:
    bus: MqttBus
    rpc: RpcClient
    client: MqttMatcherClient


def _kiosks(settings: OpenAbcSettings, retry_every_s: float | None) -> list[Kiosk]:
    kiosks = []
    for n in range(KIOSKS):
        kiosk_id = f"kiosk-{n}"
        bus = MqttBus(settings.broker, client_id=f"{settings.region}-{kiosk_id}")
        bus.connect(10)
        rpc = RpcClient(bus, topics.kiosk_replies(settings.region, kiosk_id))
        client = MqttMatcherClient(
            rpc,
            region=settings.region,
            kiosk_id=kiosk_id,
            lane_id=f"lane-{n}",
            retry_every_s=retry_every_s,
        )
        kiosks.append(Kiosk(bus, rpc, client))
    return kiosks


def _check(kiosk: Kiosk, traveller: SeedTraveller) -> MatchResponse:
    return kiosk.client.check(
        document=traveller.document,
        live_face=fake_template_for_image(Path(traveller.live_image)),
        portrait_face=fake_template_for_image(Path(traveller.portrait_image)),
        timeout=DECISION_TIMEOUT_S,
    )


def _stream(
    kiosks: list[Kiosk],
    population: Population,
    on_progress: threading.Event,
    after: int,
    *,
    cross: bool,
) -> list[MatchResponse]:
    """REQUESTS decisions over all kiosks; sets ``on_progress`` after ``after`` answers.

    Each traveller always uses the same kiosk, one request at a time, as at a
    real border; with ``cross`` an ACCEPTed traveller crosses at once and the
    kiosk sends its crossing report twice (a resend must not enter twice).
    """
    travellers = population.travellers
    results: list[MatchResponse] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int, kiosk: Kiosk) -> None:
        mine = [t for n, t in enumerate(travellers) if n % len(kiosks) == index]
        for n in range(REQUESTS // len(kiosks)):
            try:
                response = _check(kiosk, mine[n % len(mine)])
                if cross and response.decision == Decision.ACCEPT:
                    for _ in range(2):
                        ack = kiosk.client.report_crossing(
                            transaction_id=response.transaction_id,
                            crossed=True,
                            crossed_at=response.decided_at + 1,
                            timeout=DECISION_TIMEOUT_S,
                        )
                        assert ack.recorded
            except BaseException as err:  # noqa: BLE001 - reported by the main thread
                with lock:
                    errors.append(err)
                return
            with lock:
                results.append(response)
                if len(results) >= after:
                    on_progress.set()

    threads = [threading.Thread(target=run, args=(i, k)) for i, k in enumerate(kiosks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, f"requests lost or refused: {errors[:3]!r}"
    return results


def _owners(database: Path, correlation_ids: set[str]) -> dict[str, int]:
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute("SELECT correlation_id, owner FROM rpc_replies").fetchall()
    finally:
        conn.close()
    counts: dict[str, int] = defaultdict(int)
    for correlation_id, owner in rows:
        if correlation_id in correlation_ids:
            counts[owner] += 1
    return dict(counts)


@dataclass
class Run:
    results: list[MatchResponse]
    resends: int
    wire: Wire


def _run(pool: Pool, *, kill: str | None, retry_every_s: float | None = RETRY_EVERY_S) -> Run:
    wire = Wire()
    observer = MqttBus(pool.settings.broker, client_id=f"{pool.settings.region}-observer")
    observer.connect(10)
    any_kiosk = topics.kiosk_replies(pool.settings.region, "x").replace("/x/", "/+/")
    observer.subscribe(any_kiosk, wire)
    kiosks = _kiosks(pool.settings, retry_every_s)
    progress = threading.Event()
    try:
        if kill is None:
            results = _stream(kiosks, pool.population, progress, REQUESTS, cross=False)
        else:
            victim = pool.workers[kill]
            killed = threading.Event()

            def killer() -> None:
                progress.wait(30)
                # Stopped first so requests pile up in its socket and queue,
                # then killed: those are the in-flight messages at stake.
                victim.pause()
                threading.Event().wait(0.5)
                victim.kill()
                killed.set()

            threading.Thread(target=killer, daemon=True).start()
            results = _stream(kiosks, pool.population, progress, REQUESTS // 4, cross=True)
            assert killed.wait(10)
            assert not victim.is_running()
        return Run(results, sum(k.rpc.resends for k in kiosks), wire)
    finally:
        for kiosk in kiosks:
            kiosk.bus.close()
        observer.close()


def _assert_one_decision_each(results: list[MatchResponse], wire: Wire) -> None:
    assert len(results) == REQUESTS
    assert len({r.correlation_id for r in results}) == REQUESTS
    assert len({r.transaction_id for r in results}) == REQUESTS
    by_id = {r.correlation_id: r for r in results}
    with wire.lock:
        for correlation_id, replies in wire.replies.items():
            if correlation_id in by_id:
                decided = {parse_payload(raw, MatchResponse).transaction_id for raw in replies}
                assert decided == {by_id[correlation_id].transaction_id}


def test_three_workers_share_the_load(pool: Pool) -> None:
    run = _run(pool, kill=None)
    _assert_one_decision_each(run.results, run.wire)
    owners = _owners(pool.settings.matcher.database, {r.correlation_id for r in run.results})
    assert set(owners) == set(pool.workers), owners
    assert all(count > 0 for count in owners.values()), owners
    assert sum(owners.values()) == REQUESTS


def test_a_killed_worker_loses_no_request(pool: Pool) -> None:
    run = _run(pool, kill="worker-2")
    _assert_one_decision_each(run.results, run.wire)
    assert run.resends > 0, "the kill lost nothing: the test did not exercise resends"
    owners = _owners(pool.settings.matcher.database, {r.correlation_id for r in run.results})
    assert owners.get("worker-2", 0) > 0, owners  # it served before it died
    accepted = [r.transaction_id for r in run.results if r.decision == Decision.ACCEPT]
    assert accepted
    store = MatcherStore(pool.settings.matcher.database)
    try:
        marks = ",".join("?" * len(accepted))
        rows = store.conn.execute(
            "SELECT transaction_id, COUNT(*) FROM ees_movements"  # noqa: S608 - only ?s
            f" WHERE transaction_id IN ({marks}) GROUP BY transaction_id",
            accepted,
        ).fetchall()
        assert dict(rows) == dict.fromkeys(accepted, 1)
        assert AuditLog(store).verify()
    finally:
        store.close()


def test_without_resends_the_kill_loses_requests(pool: Pool) -> None:
    """The control: Mosquitto hands a dead member's messages to nobody else."""
    with pytest.raises(AssertionError, match="RpcTimeout"):
        _run(pool, kill="worker-2", retry_every_s=None)
