"""Flash a verified firmware image into a gate MCU's inactive slot over its console.

Sequence (each step leaves a bootable device if the power goes at any byte):

1. read the device's board / version / slots (``boot_slots.info()``);
   refuse a wrong-board or downgrade image before touching the flash;
2. disarm any pending trial, erase the inactive slot, write every file, then
   ``manifest.sig`` and ``manifest.json`` last (the committed slot is never touched);
3. the device recomputes every file's sha256 against the manifest; any mismatch
   aborts (nothing armed, the device keeps its firmware);
4. arm a trial boot of the new slot and reset the device;
5. health check on the trial boot: the new slot must load and report the image's
   version; then commit. Otherwise reset again: the uncommitted trial rolls back.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openabc.device.image import FirmwareImage, ImageError, parse_semver
from openabc.device.rawrepl import ConsoleError, RawRepl

CHUNK = 1024
Progress = Callable[[str, int, int], None]  # phase, bytes done, bytes total


class FlashError(Exception):
    """Flashing failed; the message says what state the device is in and what to do."""


@dataclass
class DeviceInfo:
    board: str
    version: str | None
    slot: str | None
    committed: str | None
    trial: str | None
    healthy: bool
    rolled_back: str | None = None
    error: str | None = None

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> DeviceInfo:
        return cls(
            board=str(doc.get("board")),
            version=doc.get("version"),
            slot=doc.get("slot"),
            committed=doc.get("committed"),
            trial=doc.get("trial"),
            healthy=bool(doc.get("healthy")),
            rolled_back=doc.get("rolled_back"),
            error=doc.get("error"),
        )


@dataclass
class FlashResult:
    port: str
    ok: bool
    version_before: str | None = None
    version_after: str | None = None
    slot: str | None = None
    seconds: float = 0.0
    message: str = ""
    phases: dict[str, float] = field(default_factory=dict)


def read_info(repl: RawRepl) -> DeviceInfo:
    return DeviceInfo.from_json(repl.exec_json("import boot_slots\nboot_slots.info()"))


def device_info(port: str) -> DeviceInfo:
    with RawRepl(port) as repl:
        return read_info(repl)


def _reset_and_reconnect(repl: RawRepl, port: str, timeout: float) -> RawRepl:
    repl.send_no_follow("import boot_slots\nboot_slots.reset()")
    repl.close()
    time.sleep(0.3)
    return RawRepl(port, connect_timeout=timeout)


def _write_file(
    repl: RawRepl, dest: str, data: bytes, done: int, total: int, progress: Progress
) -> int:
    # base64 costs 4/3 on the wire where repr() of binary costs ~2.5x
    repl.exec(f"from binascii import a2b_base64 as d\nf=open({dest!r},'wb')\nw=f.write")
    for i in range(0, len(data), CHUNK):
        chunk = data[i : i + CHUNK]
        repl.exec(f"w(d({base64.b64encode(chunk).decode()!r}))")
        done += len(chunk)
        progress("write", done, total)
    repl.exec("f.close()\ndel f,w,d")
    return done


def check_compatible(image: FirmwareImage, info: DeviceInfo, allow_downgrade: bool) -> None:
    if image.board != info.board:
        raise ImageError(
            f"image is for board {image.board!r} but the device is a {info.board!r}; "
            f"use the {info.board} image"
        )
    if (
        info.version is not None
        and not allow_downgrade
        and parse_semver(image.version) < parse_semver(info.version)
    ):
        raise ImageError(
            f"image {image.version} is older than the device's {info.version}; refusing a "
            "downgrade (pass --allow-downgrade if that is really intended)"
        )


def flash(
    port: str,
    image: FirmwareImage,
    *,
    allow_downgrade: bool = False,
    progress: Progress | None = None,
    mangle: Callable[[str, bytes], bytes] | None = None,
    reboot_timeout: float = 15.0,
) -> FlashResult:
    """Flash ``image`` (already signature-checked) onto the device at ``port``.

    ``mangle`` corrupts file data in transit (tests of the device-side hash check).
    """
    signature = image.signature
    prog: Progress = progress or (lambda phase, done, total: None)
    total = image.total_bytes + len(image.manifest_bytes) + len(signature)
    t0 = time.monotonic()
    result = FlashResult(port=port, ok=False)
    phases = result.phases
    repl: RawRepl | None = None
    try:
        repl = RawRepl(port)
        info = read_info(repl)
        result.version_before = info.version
        check_compatible(image, info, allow_downgrade)
        target = "b" if info.committed == "a" else "a"
        slot = "slot_" + target
        prog("erase", 0, total)
        repl.exec(f"boot_slots.disarm()\nboot_slots.erase({target!r})")
        made = {""}
        done = 0
        for f in image.files:
            parent = f.path.rpartition("/")[0]
            if parent not in made:
                repl.exec(f"boot_slots.makedirs({slot + '/' + parent!r})")
                made.add(parent)
            data = mangle(f.path, f.data) if mangle else f.data
            done = _write_file(repl, f"{slot}/{f.path}", data, done, total, prog)
        done = _write_file(repl, f"{slot}/manifest.sig", signature, done, total, prog)
        done = _write_file(repl, f"{slot}/manifest.json", image.manifest_bytes, done, total, prog)
        phases["transfer"] = time.monotonic() - t0
        prog("verify", done, total)
        bad = repl.exec_json(f"import json\nprint(json.dumps(boot_slots.verify({target!r})))")
        if bad:
            raise FlashError(
                f"device found corrupted files after transfer ({', '.join(bad)}); nothing was "
                f"switched, the device keeps {info.version}. Check the cable and flash again"
            )
        repl.exec(f"boot_slots.arm({target!r})")
        phases["verify"] = time.monotonic() - t0
        prog("reboot", done, total)
        repl = _reset_and_reconnect(repl, port, reboot_timeout)
        prog("health", done, total)
        trial = read_info(repl)
        if trial.slot == target and trial.healthy and trial.version == image.version:
            committed = repl.exec("print(boot_slots.commit())").strip() == "True"
            if committed:
                phases["commit"] = time.monotonic() - t0
                result.ok = True
                result.version_after = image.version
                result.slot = target
                result.message = f"{info.version} -> {image.version} (slot {target})"
                prog("done", total, total)
                return result
        why = trial.error or f"booted slot {trial.slot} version {trial.version}"
        repl = _reset_and_reconnect(repl, port, reboot_timeout)
        after = read_info(repl)
        result.version_after = after.version
        result.slot = after.slot
        raise FlashError(
            f"{image.version} failed its health check ({why}); rolled back to "
            f"{after.version}. Keep the device on {after.version} and report the failure"
        )
    except (ImageError, FlashError) as err:
        result.message = str(err)
    except (ValueError, OSError) as err:
        result.message = (
            f"{port}: unexpected answer from the device ({err}); run `openabc device info "
            f"{port}` and flash again"
        )
    except ConsoleError as err:
        result.message = (
            f"{err}. The active firmware was not switched unless the health check "
            "passed; run `openabc device info` and flash again"
        )
    finally:
        result.seconds = time.monotonic() - t0
        if repl is not None:
            repl.close()
    return result
