"""`openabc device ...`: the technician's tool (keygen, build-image, flash, info)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from openabc.device.flasher import FlashResult

PUBKEY_ENV = "OPENABC_RELEASE_PUBKEY"
BAR = 24


def add_device_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dev = sub.add_parser("device", help="gate MCU maintenance: firmware images, flashing, info")
    dsub = dev.add_subparsers(dest="device_command", required=True)

    keygen = dsub.add_parser("keygen", help="create the Ed25519 release key pair")
    keygen.add_argument("--private", type=Path, required=True, help="private key file (0600)")
    keygen.add_argument("--public", type=Path, required=True, help="public key file")
    keygen.set_defaults(func=cmd_keygen)

    build = dsub.add_parser("build-image", help="sign firmware/build/*.mpy into an image")
    build.add_argument("--build-dir", type=Path, default=Path("firmware/build"))
    build.add_argument("--version", required=True, help="semantic version, e.g. 1.2.0")
    build.add_argument("--board", default="rp2-pico")
    build.add_argument("--name", default="openabc-gate")
    build.add_argument("--key", type=Path, required=True, help="release private key")
    build.add_argument("-o", "--output", type=Path, required=True)
    build.set_defaults(func=cmd_build_image)

    fl = dsub.add_parser("flash", help="flash a signed image onto one or more devices")
    fl.add_argument("--image", type=Path, required=True)
    fl.add_argument("--pubkey", type=Path, default=None, help=f"release public key (${PUBKEY_ENV})")
    fl.add_argument("--allow-downgrade", action="store_true", help="permit an older version")
    fl.add_argument("ports", nargs="+", metavar="PORT", help="serial console(s) of the gate MCU")
    fl.set_defaults(func=cmd_flash)

    info = dsub.add_parser("info", help="board, firmware version, slot and health")
    info.add_argument("port", metavar="PORT")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(func=cmd_info)

    prov = dsub.add_parser(
        "provision", help="kiosk identity + MQTT client certificate (site CA) + lane config"
    )
    prov.add_argument("--kiosk-id", required=True)
    prov.add_argument("--lane", required=True, help="lane id this kiosk serves")
    prov.add_argument("--direction", choices=["entry", "exit"], default="entry")
    prov.add_argument("--gate-port", default="emulated", help="gate MCU serial port (pyserial)")
    prov.add_argument("--region", default="eu-demo")
    prov.add_argument("--broker-host", default="127.0.0.1")
    prov.add_argument("--broker-port", type=int, default=8883)
    prov.add_argument("--ca-cert", type=Path, required=True, help="site CA certificate (PEM)")
    prov.add_argument("--ca-key", type=Path, required=True, help="site CA private key (PEM)")
    prov.add_argument("--days", type=int, default=365, help="client certificate validity")
    prov.add_argument("--out", type=Path, required=True, help="kiosk provisioning directory")
    prov.add_argument("--force", action="store_true", help="replace an existing identity")
    prov.set_defaults(func=cmd_provision)

    ca = dsub.add_parser("site-ca", help="create a site CA (labs and tests)")
    ca.add_argument("--cert", type=Path, required=True)
    ca.add_argument("--key", type=Path, required=True)
    ca.add_argument("--name", default="OpenABC site CA")
    ca.set_defaults(func=cmd_site_ca)


def _say(msg: str = "") -> None:
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


def _err(msg: str) -> int:
    sys.stderr.write(f"error: {msg}\n")
    return 2


def cmd_keygen(args: argparse.Namespace) -> int:
    from openabc.device.image import ImageError, generate_release_key

    try:
        generate_release_key(args.private, args.public)
    except ImageError as err:
        return _err(str(err))
    _say(f"release key written: {args.private} (keep it offline, mode 0600), {args.public}")
    return 0


def cmd_build_image(args: argparse.Namespace) -> int:
    from openabc.device.image import ImageError, collect_files, load_private_key, write_image

    try:
        files = collect_files(args.build_dir)
        write_image(
            args.output,
            name=args.name,
            version=args.version,
            board=args.board,
            files=files,
            key=load_private_key(args.key),
        )
    except ImageError as err:
        return _err(str(err))
    _say(f"{args.output}: {args.name} {args.version} for {args.board}, {len(files)} files")
    return 0


class _Bars:
    """One progress line per device; redrawn in place on a terminal, phase lines otherwise."""

    def __init__(self, ports: list[str], out: TextIO) -> None:
        self.ports = ports
        self.out = out
        self.tty = out.isatty()
        self.state = {p: ("wait", 0, 1) for p in ports}
        self.lock = threading.Lock()
        self.width = max(len(p) for p in ports)
        if self.tty:
            self.out.write("\n" * len(ports))
            self._draw()

    def _line(self, port: str) -> str:
        phase, done, total = self.state[port]
        frac = done / total if total else 0.0
        n = int(frac * BAR)
        return f"{port:<{self.width}} [{'#' * n}{'.' * (BAR - n)}] {frac * 100:5.1f}% {phase}"

    def _draw(self) -> None:
        self.out.write(f"\x1b[{len(self.ports)}F")
        for p in self.ports:
            self.out.write("\x1b[2K" + self._line(p) + "\n")
        self.out.flush()

    def update(self, port: str, phase: str, done: int, total: int) -> None:
        with self.lock:
            old = self.state[port][0]
            self.state[port] = (phase, done, total)
            if self.tty:
                self._draw()
            elif phase != old:
                self.out.write(self._line(port) + "\n")
                self.out.flush()


def cmd_flash(args: argparse.Namespace) -> int:
    from openabc.device.flasher import flash
    from openabc.device.image import ImageError, load_public_key, verify_image

    pub_path = args.pubkey or (Path(os.environ[PUBKEY_ENV]) if PUBKEY_ENV in os.environ else None)
    if pub_path is None:
        return _err(f"no release public key: pass --pubkey FILE or set {PUBKEY_ENV}")
    try:
        image = verify_image(args.image, load_public_key(pub_path))
    except ImageError as err:
        return _err(f"{err}\nno device was touched.")
    ports: list[str] = list(dict.fromkeys(args.ports))
    _say(f"flashing {image.name} {image.version} ({image.board}) onto {len(ports)} device(s)")
    bars = _Bars(ports, sys.stdout)
    t0 = time.monotonic()

    def one(port: str) -> FlashResult:
        return flash(
            port,
            image,
            allow_downgrade=args.allow_downgrade,
            progress=lambda phase, done, total: bars.update(port, phase, done, total),
        )

    with ThreadPoolExecutor(max_workers=len(ports)) as pool:
        results = list(pool.map(one, ports))
    wall = time.monotonic() - t0
    for r in results:
        if not r.ok:
            bars.update(r.port, "FAILED", 0, 1)
    failed = [r for r in results if not r.ok]
    _say(f"\nsummary: {len(results) - len(failed)} ok, {len(failed)} failed, {wall:.1f} s total")
    for r in results:
        mark = "ok    " if r.ok else "FAILED"
        _say(f"  {mark} {r.port}: {r.message} [{r.seconds:.1f} s]")
    return 1 if failed else 0


def cmd_info(args: argparse.Namespace) -> int:
    from openabc.device.flasher import device_info
    from openabc.device.rawrepl import ConsoleError

    try:
        info = device_info(args.port)
    except ConsoleError as err:
        return _err(str(err))
    if args.json:
        _say(json.dumps(asdict(info)))
        return 0
    _say(f"port:      {args.port}")
    _say(f"board:     {info.board}")
    _say(f"version:   {info.version or '(no firmware)'}")
    _say(f"slot:      {info.slot or '-'} (committed {info.committed or '-'}"
          f"{', trial ' + info.trial if info.trial else ''})")
    _say(f"health:    {'ok' if info.healthy else 'FAILING: ' + str(info.error)}")
    if info.rolled_back:
        _say(f"note:      an uncommitted trial of slot {info.rolled_back} was rolled back "
              "on this boot; flash again or keep the current version")
    return 0 if info.healthy else 1


def cmd_site_ca(args: argparse.Namespace) -> int:
    from openabc.device.provision import ProvisionError, create_site_ca

    try:
        create_site_ca(args.cert, args.key, name=args.name)
    except ProvisionError as err:
        return _err(str(err))
    _say(f"site CA written: {args.cert}, key {args.key} (mode 0600; keep it offline)")
    return 0


def cmd_provision(args: argparse.Namespace) -> int:
    from openabc.config import BrokerSettings
    from openabc.device.provision import ProvisionError, provision_kiosk

    try:
        p = provision_kiosk(
            args.out,
            kiosk_id=args.kiosk_id,
            lane_id=args.lane,
            ca_cert=args.ca_cert,
            ca_key=args.ca_key,
            region=args.region,
            broker=BrokerSettings(host=args.broker_host, port=args.broker_port),
            gate_port=args.gate_port,
            direction=args.direction,
            days=args.days,
            force=args.force,
        )
    except (ProvisionError, ValueError) as err:
        return _err(str(err))
    _say(f"kiosk {p.kiosk_id} provisioned for lane {p.lane_id} in {p.directory}")
    _say(f"  certificate serial {p.serial:x}, valid until {p.not_after:%Y-%m-%d}")
    _say(f"  SHA-256 {p.fingerprint_sha256}")
    _say(f"  start it with: openabc --config {p.directory / 'kiosk.yaml'} lane --lane {p.lane_id}")
    return 0
