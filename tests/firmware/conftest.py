"""Shared fixtures for the firmware / lanelink tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MPY_TESTS = Path(__file__).resolve().parent / "mpy"
FW_LIB = REPO / "firmware" / "lib"

# the shared checks (and the pure gate package) are importable from CPython too
for p in (str(MPY_TESTS), str(FW_LIB)):
    if p not in sys.path:
        sys.path.insert(0, p)


def micropython_path() -> Path:
    return Path(os.environ.get("OPENABC_MICROPYTHON") or REPO / ".venv-mpy" / "bin" / "micropython")


@pytest.fixture(scope="session")
def micropython_bin() -> Path:
    p = micropython_path()
    if not p.exists():
        pytest.skip(f"MicroPython unix port missing at {p} (make .venv-mpy/.ok)")
    return p


def run_mpy(binary: Path, *modules: str, lib: Path = FW_LIB,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run tests/firmware/mpy/run.py MODULES on MicroPython with ``lib`` (sources or .mpy)."""
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join([str(MPY_TESTS), str(lib), ".frozen"])
    return subprocess.run(
        [str(binary), str(MPY_TESTS / "run.py"), *modules],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
