"""One answer per correlation id across workers: the reply table, then two adapters."""

from __future__ import annotations

import queue
import time
import uuid
from pathlib import Path

import pytest
from matcher_fixtures import TEMPLATE_MODEL, Seeded, make_request

from openabc import topics
from openabc.config import BrokerSettings
from openabc.matcher.app import build_service
from openabc.matcher.idempotency import KEEP_AFTER_DEADLINE_S, Outcome, ReplyTable
from openabc.matcher.mqtt_adapter import MatcherMqttAdapter
from openabc.matcher.store import MatcherStore
from openabc.messages import Decision, MatchResponse
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.payload import parse_payload


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _tables(path: Path, clock: Clock) -> tuple[ReplyTable, ReplyTable]:
    return (
        ReplyTable(path, "w1", lease_s=1.0, clock=clock),
        ReplyTable(path, "w2", lease_s=1.0, clock=clock),
    )


def test_a_live_claim_is_left_alone_and_its_reply_is_replayed(tmp_path: Path) -> None:
    clock = Clock()
    w1, w2 = _tables(tmp_path / "m.sqlite3", clock)
    deadline = clock.now + 5

    assert w1.claim("c1", "d", "r/reply", deadline).outcome == Outcome.CLAIMED
    clock.now += 0.5
    assert w2.claim("c1", "d", "r/reply", deadline).outcome == Outcome.BUSY
    assert w1.complete("c1", b"first") == b"first"
    replay = w2.claim("c1", "d", "r/reply", deadline + 60)
    assert (replay.outcome, replay.reply, replay.deadline) == (Outcome.ANSWERED, b"first", deadline)


def test_a_silent_claim_is_taken_over_and_the_first_stored_reply_wins(tmp_path: Path) -> None:
    clock = Clock()
    w1, w2 = _tables(tmp_path / "m.sqlite3", clock)
    w1.claim("c1", "d", "r/reply", clock.now + 5)
    clock.now += 1.0

    assert w2.claim("c1", "d", "r/reply", clock.now + 4).outcome == Outcome.CLAIMED
    assert w2.complete("c1", b"second") == b"second"
    assert w1.complete("c1", b"first, too late") == b"second"  # w1 was only slow


def test_a_different_request_under_the_same_id_is_refused(tmp_path: Path) -> None:
    clock = Clock()
    w1, w2 = _tables(tmp_path / "m.sqlite3", clock)
    w1.claim("c1", "d", "r/reply", clock.now + 5)
    w1.complete("c1", b"answer")

    assert w2.claim("c1", "other", "r/reply", clock.now + 5).outcome == Outcome.CONFLICT
    assert w2.claim("c1", "d", "thief/reply", clock.now + 5).outcome == Outcome.CONFLICT


def test_release_and_purge(tmp_path: Path) -> None:
    clock = Clock()
    w1, w2 = _tables(tmp_path / "m.sqlite3", clock)
    w1.claim("c1", "d", "r/reply", clock.now + 5)
    w2.release("c1")  # not its claim: nothing happens
    assert w2.claim("c1", "d", "r/reply", clock.now + 5).outcome == Outcome.BUSY
    w1.release("c1")
    assert w2.claim("c1", "d", "r/reply", clock.now + 5).outcome == Outcome.CLAIMED
    w2.complete("c1", b"answer")

    clock.now += 5 + KEEP_AFTER_DEADLINE_S + 1
    assert w1.claim("c2", "d", "r/reply", clock.now + 5).outcome == Outcome.CLAIMED  # purges
    assert w1.claim("c1", "d", "r/reply", clock.now + 5).outcome == Outcome.CLAIMED


@pytest.mark.mosquitto
def test_two_workers_give_a_resent_request_one_decision(
    broker_settings: BrokerSettings, seeded: Seeded
) -> None:
    region = f"r{uuid.uuid4().hex[:8]}"
    buses: list[MqttBus] = []
    stores: list[MatcherStore] = []
    try:
        for n in (1, 2):
            store = MatcherStore(seeded.settings.matcher.database)
            stores.append(store)
            bus = MqttBus(broker_settings, client_id=f"matcher-{n}-{region}")
            buses.append(bus)
            bus.connect(5)
            service = build_service(seeded.settings, store, TEMPLATE_MODEL)
            replies = ReplyTable(seeded.settings.matcher.database, f"worker-{n}")
            MatcherMqttAdapter(bus, service, region, replies=replies).start()
        kiosk = MqttBus(broker_settings, client_id=f"kiosk-{region}")
        buses.append(kiosk)
        kiosk.connect(5)
        reply_to = topics.kiosk_replies(region, "kiosk-1")
        inbox: queue.Queue[bytes] = queue.Queue()
        kiosk.subscribe(reply_to, lambda _t, p: inbox.put(p))
        t = seeded.population.by_archetype("eligible")
        request = make_request(
            t.document, t.live_image, t.portrait_image, deadline=time.time() + 5
        ).model_copy(update={"reply_to": reply_to})

        for _ in range(4):  # round robin: both workers see it twice
            kiosk.publish(topics.match_requests(region), request.to_bytes())
        replies_seen = [inbox.get(timeout=5)]
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            try:
                replies_seen.append(inbox.get(timeout=0.1))
            except queue.Empty:
                continue

        decisions = {parse_payload(raw, MatchResponse).transaction_id for raw in replies_seen}
        assert len(decisions) == 1
        assert parse_payload(replies_seen[0], MatchResponse).decision == Decision.ACCEPT
        issued = (
            stores[0]
            .conn.execute(
                "SELECT COUNT(*) FROM transactions WHERE correlation_id=?",
                (request.correlation_id,),
            )
            .fetchone()[0]
        )
        assert issued == 1
    finally:
        for bus in buses:
            bus.close()
        for store in stores:
            store.close()
