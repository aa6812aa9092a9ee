"""Fixtures of the lane tests: real face models, real matcher, real gate firmware.

Nothing here fabricates a decision. The matcher is the production
``MatcherService`` over a store seeded with the production face pipeline,
called in-process through ``InProcessMatcher`` (the lane's ``MatcherPort``
without MQTT). The gate is the real firmware on the MicroPython unix port.
The only wrappers are recorders (which keep references to what passed
through) and thin fault injectors around those real parts.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.composition import face_pipeline, image_templater, liveness_check, template_model
from openabc.config import LaneSettings, MatcherSettings, OpenAbcSettings, TrustSettings
from openabc.epassport.chip_profile import ChipProfile
from openabc.epassport.emulated_chip import TestIssuer, chip_bytes_for, load_test_issuer
from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.types import Finger, FingerImage, Hand, SlapImage
from openabc.hal.base import Frame
from openabc.hal.emulated_camera import Condition, EmulatedCamera
from openabc.hal.emulated_doc_reader import EmulatedDocumentReader
from openabc.hal.emulated_gate import EmulatedGate
from openabc.hal.gate_link import GateLink
from openabc.hal.images import decode_image
from openabc.inference.face_pipeline import FacePipeline, LivenessCheck
from openabc.lane.assembly import build_capture_steps, utc_today
from openabc.lane.face_templater import PipelineTemplater
from openabc.lane.gate_port import GateLinkPort
from openabc.lane.ports import MatcherPort
from openabc.lane.requests import KioskAddress, crossing_report, match_request
from openabc.lane.service import LaneDevices, LaneService
from openabc.lane.steps import LaneStep
from openabc.matcher.app import build_service
from openabc.matcher.service import MatcherService
from openabc.matcher.store import MatcherStore
from openabc.messages import (
    CrossingAck,
    CrossingReport,
    FaceTemplate,
    FingerprintTemplate,
    MatchRequest,
    MatchResponse,
    TravelDocument,
)
from openabc.pad.emulated_attacks import Species
from openabc.seeding.cli import run_seed
from openabc.seeding.models import Population, SeedTraveller, load_population
from openabc.seeding.pki import issuer_dir_for

REPO = Path(__file__).resolve().parents[2]
KIOSK_ID = "kiosk-t1"
LANE_ID = "lane-t1"
WALK_START_TIMEOUT_S = 10.0


# --- the seeded site (once per session) -----------------------------------------------


@dataclass(frozen=True)
class SeededSite:
    settings: OpenAbcSettings
    population: Population
    template_model: tuple[str, str, float]
    faces_dir: Path
    issuer: TestIssuer

    @property
    def database(self) -> Path:
        return self.settings.matcher.database

    def face_bytes(self, name: str) -> bytes:
        return (self.faces_dir / name).read_bytes()


@pytest.fixture(scope="session")
def pipeline() -> FacePipeline:
    return face_pipeline(OpenAbcSettings())


@pytest.fixture(scope="session")
def liveness() -> LivenessCheck:
    return liveness_check(OpenAbcSettings())


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, pipeline: FacePipeline) -> SeededSite:
    """Seed a matcher database once, with the real face pipeline, in a tmp dir."""
    workdir = tmp_path_factory.mktemp("lane-site")
    seeds = workdir / "seeds"
    shutil.copytree(REPO / "seeds" / "faces", seeds / "faces")
    settings = OpenAbcSettings(
        seeds_dir=seeds,
        matcher=MatcherSettings(database=workdir / "matcher.sqlite3"),
        trust=TrustSettings(
            csca_pem=workdir / "pki" / "csca.pem", crl_pem=workdir / "pki" / "crl.pem"
        ),
    )
    run_seed(settings, template_for_image=image_templater(pipeline), filler=50, seed=20260101)
    return SeededSite(
        settings=settings,
        population=load_population(seeds / "population.json"),
        template_model=template_model(settings),
        faces_dir=seeds / "faces",
        issuer=load_test_issuer(issuer_dir_for(settings.trust)),
    )


# --- the matcher as the lane sees it ------------------------------------------------


class InProcessMatcher:
    """``MatcherPort`` calling the real ``MatcherService`` directly (no MQTT).

    Builds the same ``MatchRequest``/``CrossingReport`` as ``MqttMatcherClient``
    and counts what reached the matcher.
    """

    def __init__(self, service: MatcherService, *, kiosk_id: str, lane_id: str) -> None:
        self._service = service
        self._address = KioskAddress(kiosk_id, lane_id, f"openabc/test/kiosk/{kiosk_id}/reply")
        self.requests: list[MatchRequest] = []
        self.responses: list[MatchResponse] = []
        self.reports: list[CrossingReport] = []
        self.acks: list[CrossingAck] = []

    @property
    def checks(self) -> int:
        return len(self.requests)

    def check(
        self,
        *,
        document: TravelDocument,
        live_face: FaceTemplate,
        portrait_face: FaceTemplate,
        fingers: tuple[FingerprintTemplate, ...] = (),
        timeout: float,
    ) -> MatchResponse:
        now = time.time()
        request = match_request(
            self._address, correlation_id=uuid.uuid4().hex, deadline=now + timeout,
            sent_at=now, document=document, live_face=live_face, portrait_face=portrait_face,
            fingers=fingers,
        )
        self.requests.append(request)
        response = self._service.handle_match(request, dt.datetime.fromtimestamp(now, dt.UTC))
        self.responses.append(response)
        return response

    def report_crossing(
        self, *, transaction_id: str, crossed: bool, crossed_at: float, timeout: float
    ) -> CrossingAck:
        now = time.time()
        report = crossing_report(
            self._address, correlation_id=uuid.uuid4().hex, deadline=now + timeout,
            sent_at=now, transaction_id=transaction_id, crossed=crossed, crossed_at=crossed_at,
        )
        self.reports.append(report)
        ack = self._service.handle_crossing(report)
        self.acks.append(ack)
        return ack


@dataclass
class Matcher:
    """A private copy of the seeded store with its real service."""

    store: MatcherStore
    port: InProcessMatcher

    def ees_entries(self, transaction_id: str) -> int:
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM ees_movements WHERE transaction_id = ?"
                " AND direction = 'entry'",
                (transaction_id,),
            ).fetchone()
        return int(row[0])

    def transaction_closure(self, transaction_id: str) -> tuple[bool, int | None]:
        """(closed?, crossed flag) of one transaction row."""
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT closed_at, crossed FROM transactions WHERE transaction_id = ?",
                (transaction_id,),
            ).fetchone()
        assert row is not None, "transaction unknown to the matcher"
        return row[0] is not None, row[1]


@pytest.fixture
def matcher(site: SeededSite, tmp_path: Path) -> Iterator[Matcher]:
    """Each test gets its own copy of the seeded database, so EES stays don't leak."""
    database = tmp_path / "matcher.sqlite3"
    with (
        closing(sqlite3.connect(site.database)) as source,
        closing(sqlite3.connect(database)) as target,
    ):
        source.backup(target)
    store = MatcherStore(database)
    service = build_service(site.settings, store, site.template_model)
    try:
        yield Matcher(store, InProcessMatcher(service, kiosk_id=KIOSK_ID, lane_id=LANE_ID))
    finally:
        store.close()


