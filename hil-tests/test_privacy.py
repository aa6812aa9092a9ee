"""No biometric data reaches the logs, the disk or the wire as raw images (issue #3).

Travellers go through the real lane (accepted, refused on the chip, refused as
a presentation attack, refused on fingers) while the test records every log
record at DEBUG, every MQTT message in the region and every file written in
the places a kiosk or matcher process writes. None of them may contain an
image, a fingerprint record, a face template or the traveller's identity;
MQTT may carry templates (that is the design) but never an image.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hil_site import REPO, Site

from openabc.epassport.chip_profile import ChipProfile
from openabc.hal.images import decode_image
from openabc.inference.face_pipeline import FacePipeline, LivenessCheck
from openabc.lane.emulated import EmulatedLane
from openabc.mqtt.bus import MqttBus
from openabc.seeding.models import SeedTraveller

pytestmark = [pytest.mark.hil, pytest.mark.micropython, pytest.mark.mosquitto]

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"\x00\x00\x00\x0cjP  ", b"BM6")
FINGER_RECORD_MAGIC = b"FMR\x00"
BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{120,}={0,2}")
FLOAT_RUN = re.compile(rb"(-?\d+\.\d{3,}[,\s]+){16,}")
MATCHER_STORE_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")


class Wire:
    """Every message published in the region while the test runs."""

    def __init__(self, site: Site) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._bus = MqttBus(site.settings.broker, client_id="privacy-sniffer")
        self._bus.connect()
        self._bus.subscribe(f"openabc/{site.settings.region}/#", self._record, qos=0)

    def _record(self, topic: str, payload: bytes) -> None:
        with self._lock:
            self.messages.append((topic, payload))

    def close(self) -> None:
        self._bus.close()


def snapshot(roots: list[tuple[Path, bool]]) -> dict[Path, tuple[int, int]]:
    """(mtime, size) of every file under each (root, recursive?) pair."""
    files: dict[Path, tuple[int, int]] = {}
    for root, recursive in roots:
        if not root.exists():
            continue
        for path in root.rglob("*") if recursive else root.glob("*"):
            try:
                if path.is_file():
                    stat = path.stat()
                    files[path] = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                continue  # vanished while walking (another test's temp file)
    return files


def identity_markers(traveller: SeedTraveller) -> list[bytes]:
    document = traveller.document
    names = [*document.surname.split(), *document.given_names.split()]
    lines = traveller.mrz_text.split("\n")
    return [m.encode() for m in (document.document_number, *names, *lines) if len(m) >= 3]


def template_markers(pipeline: FacePipeline, site: Site, traveller: SeedTraveller) -> list[bytes]:
    """The traveller's portrait template as a log line or a repr would print it."""
    faces = site.settings.seeds_dir / "faces"
    photo = decode_image((faces / traveller.portrait_image).read_bytes())
    vector = pipeline.extract(photo).template
    return [f"{float(v):.6f}".encode() for v in vector[:8] if abs(v) > 1e-3] + [
        np.asarray(vector, dtype=np.float32).tobytes()[:32]
    ]


@pytest.fixture
def lane(
    site: Site, pipeline: FacePipeline, liveness: LivenessCheck, require_emulated: None
) -> Iterator[EmulatedLane]:
    settings = site.settings.lanes[0].model_copy(update={"kiosk_id": "kiosk-hp"})
    with EmulatedLane(site.settings, settings, pipeline, liveness=liveness) as running:
        yield running


def test_no_biometric_or_identity_data_in_logs_files_or_images_on_the_wire(
    site: Site, lane: EmulatedLane, pipeline: FacePipeline, caplog: pytest.LogCaptureFixture
) -> None:
    traveller = site.population.by_archetype("eligible")
    roots = [
        (site.workdir, True),
        (REPO / "var", True),
        (Path(tempfile.gettempdir()), False),
        (Path.cwd(), False),
    ]
    before = snapshot(roots)
    wire = Wire(site)
    caplog.set_level(logging.DEBUG)
    try:
        outcomes = [
            lane.serve(traveller),
            lane.serve(traveller.model_copy(update={"chip": ChipProfile(tamper="dg2")})),
            lane.serve(traveller, species="print"),
            lane.serve(traveller, finger_seed=traveller.finger_seed + 104729),
        ]
    finally:
        wire.close()
    assert [o.outcome for o in outcomes] == ["passed", "referred", "referred", "referred"]

    forbidden = identity_markers(traveller) + template_markers(pipeline, site, traveller)
    logs = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    ).encode()
    assert len(caplog.records) > 10, "the lane logged nothing: the test would prove nothing"
    logs += (site.workdir / "matcher.log").read_bytes()
    for marker in forbidden:
        assert marker not in logs, f"log leaks {marker!r}"
    for magic in (*IMAGE_MAGIC, FINGER_RECORD_MAGIC):
        assert magic not in logs
    assert not BASE64_RUN.search(logs), "log holds a long base64 run (an encoded record?)"
    assert not FLOAT_RUN.search(logs), "log holds a run of floats (a template?)"

    after = snapshot(roots)
    written = [p for p, sig in after.items() if before.get(p) != sig]
    kiosk_written = [p for p in written if not p.name.endswith(MATCHER_STORE_SUFFIXES)]
    for path in kiosk_written:
        data = path.read_bytes()
        for magic in (*IMAGE_MAGIC, FINGER_RECORD_MAGIC):
            assert magic not in data, f"{path} holds an image or finger record"
        for marker in forbidden:
            assert marker not in data, f"{path} holds {marker!r}"

    assert wire.messages, "nothing seen on the wire: the sniffer did not work"
    for topic, payload in wire.messages:
        for magic in IMAGE_MAGIC:
            assert magic not in payload, f"raw image on {topic}"
        assert b"portrait_jpeg" not in payload and b"pixels" not in payload
