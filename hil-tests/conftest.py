"""HIL fixtures: a seeded matcher process, a broker, and lanes on a target.

``--target emulated`` (default) boots the real gate firmware in the
MicroPython unix port on a pty. ``--target /dev/ttyUSB0`` or
``--target rfc2217://host:port`` points the lane at a real gate controller;
tests that need to move the emulated beams then print SKIP and are skipped,
as mpremote's device tests do.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hil_site import Site

from openabc.composition import face_pipeline, liveness_check, seed_matcher
from openabc.config import BrokerSettings, LaneSettings, OpenAbcSettings, TrustSettings
from openabc.inference.face_pipeline import FacePipeline, LivenessCheck
from openabc.matcher.api_tokens import add_api_token
from openabc.matcher.portal import Profile
from openabc.mqtt.broker import MosquittoBroker, free_port
from openabc.runtime.processes import ServiceProcess, wait_matcher_online, write_settings
from openabc.seeding.models import load_population

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--target",
        default="emulated",
        help="gate controller: 'emulated' or a pyserial URL (/dev/ttyUSB0, rfc2217://host:port)",
    )


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> str:
    value: str = request.config.getoption("--target")
    return value


@pytest.fixture(scope="session")
def require_emulated(target: str) -> None:
    if target != "emulated":
        print("SKIP")
        pytest.skip("needs the emulated gate wiring to move the beams")


@pytest.fixture(scope="session")
def pipeline() -> FacePipeline:
    return face_pipeline(OpenAbcSettings())


@pytest.fixture(scope="session")
def liveness() -> LivenessCheck:
    return liveness_check(OpenAbcSettings())


@pytest.fixture(scope="session")
def site(
    mosquitto: MosquittoBroker, tmp_path_factory: pytest.TempPathFactory, target: str
) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("site")
    seeds = workdir / "seeds"
    shutil.copytree(REPO / "seeds" / "faces", seeds / "faces")
    gate_port = "emulated" if target == "emulated" else target
    settings = OpenAbcSettings(
        region="hil",
        broker=BrokerSettings(host=mosquitto.host, port=mosquitto.port),
        seeds_dir=seeds,
        trust=TrustSettings(csca_pem=workdir / "pki" / "csca.pem",
                            crl_pem=workdir / "pki" / "crl.pem"),
        lanes=(LaneSettings(kiosk_id="kiosk-h1", lane_id="lane-h1", gate_port=gate_port,
                            decision_timeout_s=3.0, passage_timeout_s=8.0),),
    ).model_copy(update={"matcher": OpenAbcSettings().matcher.model_copy(
        update={"database": workdir / "matcher.sqlite3", "api_port": free_port(),
                "api_tokens": workdir / "api-tokens.json"})})
    seed_matcher(settings, filler=500, seed=20260101)
    tokens = {
        profile.value: add_api_token(settings.matcher.api_tokens, caller_id=f"hil-{profile.value}",
                                     profile=profile)
        for profile in (Profile.BORDER_GUARD, Profile.KIOSK)
    }
    config = write_settings(settings, workdir / "settings.yaml")
    matcher = ServiceProcess("matcher", config, workdir / "matcher.log")
    matcher.start()
    try:
        wait_matcher_online(settings, matcher)
        yield Site(settings, load_population(seeds / "population.json"), matcher, workdir, tokens)
    finally:
        matcher.stop()
