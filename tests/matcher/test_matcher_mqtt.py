"""The matcher's MQTT adapter against a real Mosquitto (shared subscription on v5)."""

from __future__ import annotations

import json
import queue
import time
import uuid
from collections.abc import Iterator

import pytest
from matcher_fixtures import Seeded, make_crossing, make_request

from openabc import topics
from openabc.config import BrokerSettings
from openabc.matcher.mqtt_adapter import MatcherMqttAdapter
from openabc.messages import CrossingAck, Decision, ErrorReply, MatchResponse, Reason
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.rpc import parse_payload

pytestmark = pytest.mark.mosquitto


class Lane:
    """A kiosk-side bus with an inbox on its reply topic."""

    def __init__(self, bus: MqttBus, region: str, kiosk: str) -> None:
        self.bus = bus
        self.reply_to = topics.kiosk_replies(region, kiosk)
        self.inbox: queue.Queue[bytes] = queue.Queue()
        bus.subscribe(self.reply_to, lambda _t, p: self.inbox.put(p))

    def next(self, timeout: float = 5.0) -> bytes:
        return self.inbox.get(timeout=timeout)

    def nothing(self, wait: float = 0.5) -> bool:
        try:
            self.inbox.get(timeout=wait)
        except queue.Empty:
            return True
        return False


@pytest.fixture()
def wired(broker_settings: BrokerSettings, seeded: Seeded) -> Iterator[tuple[str, Lane, MqttBus]]:
    region = f"r{uuid.uuid4().hex[:8]}"
    matcher_bus = MqttBus(broker_settings, client_id=f"matcher-{region}")
    lane_bus = MqttBus(broker_settings, client_id=f"kiosk-{region}")
    matcher_bus.connect(5)
    lane_bus.connect(5)
    try:
        MatcherMqttAdapter(matcher_bus, seeded.service, region).start()
        yield region, Lane(lane_bus, region, "kiosk-1"), matcher_bus
    finally:
        lane_bus.close()
        matcher_bus.close()


def _request(seeded: Seeded, lane: Lane, archetype: str, *, deadline: float | None = None):
    t = seeded.population.by_archetype(archetype)
    request = make_request(
        t.document,
        t.live_image,
        t.portrait_image,
        deadline=time.time() + 5 if deadline is None else deadline,
    )
    return request.model_copy(update={"reply_to": lane.reply_to})


def test_match_and_crossing_round_trip(wired: tuple[str, Lane, MqttBus], seeded: Seeded) -> None:
    region, lane, matcher_bus = wired
    assert matcher_bus.is_v5  # so the adapter used $share/matchers/...
    request = _request(seeded, lane, "eligible")
    lane.bus.publish(topics.match_requests(region), request.to_bytes())
    response = parse_payload(lane.next(), MatchResponse)
    assert response.correlation_id == request.correlation_id
    assert response.decision == Decision.ACCEPT

    report = make_crossing(response.transaction_id, deadline=time.time() + 5)
    report = report.model_copy(update={"reply_to": lane.reply_to})
    for expected_duplicate in (False, True):
        lane.bus.publish(topics.crossing_reports(region), report.to_bytes())
        ack = parse_payload(lane.next(), CrossingAck)
        assert (ack.recorded, ack.duplicate) == (True, expected_duplicate)


def test_refer_reasons_travel(wired: tuple[str, Lane, MqttBus], seeded: Seeded) -> None:
    region, lane, _ = wired
    lane.bus.publish(topics.match_requests(region), _request(seeded, lane, "sis_hit").to_bytes())
    response = parse_payload(lane.next(), MatchResponse)
    assert (response.decision, response.reasons) == (Decision.REFER, (Reason.SIS_HIT,))


def test_malformed_with_envelope_gets_invalid_request(
    wired: tuple[str, Lane, MqttBus], seeded: Seeded
) -> None:
    region, lane, _ = wired
    body = json.loads(_request(seeded, lane, "eligible").to_bytes())
    body["live_face"]["vector"] = body["live_face"]["vector"][:5]
    lane.bus.publish(topics.match_requests(region), json.dumps(body).encode())
    error = parse_payload(lane.next(), ErrorReply)
    assert error.correlation_id == body["correlation_id"]
    assert error.reason == Reason.INVALID_REQUEST
    assert body["document"]["document_number"] not in error.detail


def test_garbage_is_dropped_and_the_worker_survives(
    wired: tuple[str, Lane, MqttBus], seeded: Seeded
) -> None:
    region, lane, _ = wired
    for junk in (b"\xff\xfe", b"[]", b'{"schema_version": 1}', b"null"):
        lane.bus.publish(topics.match_requests(region), junk)
        lane.bus.publish(topics.crossing_reports(region), junk)
    assert lane.nothing()
    lane.bus.publish(topics.match_requests(region), _request(seeded, lane, "eligible").to_bytes())
    assert parse_payload(lane.next(), MatchResponse).decision == Decision.ACCEPT


def test_expired_and_foreign_reply_requests_get_no_answer(
    wired: tuple[str, Lane, MqttBus], seeded: Seeded
) -> None:
    region, lane, _ = wired
    late = _request(seeded, lane, "eligible", deadline=time.time() - 1)
    lane.bus.publish(topics.match_requests(region), late.to_bytes())
    foreign = _request(seeded, lane, "eligible").model_copy(
        update={"reply_to": topics.match_requests(region)}
    )
    lane.bus.publish(topics.match_requests(region), foreign.to_bytes())
    assert lane.nothing(1.0)
