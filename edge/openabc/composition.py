"""Composition root: the only place that loads models and builds services.

Subcommands of ``openabc`` call these functions with the parsed settings;
nothing below this layer reads files, the environment or the clock on its own.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from openabc.config import OpenAbcSettings
from openabc.hal.images import decode_image
from openabc.inference.face_pipeline import FacePipeline, LivenessCheck, build_face_pipeline
from openabc.lane.face_templater import PipelineTemplater
from openabc.messages import FaceTemplate
from openabc.seeding.models import SeedSummary

logger = logging.getLogger(__name__)

EMBEDDER_MANIFEST = Path("face-embed-dlib-resnet") / "1.0.0" / "manifest.yaml"


def face_pipeline(settings: OpenAbcSettings) -> FacePipeline:
    """Load and sha256-verify the four face models."""
    return build_face_pipeline(settings.models.models_dir, threads=settings.models.threads)


def liveness_check(settings: OpenAbcSettings) -> LivenessCheck:
    """The presentation-attack detector every lane's face capture consults (sha256-verified)."""
    from openabc.pad.detector import build_pad_detector

    return build_pad_detector(settings.models.models_dir, threads=settings.models.threads)


def image_templater(pipeline: FacePipeline) -> Callable[[Path], FaceTemplate]:
    """Template of the one face in an image file (used to enrol seed faces)."""
    templater = PipelineTemplater(pipeline)

    def template_for_image(path: Path) -> FaceTemplate:
        template, _ = templater.template(decode_image(path.read_bytes()))
        return template

    return template_for_image


def template_model(settings: OpenAbcSettings) -> tuple[str, str, float]:
    """(model id, version, verify distance) the matcher enforces, from the manifest."""
    from openabc.matcher.app import template_model_from_manifest

    return template_model_from_manifest(settings.models.models_dir / EMBEDDER_MANIFEST)


def seed_matcher(settings: OpenAbcSettings, *, filler: int, seed: int) -> SeedSummary:
    """Recreate the matcher store and population file from the seed generator."""
    from openabc.seeding.cli import run_seed

    settings.matcher.database.parent.mkdir(parents=True, exist_ok=True)
    return run_seed(
        settings,
        template_for_image=image_templater(face_pipeline(settings)),
        filler=filler,
        seed=seed,
    )


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT/SIGTERM so services shut down cleanly."""
    stop = threading.Event()

    def handle(signum: int, _frame: object) -> None:
        logger.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    return stop


def serve_matcher(settings: OpenAbcSettings, stop: threading.Event | None = None) -> None:
    """Run one matcher worker until stopped."""
    from openabc.matcher.app import run_matcher

    run_matcher(settings, stop or stop_on_signals(), template_model=template_model(settings))


def serve_emulated_lane(
    settings: OpenAbcSettings, *, lane_id: str, archetypes: list[str] | None
) -> int:
    """Run one emulated lane against the configured broker and matcher.

    Presents the named seed archetypes (default: all of them) once each and
    prints the outcome; exit status 0 when every outcome was as expected.
    """
    from openabc.demo import Served, print_served
    from openabc.lane.emulated import EmulatedLane
    from openabc.seeding.models import load_population

    lanes = {lane.lane_id: lane for lane in settings.lanes}
    if lane_id not in lanes:
        raise SystemExit(f"unknown lane {lane_id!r}; configured: {', '.join(lanes)}")
    population = load_population(settings.seeds_dir / "population.json")
    chosen = [population.by_archetype(name) for name in archetypes] if archetypes else list(
        population.travellers
    )
    served: list[Served] = []
    with EmulatedLane(settings, lanes[lane_id], face_pipeline(settings),
                      liveness=liveness_check(settings)) as lane:
        for traveller in chosen:
            served.append(Served(lane_id, traveller, lane.serve(traveller)))
            print_served(served[-1])
    return 0 if all(s.as_expected for s in served) else 1
