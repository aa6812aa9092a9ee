"""parse_payload refuses clearly, without echoing payload contents."""

from __future__ import annotations

import json

import pytest

from openabc.messages import MAX_PAYLOAD_BYTES, CrossingAck
from openabc.mqtt.errors import PayloadError
from openabc.mqtt.rpc import parse_payload

GOOD = {
    "schema_version": 1,
    "kind": "crossing_ack",
    "correlation_id": "c0ffee00",
    "transaction_id": "txn-00000001",
    "recorded": True,
}


def test_valid_payload_parses() -> None:
    ack = parse_payload(json.dumps(GOOD).encode(), CrossingAck)
    assert ack.transaction_id == "txn-00000001"


def test_non_json_is_refused() -> None:
    with pytest.raises(PayloadError, match="not UTF-8 JSON"):
        parse_payload(b"\xff\xfe not json", CrossingAck)


def test_json_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(PayloadError, match="not a JSON object"):
        parse_payload(b"[1, 2]", CrossingAck)


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_wrong_schema_version_is_refused(version: object) -> None:
    with pytest.raises(PayloadError, match="unsupported schema_version"):
        parse_payload(json.dumps({**GOOD, "schema_version": version}).encode(), CrossingAck)


def test_missing_schema_version_is_refused() -> None:
    data = {k: v for k, v in GOOD.items() if k != "schema_version"}
    with pytest.raises(PayloadError, match="unsupported schema_version"):
        parse_payload(json.dumps(data).encode(), CrossingAck)


def test_wrong_schema_names_fields_but_not_values() -> None:
    secret = "SECRET-DOCUMENT-NUMBER"
    bad = {**GOOD, "recorded": secret, "surprise": secret}
    with pytest.raises(PayloadError) as caught:
        parse_payload(json.dumps(bad).encode(), CrossingAck)
    message = str(caught.value)
    assert "recorded" in message and "surprise" in message
    assert secret not in message
    assert caught.value.__cause__ is not None  # the ValidationError, for debugging


def test_oversize_payload_is_refused_before_parsing() -> None:
    padding = "x" * MAX_PAYLOAD_BYTES
    with pytest.raises(PayloadError, match="exceeds"):
        parse_payload(json.dumps({**GOOD, "pad": padding}).encode(), CrossingAck)
