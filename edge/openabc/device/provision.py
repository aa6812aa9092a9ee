"""Kiosk provisioning: identity, MQTT client certificate from the site CA, lane config.

``openabc device provision`` writes into the kiosk's provisioning directory::

    kiosk.key      EC P-256 private key of this kiosk (mode 0600, generated here, never leaves)
    kiosk.crt      X.509 client certificate: CN = kiosk id, O = region, SAN
                   URI urn:openabc:kiosk:<id>, EKU clientAuth, signed by the site CA
    site-ca.pem    the site CA certificate (the kiosk verifies the broker with it)
    kiosk.yaml     settings (region, broker, this kiosk's lane), loadable with
                   ``openabc --config kiosk.yaml lane --lane <lane>``
    identity.json  kiosk id, lane id, certificate serial / SHA-256 fingerprint / expiry

It refuses a CA key that does not belong to the CA certificate, a certificate
that is not a CA, an expired CA, and an already provisioned directory (unless
``force``), each with the next step to take.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from openabc.config import BrokerSettings, LaneSettings, OpenAbcSettings


class ProvisionError(Exception):
    """Provisioning refused; the message says what to do next."""


@dataclass(frozen=True)
class Provisioned:
    kiosk_id: str
    lane_id: str
    directory: Path
    serial: int
    fingerprint_sha256: str
    not_after: dt.datetime


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)


def create_site_ca(
    cert_path: Path, key_path: Path, *, name: str = "OpenABC site CA", days: int = 3650
) -> None:
    """A site CA for labs and tests (production sites bring their own)."""
    if key_path.exists():
        raise ProvisionError(f"{key_path} exists; refusing to overwrite a CA key")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _load_ca(
    cert_path: Path, key_path: Path
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as err:
        raise ProvisionError(f"cannot read the site CA certificate {cert_path}: {err}") from err
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise ProvisionError(
            f"cannot read the site CA key {key_path}: {err} (an encrypted key must be "
            "decrypted on the provisioning station first)"
        ) from err
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ProvisionError(f"{key_path}: only EC site CA keys are supported")
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, pub) != cert.public_key(
    ).public_bytes(serialization.Encoding.DER, pub):
        raise ProvisionError(
            f"{key_path} is not the key of {cert_path}; use the matching site CA key"
        )
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        bc = None
    if bc is None or not bc.ca:
        raise ProvisionError(f"{cert_path} is not a CA certificate; use the site CA")
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise ProvisionError(
            f"the site CA {cert_path} is not valid now (valid "
            f"{cert.not_valid_before_utc:%Y-%m-%d}..{cert.not_valid_after_utc:%Y-%m-%d}); "
            "ask the site PKI officer for the current CA"
        )
    return cert, key


def provision_kiosk(
    out_dir: Path,
    *,
    kiosk_id: str,
    lane_id: str,
    ca_cert: Path,
    ca_key: Path,
    region: str = "eu-demo",
    broker: BrokerSettings | None = None,
    gate_port: str = "emulated",
    direction: str = "entry",
    days: int = 365,
    force: bool = False,
) -> Provisioned:
    try:
        lane = LaneSettings.model_validate(
            {"kiosk_id": kiosk_id, "lane_id": lane_id, "gate_port": gate_port,
             "direction": direction}
        )
        settings = OpenAbcSettings(region=region, broker=broker or BrokerSettings(),
                                   lanes=(lane,))
    except ValueError as err:
        raise ProvisionError(f"invalid lane configuration: {err}") from err
    if (out_dir / "kiosk.crt").exists() and not force:
        raise ProvisionError(
            f"{out_dir} is already provisioned; pass --force to issue a new identity "
            "(and revoke the old certificate at the site CA)"
        )
    cacert, cakey = _load_ca(ca_cert, ca_key)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    not_after = min(now + dt.timedelta(days=days), cacert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, kiosk_id),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, region),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, lane_id),
        ]))
        .issuer_name(cacert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=True, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.UniformResourceIdentifier(f"urn:openabc:kiosk:{kiosk_id}")]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(cakey.public_key()), False
        )
        .sign(cakey, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_private(out_dir / "kiosk.key", key)
    (out_dir / "kiosk.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (out_dir / "site-ca.pem").write_bytes(cacert.public_bytes(serialization.Encoding.PEM))
    doc = settings.model_dump(mode="json", include={"region", "broker", "lanes"})
    (out_dir / "kiosk.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    fp = cert.fingerprint(hashes.SHA256()).hex()
    (out_dir / "identity.json").write_text(json.dumps({
        "kiosk_id": kiosk_id,
        "lane_id": lane_id,
        "region": region,
        "certificate": "kiosk.crt",
        "private_key": "kiosk.key",
        "site_ca": "site-ca.pem",
        "serial": f"{cert.serial_number:x}",
        "fingerprint_sha256": fp,
        "not_after": not_after.isoformat(),
    }, indent=2) + "\n")
    return Provisioned(kiosk_id, lane_id, out_dir, cert.serial_number, fp, not_after)
