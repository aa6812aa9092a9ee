"""The MQTT contracts: versioned, frozen, strict, and topics that cannot be injected."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from openabc import topics
from openabc.messages import (
    TEMPLATE_DIMENSIONS,
    CrossingAck,
    Decision,
    FaceTemplate,
    MatchRequest,
    MatchResponse,
    Reason,
    TravelDocument,
)
from openabc.mqtt.errors import PayloadError
from openabc.mqtt.payload import parse_payload

DOCUMENT = TravelDocument(
    document_type="P",
    issuing_state="UTO",
    document_number="L898902C3",
    nationality="UTO",
    birth_date=dt.date(1974, 8, 12),
    expiry_date=dt.date(2032, 4, 15),
    sex="F",
    surname="ERIKSSON",
    given_names="ANNA MARIA",
)


def template(value: float = 0.01) -> FaceTemplate:
    return FaceTemplate(
        model_id="face-embed-dlib-resnet",
        model_version="1.0.0",
        vector=tuple([value] * TEMPLATE_DIMENSIONS),
    )


def request() -> MatchRequest:
    return MatchRequest(
        correlation_id="c0ffee00c0ffee00",
        reply_to=topics.kiosk_replies("eu", "kiosk-1"),
        deadline=1_800_000_005.0,
        sent_at=1_800_000_000.0,
        kiosk_id="kiosk-1",
        lane_id="lane-1",
        document=DOCUMENT,
        live_face=template(),
        portrait_face=template(0.02),
    )


def test_request_round_trips_through_bytes() -> None:
    original = request()
    assert parse_payload(original.to_bytes(), MatchRequest) == original
    assert original.schema_version == 1


def test_messages_are_frozen() -> None:
    with pytest.raises(ValidationError):
        request().kiosk_id = "kiosk-2"  # type: ignore[misc]


def test_unknown_fields_and_other_schema_versions_are_refused() -> None:
    data = request().model_dump(mode="json")
    with pytest.raises(ValidationError):
        MatchRequest.model_validate({**data, "raw_image": "AAAA"})
    with pytest.raises(ValidationError):
        MatchRequest.model_validate({**data, "schema_version": 2})
    with pytest.raises(PayloadError):
        parse_payload(MatchRequest.model_validate(data).to_bytes().replace(b'"schema_version":1',
                                                                          b'"schema_version":9'),
                      MatchRequest)


@pytest.mark.parametrize("size", [0, 127, 129, 512])
def test_template_must_have_the_model_dimensions(size: int) -> None:
    with pytest.raises(ValidationError, match="128 values"):
        FaceTemplate(model_id="m", model_version="1", vector=tuple([0.0] * size))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e6])
def test_template_values_must_be_finite_and_in_range(bad: float) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        FaceTemplate(model_id="m", model_version="1", vector=(bad,) + (0.0,) * 127)


def test_response_carries_decision_and_machine_readable_reasons() -> None:
    response = MatchResponse(
        correlation_id="c0ffee00c0ffee00",
        kiosk_id="kiosk-1",
        transaction_id="00112233445566778899aabbccddeeff",
        decision=Decision.REFER,
        reasons=(Reason.SIS_HIT, Reason.FACE_MISMATCH),
        decided_at=1_800_000_001.0,
    )
    wire = response.to_bytes()
    assert b'"reasons":["sis_hit","face_mismatch"]' in wire
    assert parse_payload(wire, MatchResponse).decision is Decision.REFER


def test_a_payload_of_another_kind_is_refused() -> None:
    ack = CrossingAck(correlation_id="c0ffee00c0ffee00", transaction_id="t" * 32, recorded=True)
    with pytest.raises(PayloadError):
        parse_payload(ack.to_bytes(), MatchResponse)


def test_topics_are_built_from_validated_segments() -> None:
    assert topics.match_requests("eu") == "openabc/eu/matcher/request"
    shared = topics.shared(topics.match_requests("eu"))
    assert shared == "$share/matchers/openabc/eu/matcher/request"
    assert topics.kiosk_replies("eu", "kiosk-1") == "openabc/eu/kiosk/kiosk-1/reply"


@pytest.mark.parametrize("evil", ["+", "#", "a/b", "", "x" * 65, "kiosk 1"])
def test_wildcards_and_levels_cannot_be_injected_into_topics(evil: str) -> None:
    with pytest.raises(ValueError, match="invalid topic segment"):
        topics.kiosk_replies("eu", evil)