# --- recorders around the real parts ------------------------------------------------


class RecordingCamera:
    """The real camera; keeps references to every frame it handed out."""

    def __init__(self, camera: EmulatedCamera) -> None:
        self._camera = camera
        self.frames: list[Frame] = []

    def capture(self, count: int, timeout: float) -> list[Frame]:
        frames = self._camera.capture(count, timeout)
        self.frames.extend(frames)
        return frames


class RecordingScanner:
    """The real fingerprint scanner emulator; keeps references to every image it handed out."""

    def __init__(self, scanner: EmulatedFingerprintScanner) -> None:
        self._scanner = scanner
        self.images: list[np.ndarray] = []

    def capture_slap(self, timeout: float, hand: Hand = Hand.RIGHT) -> SlapImage:
        slap = self._scanner.capture_slap(timeout, hand)
        self.images.append(slap.pixels)
        return slap

    def capture_flat(self, finger: Finger, timeout: float) -> FingerImage:
        flat = self._scanner.capture_flat(finger, timeout)
        self.images.append(flat.pixels)
        return flat


class RecordingTemplater:
    """The real face templater; keeps references to every image it was given."""

    def __init__(self, templater: PipelineTemplater) -> None:
        self._templater = templater
        self.images: list[np.ndarray] = []

    def template(self, image: np.ndarray) -> tuple[FaceTemplate, float]:
        self.images.append(image)
        return self._templater.template(image)


