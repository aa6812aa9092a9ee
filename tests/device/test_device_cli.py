from __future__ import annotations

import stat
from pathlib import Path

import pytest

from openabc.cli import main
from openabc.device.image import load_public_key, verify_image


def test_keygen_build_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENABC_RELEASE_PUBKEY", raising=False)
    key, pub = tmp_path / "release.key", tmp_path / "release.pub"
    assert main(["device", "keygen", "--private", str(key), "--public", str(pub)]) == 0
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert main(["device", "keygen", "--private", str(key), "--public", str(pub)]) == 2
    build = tmp_path / "build"
    (build / "lib" / "gate").mkdir(parents=True)
    (build / "main.mpy").write_bytes(b"M1")
    (build / "lib" / "gate" / "x.mpy").write_bytes(b"M2")
    (build / "host").mkdir()
    (build / "host" / "machine.mpy").write_bytes(b"shim")
    img = tmp_path / "v1.img"
    assert main(["device", "build-image", "--build-dir", str(build), "--version", "1.0.0",
                 "--key", str(key), "-o", str(img)]) == 0
    image = verify_image(img, load_public_key(pub), board="rp2-pico")
    assert [f.path for f in image.files] == ["lib/gate/x.mpy", "main.mpy"]  # no host shims
    capsys.readouterr()
    assert main(["device", "flash", "--image", str(img), "/dev/null"]) == 2
    assert "--pubkey" in capsys.readouterr().err
    assert main(["device", "build-image", "--build-dir", str(build), "--version", "v1",
                 "--key", str(key), "-o", str(img)]) == 2
    assert "semantic version" in capsys.readouterr().err


def test_info_on_a_dead_port_says_what_to_do() -> None:
    pytest.importorskip("mpremote")
    from openabc.device.rawrepl import ConsoleError, RawRepl

    with pytest.raises(ConsoleError, match="check the cable"):
        RawRepl("/nonexistent/tty", connect_timeout=0.2)
