"""`openabc demo` end to end, as `make demo` runs it, on both broker kinds."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from openabc.config import OpenAbcSettings
from openabc.messages import Decision
from openabc.runtime.processes import write_settings
from openabc.seeding.models import load_population

REPO = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.hil, pytest.mark.micropython, pytest.mark.slow]


@pytest.mark.parametrize("broker", ["amqtt", "mosquitto"])
def test_demo_serves_the_mixed_population_as_expected(
    tmp_path: Path, broker: str, require_emulated: None
) -> None:
    if broker == "mosquitto" and shutil.which("mosquitto") is None and not Path(
        "/usr/sbin/mosquitto"
    ).exists():
        pytest.skip("mosquitto not installed")
    shutil.copytree(REPO / "seeds" / "faces", tmp_path / "seeds" / "faces")
    defaults = OpenAbcSettings()
    settings = defaults.model_copy(update={
        "seeds_dir": tmp_path / "seeds",
        "matcher": defaults.matcher.model_copy(update={"database": tmp_path / "matcher.sqlite3"}),
    })
    config = write_settings(settings, tmp_path / "settings.yaml")
    done = subprocess.run(
        [sys.executable, "-m", "openabc.cli", "--config", str(config), "demo",
         "--rounds", "1", "--broker", broker],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    population = load_population(REPO / "seeds" / "population.json").travellers
    accepted = sum(1 for t in population if t.expected_decision is Decision.ACCEPT)
    total = len(population)
    summary = f"travellers {total}: {accepted} passed, {total - accepted} referred; "
    assert summary + f"{total}/{total} as expected" in done.stdout
    assert re.search(r"document → decision\s+p50\s+[\d.]+ ms\s+p95\s+[\d.]+ ms", done.stdout)
    committed = (REPO / "seeds" / "population.json").read_bytes()
    assert (tmp_path / "seeds" / "population.json").read_bytes() == committed
