"""FingerprintTemplate messages: the kiosk's record decodes unchanged, nothing else does."""

import base64

import pytest

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import MinutiaeExtractor
from openabc.fingerprint.iso19794_2 import RecordError
from openabc.fingerprint.types import Finger
from openabc.fingerprint.wire import from_message, to_message


def test_round_trip_and_refusals(extractor: MinutiaeExtractor) -> None:
    image = EmulatedFingerprintScanner(9).capture_flat(Finger.RIGHT_RING, 5.0)
    template = extractor.extract(image, quality=66)
    message = to_message(Finger.RIGHT_RING, 66, template)
    assert (message.position, message.quality, message.format) == (4, 66, "iso19794-2:2005")
    assert from_message(message) == template
    record = base64.b64decode(message.record_b64)
    for bad in (
        message.model_copy(update={"record_b64": "@@@@"}),
        message.model_copy(update={"record_b64": base64.b64encode(record[:-1]).decode()}),
        message.model_copy(update={"position": 5}),
    ):
        with pytest.raises(RecordError):
            from_message(bad)
