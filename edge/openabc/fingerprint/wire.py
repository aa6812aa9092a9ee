"""Finger templates on the wire: ``FingerprintTemplate`` messages <-> ISO records.

The kiosk sends each finger as its own ISO/IEC 19794-2:2005 record (base64);
the matcher treats it as untrusted input, so decoding checks the base64, the
record and that the record's finger position is the one the message claims.
"""

from __future__ import annotations

import base64
import binascii

from openabc.fingerprint.extractor import FingerTemplate
from openabc.fingerprint.iso19794_2 import RecordError
from openabc.fingerprint.types import Finger
from openabc.messages import FingerprintTemplate

WIRE_FORMAT = "iso19794-2:2005"


def to_message(finger: Finger, quality: int, template: FingerTemplate) -> FingerprintTemplate:
    """The message for one captured finger (its record, never its image)."""
    return FingerprintTemplate(
        position=int(finger),
        quality=quality,
        format=WIRE_FORMAT,
        record_b64=base64.b64encode(template.to_bytes()).decode("ascii"),
    )


def from_message(message: FingerprintTemplate) -> FingerTemplate:
    """Decode and validate; anything inconsistent raises :class:`RecordError`."""
    if message.format != WIRE_FORMAT:
        raise RecordError(f"unsupported finger template format {message.format!r}")
    try:
        data = base64.b64decode(message.record_b64, validate=True)
    except (binascii.Error, ValueError) as err:
        raise RecordError("finger record is not valid base64") from err
    try:
        template = FingerTemplate.from_bytes(data)
    except RecordError:
        raise
    except ValueError as err:  # "exactly one finger view"
        raise RecordError(str(err)) from err
    if int(template.view.finger) != message.position:
        raise RecordError("finger record position differs from the message position")
    return template
