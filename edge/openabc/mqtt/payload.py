"""Turning received bytes into a typed message, or a clear refusal."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from openabc.messages import MAX_PAYLOAD_BYTES, SCHEMA_VERSION
from openabc.mqtt.errors import PayloadError

M = TypeVar("M", bound=BaseModel)


def parse_payload(payload: bytes, model: type[M]) -> M:
    """Validate ``payload`` as ``model``; raise ``PayloadError`` otherwise.

    The error names the model, the field locations and the error types, never
    the offending values: payloads may hold personal data and errors get logged.
    """
    name = model.__name__
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"{name}: payload of {len(payload)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PayloadError(f"{name}: payload is not UTF-8 JSON") from err
    if not isinstance(data, dict):
        raise PayloadError(f"{name}: payload is not a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        shown = version if isinstance(version, int) else type(version).__name__
        raise PayloadError(f"{name}: unsupported schema_version {shown}, expected {SCHEMA_VERSION}")
    try:
        return model.model_validate_json(payload)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or '<root>'}: {e['type']}"
            for e in err.errors(include_input=False, include_url=False)
        )
        raise PayloadError(f"{name}: {err.error_count()} invalid field(s): {problems}") from err
