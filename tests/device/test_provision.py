from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from openabc.cli import main
from openabc.config import load_settings
from openabc.device.provision import ProvisionError, create_site_ca, provision_kiosk


@pytest.fixture()
def ca(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "ca" / "site-ca.pem", tmp_path / "ca" / "site-ca.key"
    create_site_ca(cert, key)
    return cert, key


def test_provision_via_cli(tmp_path: Path, ca: tuple[Path, Path],
                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "kiosk-7"
    argv = ["device", "provision", "--kiosk-id", "kiosk-7", "--lane", "lane-7",
            "--gate-port", "/dev/ttyACM0", "--broker-host", "broker.site", "--ca-cert",
            str(ca[0]), "--ca-key", str(ca[1]), "--out", str(out)]
    assert main(argv) == 0
    assert "openabc --config" in capsys.readouterr().out
    assert stat.S_IMODE((out / "kiosk.key").stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate((out / "kiosk.crt").read_bytes())
    cacert = x509.load_pem_x509_certificate(ca[0].read_bytes())
    cert.verify_directly_issued_by(cacert)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "kiosk-7"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["urn:openabc:kiosk:kiosk-7"]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.not_valid_after_utc - dt.datetime.now(dt.UTC) < dt.timedelta(days=366)
    settings = load_settings(out / "kiosk.yaml")
    assert [(lane.kiosk_id, lane.lane_id, lane.gate_port) for lane in settings.lanes] == [
        ("kiosk-7", "lane-7", "/dev/ttyACM0")]
    assert settings.broker.host == "broker.site" and settings.broker.port == 8883
    ident = json.loads((out / "identity.json").read_text())
    assert ident["kiosk_id"] == "kiosk-7" and len(ident["fingerprint_sha256"]) == 64
    # a second run does not silently replace the identity
    assert main(argv) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0


def test_refuses_wrong_ca_key(tmp_path: Path, ca: tuple[Path, Path]) -> None:
    other_cert, other_key = tmp_path / "o.pem", tmp_path / "o.key"
    create_site_ca(other_cert, other_key)
    with pytest.raises(ProvisionError, match="not the key of"):
        provision_kiosk(tmp_path / "k", kiosk_id="k1", lane_id="l1", ca_cert=ca[0],
                        ca_key=other_key)


def test_refuses_non_ca_and_bad_ids(tmp_path: Path, ca: tuple[Path, Path]) -> None:
    p = provision_kiosk(tmp_path / "k", kiosk_id="k1", lane_id="l1", ca_cert=ca[0],
                        ca_key=ca[1])
    with pytest.raises(ProvisionError, match="not a CA certificate"):
        provision_kiosk(tmp_path / "k2", kiosk_id="k2", lane_id="l1",
                        ca_cert=p.directory / "kiosk.crt", ca_key=p.directory / "kiosk.key")
    with pytest.raises(ProvisionError, match="invalid lane configuration"):
        provision_kiosk(tmp_path / "k3", kiosk_id="bad id!", lane_id="l1", ca_cert=ca[0],
                        ca_key=ca[1])
    assert isinstance(
        x509.load_pem_x509_certificate((p.directory / "kiosk.crt").read_bytes()).public_key(),
        ec.EllipticCurvePublicKey,
    )


def test_site_ca_never_overwritten(ca: tuple[Path, Path]) -> None:
    with pytest.raises(ProvisionError, match="refusing to overwrite"):
        create_site_ca(ca[0], ca[1])
