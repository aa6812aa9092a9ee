"""A lane made of emulated peripherals, and the traveller who walks through it.

Only the hardware is emulated: the gate is the real MicroPython firmware on a
pty, the document reader speaks its real wire format over ``loop://``, and
the camera produces frames from the traveller's photo. Everything else (face
models, MQTT, matcher) is the production code.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt
from PIL import Image

from openabc import topics
from openabc.config import LaneSettings, OpenAbcSettings
from openabc.epassport.emulated_chip import TestIssuer, chip_bytes_for, load_test_issuer
from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
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
from openabc.lane.matcher_client import MqttMatcherClient
from openabc.lane.outcome import TravellerOutcome
from openabc.lane.service import LaneDevices, LaneService
from openabc.messages import Direction, LaneOutcome
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.rpc import RpcClient
from openabc.pad.emulated_attacks import Species
from openabc.seeding.models import SeedTraveller
from openabc.seeding.pki import issuer_dir_for

logger = logging.getLogger(__name__)

WALK_START_TIMEOUT_S = 10.0


class EmulatedTraveller:
    """Puts a seed traveller's passport on the reader and face in front of the camera,
    and walks through an emulated gate if (and only if) the exit opens.

    With a real gate (``gate`` is None) a real person has to walk through.
    """

    def __init__(
        self, reader: EmulatedDocumentReader, camera: EmulatedCamera,
        scanner: EmulatedFingerprintScanner, gate: EmulatedGate | None, *,
        faces_dir: Path, issuer: TestIssuer, pipeline: FacePipeline,
    ) -> None:
        self._reader = reader
        self._camera = camera
        self._scanner = scanner
        self._gate = gate
        self._faces_dir = faces_dir
        self._issuer = issuer
        self._pipeline = pipeline
        self._landmarks: dict[str, npt.NDArray[np.float64]] = {}
        self._walker: threading.Thread | None = None
        self._gone = threading.Event()

    def arrive(
        self, traveller: SeedTraveller, *, species: Species = "bona_fide",
        conditions: Sequence[Condition] = (), finger_seed: int | None = None,
    ) -> None:
        """Face (or an attack on the camera), fingers, then the passport and its chip.

        ``conditions`` script the first capture attempts (e.g. ``["far"]``);
        ``finger_seed`` presents someone else's fingers.
        """
        photo = decode_image((self._faces_dir / traveller.live_image).read_bytes())
        self._camera.present(photo, self._landmarks_of(traveller.live_image, photo),
                             species=species)
        if conditions:
            self._camera.present_conditions(list(conditions))
        self._scanner.present(traveller.finger_seed if finger_seed is None else finger_seed)
        if self._gate is not None:
            self._gone.clear()
            self._walker = threading.Thread(target=self._walk_when_open, daemon=True)
            self._walker.start()
        portrait = _as_jpeg((self._faces_dir / traveller.portrait_image).read_bytes())
        chip = chip_bytes_for(traveller.mrz_text, portrait, traveller.chip, self._issuer,
                              utc_today())
        self._reader.present(traveller.mrz_text, portrait, chip)

    def _landmarks_of(self, name: str, photo: Frame) -> npt.NDArray[np.float64]:
        """Where the eyes, nose and mouth are in a seed photo (found once, then cached)."""
        if name not in self._landmarks:
            self._landmarks[name] = self._pipeline.detect_subject(photo).landmarks
        return self._landmarks[name]

    def leave(self) -> None:
        """The lane is done with this traveller: stop waiting for a door that stays shut."""
        self._gone.set()
        if self._walker is not None:
            self._walker.join(timeout=WALK_START_TIMEOUT_S + 5)
        self._camera.present_nobody()
        self._scanner.present_nobody()

    def _walk_when_open(self) -> None:
        deadline = time.monotonic() + WALK_START_TIMEOUT_S
        while self._gate is not None and time.monotonic() < deadline:
            if self._gate.wait_exit(True, 0.1):
                self._gate.walk_through()
                return
            if self._gone.is_set():
                return


def _as_jpeg(data: bytes) -> bytes:
    """Document portraits are JPEG on the wire, whatever the seed file is."""
    if data[:3] == b"\xff\xd8\xff":
        return data
    out = io.BytesIO()
    Image.fromarray(decode_image(data)).save(out, format="JPEG", quality=92)
    return out.getvalue()


class EmulatedLane:
    """One kiosk and gate: emulated devices, real firmware, models, MQTT and service.

    ``lane.gate_port`` chooses the gate: ``emulated`` boots the firmware in the
    MicroPython unix port on a pty; any pyserial URL (``/dev/ttyUSB0``,
    ``rfc2217://host:port``) drives a real gate controller instead.
    """

    def __init__(
        self, settings: OpenAbcSettings, lane: LaneSettings, pipeline: FacePipeline, *,
        liveness: LivenessCheck, rng_seed: int = 0,
    ) -> None:
        self.settings = settings
        self.lane = lane
        self._pipeline = pipeline
        self._liveness = liveness
        self._rng_seed = rng_seed
        self.guidance_given: list[str] = []
        """Guidance codes shown to travellers, in order (the kiosk UI renders them)."""
        self._stack = ExitStack()
        self.gate: EmulatedGate | None = None
        self.service: LaneService
        self.traveller: EmulatedTraveller
        self.bus: MqttBus
        self.rpc: RpcClient

    def start(self) -> EmulatedLane:
        """Boot the gate firmware, connect the kiosk to it and to the broker."""
        stack = self._stack
        port = self.lane.gate_port
        if port == "emulated":
            self.gate = stack.enter_context(EmulatedGate(self.settings.micropython))
            port = self.gate.port_url
        link = stack.enter_context(GateLink(port))
        reader = stack.enter_context(EmulatedDocumentReader())
        camera = EmulatedCamera(rng_seed=self._rng_seed)
        scanner = EmulatedFingerprintScanner(subject_seed=0, capture_seed=self._rng_seed)
        region, kiosk = self.settings.region, self.lane.kiosk_id
        self.bus = stack.enter_context(
            MqttBus(self.settings.broker, client_id=f"openabc-{kiosk}",
                    availability_topic=topics.kiosk_available(region, kiosk))
        )
        self.bus.connect()
        self.rpc = RpcClient(self.bus, topics.kiosk_replies(region, kiosk))
        matcher = MqttMatcherClient(self.rpc, region=region, kiosk_id=kiosk,
                                    lane_id=self.lane.lane_id,
                                    direction=Direction(self.lane.direction))
        steps = build_capture_steps(
            self.settings, self.lane, pipeline=self._pipeline, liveness=self._liveness,
            camera=camera, scanner=scanner, guidance=self.guidance_given.append,
        )
        devices = LaneDevices(
            reader=reader, chip=steps.chip, portrait=PipelineTemplater(self._pipeline),
            face_capture=steps.face_capture, face_verifier=steps.face_verifier,
            matcher=matcher, gate=GateLinkPort(link), fingers=steps.fingers,
        )
        self.service = LaneService(self.lane, devices)
        self.traveller = EmulatedTraveller(
            reader, camera, scanner, self.gate, faces_dir=self.settings.seeds_dir / "faces",
            issuer=load_test_issuer(issuer_dir_for(self.settings.trust)),
            pipeline=self._pipeline,
        )
        return self

    def serve(
        self, traveller: SeedTraveller, *, species: Species = "bona_fide",
        conditions: Sequence[Condition] = (), finger_seed: int | None = None,
    ) -> TravellerOutcome:
        """One traveller arrives, is processed, and leaves; the outcome is published."""
        self.traveller.arrive(traveller, species=species, conditions=conditions,
                              finger_seed=finger_seed)
        try:
            outcome = self.service.process_traveller(document_timeout=10.0)
        finally:
            self.traveller.leave()
        self._publish(outcome)
        return outcome

    def _publish(self, outcome: TravellerOutcome) -> None:
        if outcome.outcome == "no_traveller":
            return
        message = LaneOutcome(
            kiosk_id=self.lane.kiosk_id, lane_id=self.lane.lane_id, session=outcome.session,
            outcome=outcome.outcome, reasons=outcome.reasons, timings_ms=outcome.timings_ms,
            finished_at=time.time(),
        )
        try:
            self.bus.publish(topics.lane_outcomes(self.settings.region, self.lane.lane_id),
                             message.to_bytes(), qos=0)
        except Exception as err:
            logger.warning("lane %s: outcome not published: %s", self.lane.lane_id,
                           type(err).__name__)

    @property
    def emulated_gate(self) -> EmulatedGate:
        """The emulated gate (tests assert on its outputs); fails for a real gate."""
        if self.gate is None:
            raise RuntimeError(f"lane {self.lane.lane_id} drives a real gate")
        return self.gate

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> EmulatedLane:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
