from __future__ import annotations

import io
import stat
import tarfile
from pathlib import Path

import pytest

from openabc.device.image import (
    ImageError,
    generate_release_key,
    load_private_key,
    load_public_key,
    parse_semver,
    verify_image,
    write_image,
)

FILES = {"main.mpy": b"M\x06main", "lib/gate/controller.mpy": b"M\x06ctrl"}


@pytest.fixture()
def keys(tmp_path: Path) -> tuple[Path, Path]:
    priv, pub = tmp_path / "keys" / "release.key", tmp_path / "keys" / "release.pub"
    generate_release_key(priv, pub)
    return priv, pub


def _image(tmp_path: Path, priv: Path | None, version: str = "1.0.0", board: str = "rp2-pico",
           name: str = "img.img") -> Path:
    out = tmp_path / name
    write_image(out, name="openabc-gate", version=version, board=board, files=FILES,
                key=load_private_key(priv) if priv else None)
    return out


def test_private_key_is_0600_and_never_overwritten(keys: tuple[Path, Path]) -> None:
    priv, pub = keys
    assert stat.S_IMODE(priv.stat().st_mode) == 0o600
    assert b"PRIVATE" in priv.read_bytes() and b"PUBLIC" in pub.read_bytes()
    with pytest.raises(ImageError, match="refusing to overwrite"):
        generate_release_key(priv, pub)


def test_good_image_verifies(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    img = verify_image(_image(tmp_path, keys[0]), load_public_key(keys[1]), board="rp2-pico",
                       current_version="0.9.0")
    assert img.version == "1.0.0" and {f.path for f in img.files} == set(FILES)
    assert img.total_bytes == sum(len(d) for d in FILES.values())


def test_unsigned_refused(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    with pytest.raises(ImageError, match="unsigned"):
        verify_image(_image(tmp_path, None), load_public_key(keys[1]))


def test_other_key_refused(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    other_priv, other_pub = tmp_path / "o.key", tmp_path / "o.pub"
    generate_release_key(other_priv, other_pub)
    with pytest.raises(ImageError, match="signature does not match"):
        verify_image(_image(tmp_path, other_priv), load_public_key(keys[1]))


def _rewrite(path: Path, member: str, data: bytes) -> None:
    with tarfile.open(path) as tar:
        items = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(path, "w") as tar:
        for m, d in items:
            if m.name == member:
                d = data
            m.size = len(d)
            tar.addfile(m, io.BytesIO(d))


def test_tampered_file_refused(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    path = _image(tmp_path, keys[0])
    _rewrite(path, "files/main.mpy", b"M\x06evil")
    with pytest.raises(ImageError, match="main.mpy is corrupted"):
        verify_image(path, load_public_key(keys[1]))


def test_tampered_manifest_refused(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    path = _image(tmp_path, keys[0])
    with tarfile.open(path) as tar:
        manifest = tar.extractfile("manifest.json").read()  # type: ignore[union-attr]
    _rewrite(path, "manifest.json", manifest.replace(b"1.0.0", b"9.0.0"))
    with pytest.raises(ImageError, match="signature does not match"):
        verify_image(path, load_public_key(keys[1]))


def test_extra_file_refused(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    path = _image(tmp_path, keys[0])
    with tarfile.open(path, "a") as tar:
        info = tarfile.TarInfo("files/boot.mpy")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(ImageError, match="not in the signed manifest"):
        verify_image(path, load_public_key(keys[1]))


def test_wrong_board_refused(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    with pytest.raises(ImageError, match="use the rp2-pico image"):
        verify_image(_image(tmp_path, keys[0], board="esp32"), load_public_key(keys[1]),
                     board="rp2-pico")


def test_downgrade_needs_flag(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    path = _image(tmp_path, keys[0], version="1.0.0")
    pub = load_public_key(keys[1])
    with pytest.raises(ImageError, match="--allow-downgrade"):
        verify_image(path, pub, current_version="1.0.1")
    assert verify_image(path, pub, current_version="1.0.1", allow_downgrade=True)
    assert verify_image(path, pub, current_version="1.0.0-rc.1")  # release > its rc


def test_not_an_image(tmp_path: Path, keys: tuple[Path, Path]) -> None:
    bad = tmp_path / "x.img"
    bad.write_bytes(b"garbage" * 100)
    with pytest.raises(ImageError, match="not a readable firmware image"):
        verify_image(bad, load_public_key(keys[1]))


def test_semver() -> None:
    assert parse_semver("1.10.0") > parse_semver("1.9.9")
    assert parse_semver("2.0.0-rc.2") > parse_semver("2.0.0-rc.1")
    with pytest.raises(ImageError):
        parse_semver("v1")