# --- the lane ------------------------------------------------------------------------


class Walker:
    """A traveller who walks through as soon as the exit opens (and only then)."""

    def __init__(self, gate: EmulatedGate) -> None:
        self._gate = gate
        self._stop = threading.Event()
        self.walked = False
        self._thread = threading.Thread(target=self._run, name="walker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + WALK_START_TIMEOUT_S
        while not self._stop.is_set() and time.monotonic() < deadline:
            if self._gate.wait_exit(True, 0.1):
                self.walked = True
                self._gate.walk_through()
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(WALK_START_TIMEOUT_S + 5)


@dataclass
class Lane:
    """One kiosk's peripherals around the real firmware; ``service()`` wires a LaneService."""

    settings: LaneSettings
    site: SeededSite
    reader: EmulatedDocumentReader
    camera: EmulatedCamera
    recording_camera: RecordingCamera
    scanner: EmulatedFingerprintScanner
    recording_scanner: RecordingScanner
    templater: RecordingTemplater
    pipeline: FacePipeline
    liveness: LivenessCheck
    gate: EmulatedGate
    gate_port: GateLinkPort
    matcher: Matcher
    walkers: list[Walker] = field(default_factory=list)

    guidance: list[str] = field(default_factory=list)
    landmarks: dict[str, np.ndarray] = field(default_factory=dict)

    def service(
        self,
        matcher_port: MatcherPort | None = None,
        on_step: Callable[[LaneStep], None] | None = None,
        **lane_overrides: object,
    ) -> LaneService:
        """The production wiring (``build_capture_steps``) around the recording devices."""
        settings = self.settings.model_copy(update=lane_overrides)
        steps = build_capture_steps(
            self.site.settings, settings, pipeline=self.pipeline, liveness=self.liveness,
            camera=self.recording_camera, scanner=self.recording_scanner,
            guidance=self.guidance.append,
        )
        devices = LaneDevices(
            reader=self.reader,
            chip=steps.chip,
            portrait=self.templater,
            face_capture=steps.face_capture,
            face_verifier=steps.face_verifier,
            matcher=matcher_port if matcher_port is not None else self.matcher.port,
            gate=self.gate_port,
            fingers=steps.fingers,
        )
        return LaneService(settings, devices, on_step=on_step)

    def arrive(
        self,
        traveller: SeedTraveller,
        *,
        walk: bool = True,
        mrz_text: str | None = None,
        portrait: bytes | None = None,
        chip: ChipProfile | None = None,
        species: Species = "bona_fide",
        conditions: tuple[Condition, ...] = (),
        finger_seed: int | None = None,
    ) -> None:
        """Face in front of the camera, fingers on the glass, passport on the reader.

        ``mrz_text``/``portrait`` replace the printed page (raw bytes on the wire);
        the chip is issued for the traveller's MRZ and the portrait unless ``chip`` says
        otherwise (``ChipProfile(present=False)``: no chip). A portrait that is not
        a JPEG cannot be personalised into a chip, so then no chip is presented.
        """
        photo = decode_image(self.site.face_bytes(traveller.live_image))
        if traveller.live_image not in self.landmarks:
            self.landmarks[traveller.live_image] = self.pipeline.detect_subject(photo).landmarks
        self.camera.present(photo, self.landmarks[traveller.live_image], species=species)
        if conditions:
            self.camera.present_conditions(list(conditions))
        self.scanner.present(traveller.finger_seed if finger_seed is None else finger_seed)
        if walk:
            self.walkers.append(Walker(self.gate))
        if portrait is None:
            portrait = as_jpeg(self.site.face_bytes(traveller.portrait_image))
        mrz = traveller.mrz_text if mrz_text is None else mrz_text
        profile = traveller.chip if chip is None else chip
        chip_bytes = b""
        if portrait[:3] == b"\xff\xd8\xff":  # the chip holds the traveller's true MRZ
            chip_bytes = chip_bytes_for(
                traveller.mrz_text, portrait, profile, self.site.issuer, utc_today()
            )
        self.reader.present(mrz, portrait, chip_bytes)

    def leave(self) -> bool:
        """Stop the walkers; True if any of them walked through."""
        walked = False
        for walker in self.walkers:
            walker.stop()
            walked = walked or walker.walked
        self.walkers.clear()
        self.camera.present_nobody()
        self.scanner.present_nobody()
        return walked


def as_jpeg(data: bytes) -> bytes:
    """Document portraits are JPEG on the wire."""
    if data[:3] == b"\xff\xd8\xff":
        return data
    out = io.BytesIO()
    Image.fromarray(decode_image(data)).save(out, format="JPEG", quality=92)
    return out.getvalue()


def lane_settings(**overrides: object) -> LaneSettings:
    values: dict[str, object] = {
        "kiosk_id": KIOSK_ID,
        "lane_id": LANE_ID,
        "decision_timeout_s": 3.0,
        "exit_open_window_ms": 4000,
        "passage_timeout_s": 6.0,
    }
    values.update(overrides)
    return LaneSettings.model_validate(values)


def make_lane(
    pipeline: FacePipeline,
    liveness: LivenessCheck,
    site: SeededSite,
    matcher: Matcher,
    settings: LaneSettings,
) -> Iterator[Lane]:
    with (
        EmulatedGate(site.settings.micropython) as gate,
        GateLink(gate.port_url) as link,
        EmulatedDocumentReader() as reader,
    ):
        camera = EmulatedCamera(rng_seed=0)
        scanner = EmulatedFingerprintScanner(subject_seed=0)
        lane = Lane(
            settings=settings,
            site=site,
            reader=reader,
            camera=camera,
            recording_camera=RecordingCamera(camera),
            scanner=scanner,
            recording_scanner=RecordingScanner(scanner),
            templater=RecordingTemplater(PipelineTemplater(pipeline)),
            pipeline=pipeline,
            liveness=liveness,
            gate=gate,
            gate_port=GateLinkPort(link),
            matcher=matcher,
        )
        try:
            yield lane
        finally:
            lane.leave()


@pytest.fixture
def lane(
    pipeline: FacePipeline, liveness: LivenessCheck, site: SeededSite, matcher: Matcher
) -> Iterator[Lane]:
    """A fresh gate (real firmware), reader, camera and scanner per test."""
    yield from make_lane(pipeline, liveness, site, matcher, lane_settings())


@pytest.fixture
def short_window_lane(
    pipeline: FacePipeline, liveness: LivenessCheck, site: SeededSite, matcher: Matcher
) -> Iterator[Lane]:
    """Exit window 1.5 s, passage timeout 3 s (the traveller who never walks)."""
    yield from make_lane(
        pipeline,
        liveness,
        site,
        matcher,
        lane_settings(exit_open_window_ms=1500, passage_timeout_s=3),
    )
