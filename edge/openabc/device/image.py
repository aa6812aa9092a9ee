"""Signed firmware images for the gate MCU.

An image is an uncompressed tar archive::

    manifest.json   {"format": 1, "name", "version" (semver), "board",
                     "files": [{"path", "size", "sha256"}, ...]}
    manifest.sig    Ed25519 signature (64 raw bytes) over manifest.json's exact bytes
    files/<path>    the compiled .mpy files (paths relative to the slot root)

The release private key signs; the kiosk and the technician's tool keep only the public
key. :func:`verify_image` refuses an unsigned, wrongly signed, tampered, wrong-board or
(unless explicitly allowed) downgrade image, each with an error telling the technician
what to do next.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
FILES_DIR = "files/"
FORMAT = 1
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$")
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


class ImageError(Exception):
    """An image was refused; the message says why and what to do next."""


@dataclass(frozen=True)
class ImageFile:
    path: str
    data: bytes
    sha256: str


@dataclass(frozen=True)
class FirmwareImage:
    name: str
    version: str
    board: str
    files: tuple[ImageFile, ...]
    manifest_bytes: bytes
    signature: bytes = b""

    @property
    def total_bytes(self) -> int:
        return sum(len(f.data) for f in self.files)


def parse_semver(version: str) -> tuple[int, int, int, tuple[tuple[int, int | str], ...]]:
    """Sort key for a semantic version; a pre-release sorts before its release."""
    m = _SEMVER.match(version)
    if m is None:
        raise ImageError(f"version {version!r} is not a semantic version like 1.2.3")
    pre: tuple[tuple[int, int | str], ...]
    if m.group(4) is None:
        pre = ((2, 0),)  # a release sorts after every pre-release of the same version
    else:
        pre = tuple((0, int(p)) if p.isdigit() else (1, p) for p in m.group(4).split("."))
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), pre


# ---------------------------------------------------------------- keys


def generate_release_key(private_path: Path, public_path: Path) -> None:
    """Write a new Ed25519 release key pair: private key PEM (mode 0600), public key PEM."""
    if private_path.exists():
        raise ImageError(
            f"{private_path} already exists; refusing to overwrite a release key "
            "(move it away first if you really mean to replace it)"
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.chmod(private_path, 0o600)  # in case the umask was odd
    public_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as err:
        raise ImageError(f"cannot read the release private key {path}: {err}") from err
    if not isinstance(key, Ed25519PrivateKey):
        raise ImageError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as err:
        raise ImageError(
            f"cannot read the release public key {path}: {err}; "
            "pass --pubkey with the release public key shipped with the tool"
        ) from err
    if not isinstance(key, Ed25519PublicKey):
        raise ImageError(f"{path} is not an Ed25519 public key")
    return key


# ---------------------------------------------------------------- build


def collect_files(
    build_dir: Path,
    suffixes: tuple[str, ...] = (".mpy",),
    skip: tuple[str, ...] = ("stubs/", "host/", "boot_slots."),
) -> dict[str, bytes]:
    """Every compiled file under ``build_dir``: not the mypy stubs, caches, host
    emulation shims, or the slot bootloader (which lives outside the slots)."""
    out: dict[str, bytes] = {}
    for p in sorted(build_dir.rglob("*")):
        rel = p.relative_to(build_dir).as_posix()
        if rel.startswith((*skip, ".")) or "/." in rel or not p.is_file():
            continue
        if p.suffix in suffixes:
            out[rel] = p.read_bytes()
    if not out:
        raise ImageError(f"no {'/'.join(suffixes)} files under {build_dir}; run `make firmware`")
    return out


def manifest_bytes(name: str, version: str, board: str, files: dict[str, bytes]) -> bytes:
    parse_semver(version)
    for path in files:
        if not _SAFE_PATH.match(path) or ".." in path.split("/"):
            raise ImageError(f"unsafe file path {path!r} in the image")
    doc = {
        "format": FORMAT,
        "name": name,
        "version": version,
        "board": board,
        "files": [
            {"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
            for p, d in sorted(files.items())
        ],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def write_image(
    out: Path,
    *,
    name: str,
    version: str,
    board: str,
    files: dict[str, bytes],
    key: Ed25519PrivateKey | None,
) -> bytes:
    """Write an image; ``key=None`` writes an unsigned one (only useful for tests)."""
    manifest = manifest_bytes(name, version, board, files)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, MANIFEST, manifest)
        if key is not None:
            _add(tar, SIGNATURE, key.sign(manifest))
        for path, data in sorted(files.items()):
            _add(tar, FILES_DIR + path, data)
    return manifest


# ---------------------------------------------------------------- verify


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(path, "r:") as tar:
            members: dict[str, bytes] = {}
            for m in tar.getmembers():
                if not m.isfile():
                    continue
                fh = tar.extractfile(m)
                if fh is not None:
                    members[m.name] = fh.read()
            return members
    except (OSError, tarfile.TarError) as err:
        raise ImageError(
            f"{path} is not a readable firmware image ({err}); "
            "download the release image again"
        ) from err


def verify_image(
    path: Path,
    public_key: Ed25519PublicKey,
    *,
    board: str | None = None,
    current_version: str | None = None,
    allow_downgrade: bool = False,
) -> FirmwareImage:
    """Check signature, every file's hash, board and version; return the image or raise."""
    members = _read_members(path)
    manifest = members.get(MANIFEST)
    if manifest is None:
        raise ImageError(f"{path} has no {MANIFEST}; it is not a firmware image")
    sig = members.get(SIGNATURE)
    if sig is None:
        raise ImageError(
            f"{path} is unsigned; only images signed with the release key can be flashed "
            "(ask the release manager for the signed image)"
        )
    try:
        public_key.verify(sig, manifest)
    except InvalidSignature:
        raise ImageError(
            f"{path}: the signature does not match the release key; the image was "
            "altered or signed with another key. Do not flash it; get the image from the "
            "release server again (or check --pubkey)"
        ) from None
    doc = json.loads(manifest)
    if doc.get("format") != FORMAT:
        raise ImageError(f"{path}: image format {doc.get('format')!r} unknown; update the tool")
    files: list[ImageFile] = []
    listed: set[str] = set()
    for entry in doc["files"]:
        fpath = str(entry["path"])
        if not _SAFE_PATH.match(fpath) or ".." in fpath.split("/"):
            raise ImageError(f"{path}: unsafe file path {fpath!r}")
        data = members.get(FILES_DIR + fpath)
        if data is None:
            raise ImageError(f"{path}: {fpath} is listed but missing; download the image again")
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"] or len(data) != entry["size"]:
            raise ImageError(
                f"{path}: {fpath} is corrupted (sha256 {digest[:12]}... != manifest "
                f"{str(entry['sha256'])[:12]}...); download the image again"
            )
        files.append(ImageFile(fpath, data, digest))
        listed.add(FILES_DIR + fpath)
    extra = sorted(n for n in members if n.startswith(FILES_DIR) and n not in listed)
    if extra:
        raise ImageError(f"{path}: files not in the signed manifest: {', '.join(extra)}")
    image = FirmwareImage(
        name=str(doc["name"]),
        version=str(doc["version"]),
        board=str(doc["board"]),
        files=tuple(files),
        manifest_bytes=manifest,
        signature=sig,
    )
    parse_semver(image.version)
    if board is not None and image.board != board:
        raise ImageError(
            f"{path} is built for board {image.board!r} but the device is a {board!r}; "
            f"use the {board} image"
        )
    if (
        current_version is not None
        and not allow_downgrade
        and parse_semver(image.version) < parse_semver(current_version)
    ):
        raise ImageError(
            f"{path} is version {image.version}, older than the device's {current_version}; "
            "refusing a downgrade (pass --allow-downgrade if that is really intended)"
        )
    return image
