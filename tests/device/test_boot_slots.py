"""firmware/boot_slots.py on the MicroPython unix port: trial boot, commit, rollback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MPY = Path(os.environ.get("OPENABC_MICROPYTHON") or REPO / ".venv-mpy" / "bin" / "micropython")
SRC = REPO / "firmware" / "boot_slots.py"

pytestmark = pytest.mark.micropython


def _run(flash: Path, code: str) -> str:
    if not MPY.exists():
        pytest.skip("MicroPython unix port missing")
    r = subprocess.run([str(MPY), "-c", "import boot_slots as b\nb.boot()\n" + code],
                       cwd=flash, capture_output=True, text=True, timeout=30,
                       env={**os.environ, "MICROPYPATH": "."})
    assert r.returncode == 0, r.stderr + r.stdout
    return r.stdout.strip()


def _slot(flash: Path, slot: str, version: str, files: dict[str, bytes]) -> None:
    import hashlib

    d = flash / f"slot_{slot}"
    d.mkdir(parents=True)
    for p, data in files.items():
        (d / p).parent.mkdir(parents=True, exist_ok=True)
        (d / p).write_bytes(data)
    man = {"version": version, "files": [
        {"path": p, "size": len(x), "sha256": hashlib.sha256(x).hexdigest()}
        for p, x in files.items()]}
    (d / "manifest.json").write_text(json.dumps(man))


@pytest.fixture()
def flash(tmp_path: Path) -> Path:
    shutil.copy(SRC, tmp_path / "boot_slots.py")
    _slot(tmp_path, "a", "1.0.0", {"lib/ok.py": b"X = 1\n"})
    (tmp_path / "slots.json").write_text(json.dumps({"committed": "a", "trial": None}))
    return tmp_path


def _state(flash: Path) -> dict[str, object]:
    st: dict[str, object] = json.loads((flash / "slots.json").read_text())
    return st


def test_boots_committed_slot(flash: Path) -> None:
    assert _run(flash, "print(b.booted, b.health())") == "a (True, '1.0.0', None)"


def test_trial_commit(flash: Path) -> None:
    _slot(flash, "b", "2.0.0", {"lib/ok.py": b"X = 2\n"})
    assert _run(flash, "print(b.verify('b')); b.arm('b')") == "[]"
    assert _state(flash)["trial"] == "b"
    assert _run(flash, "print(b.booted, b.commit())") == "b True"
    assert _state(flash) == {"committed": "b", "trial": None, "tries": 0}
    assert _run(flash, "print(b.booted)") == "b"


def test_uncommitted_trial_rolls_back(flash: Path) -> None:
    _slot(flash, "b", "2.0.0", {"lib/ok.py": b"X = 2\n"})
    _run(flash, "b.arm('b')")
    assert _run(flash, "print(b.booted)") == "b"  # trial boot, not committed
    assert _run(flash, "print(b.booted, b.rolled_back)") == "a b"
    assert _state(flash)["trial"] is None and _state(flash)["committed"] == "a"


def test_verify_and_arm_refuse_corruption(flash: Path) -> None:
    _slot(flash, "b", "2.0.0", {"lib/ok.py": b"X = 2\n", "main.py": b"pass\n"})
    (flash / "slot_b" / "main.py").write_bytes(b"evil\n")
    out = _run(flash, "print(b.verify('b'))\ntry:\n b.arm('b')\nexcept ValueError as e:\n print(e)")
    assert out.splitlines() == ["['main.py']", "slot b fails verification: main.py"]
    assert _state(flash)["trial"] is None


def test_broken_slot_fails_health(flash: Path) -> None:
    _slot(flash, "b", "2.0.0", {"lib/broken.mpy": b"not bytecode"})
    (flash / "slots.json").write_text(json.dumps({"committed": "a", "trial": "b", "tries": 0}))
    out = _run(flash, "ok, v, err = b.health(); print(b.booted, ok, v)")
    assert out == "b False 2.0.0"


def test_missing_state_and_erase(flash: Path) -> None:
    (flash / "slots.json").unlink()
    assert _run(flash, "print(b.booted); b.erase('a'); b.makedirs('slot_a/lib/x')") == "None"
    assert sorted(p.name for p in (flash / "slot_a").rglob("*")) == ["lib", "x"]
