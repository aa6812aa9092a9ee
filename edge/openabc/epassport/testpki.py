"""A deterministic test PKI: the same seed and ``today`` give the same bytes.

Keys are ECDSA P-256 with the private value hashed from the seed and a
label; serial numbers likewise; signatures use RFC 6979 deterministic ECDSA.
NOT for production: anyone with the seed has every private key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import ClassVar, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from openabc.epassport.issuer import Signer
from openabc.epassport.trust import TrustList

SignerName = Literal["good", "expired", "revoked", "untrusted"]
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_YEAR = dt.timedelta(days=365)


@dataclass(frozen=True, slots=True)
class TestPki:
    """A trusted CSCA with good, expired and revoked DSs, its CRL, and an untrusted pair."""

    __test__: ClassVar[bool] = False  # not a pytest test class despite the name

    csca: Signer
    crl: x509.CertificateRevocationList
    good: Signer
    expired: Signer
    revoked: Signer
    untrusted_csca: Signer
    untrusted: Signer

    def trust_list(self) -> TrustList:
        """What a kiosk of this test country is configured with."""
        return TrustList(cscas=(self.csca.cert,), crls=(self.crl,))

    def signer(self, name: SignerName) -> Signer:
        """Document Signer by name, for population files that store the name."""
        return {
            "good": self.good,
            "expired": self.expired,
            "revoked": self.revoked,
            "untrusted": self.untrusted,
        }[name]


def derive_key(seed: str, label: str) -> ec.EllipticCurvePrivateKey:
    """P-256 key whose private value is SHA-256(seed, label) reduced into [1, n-1]."""
    digest = hashlib.sha256(f"openabc-testpki/{seed}/{label}".encode()).digest()
    value = int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(value, ec.SECP256R1())


def _serial(seed: str, label: str) -> int:
    digest = hashlib.sha256(f"openabc-serial/{seed}/{label}".encode()).digest()
    return int.from_bytes(digest[:16], "big") | 1


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OpenABC test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def make_csca(seed: str, label: str, name: x509.Name, today: dt.date) -> Signer:
    """Self-signed CSCA valid from 15 years ago to 15 years ahead."""
    key = derive_key(seed, label)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(_serial(seed, label))
        .not_valid_before(_midnight(today - 15 * _YEAR))
        .not_valid_after(_midnight(today + 15 * _YEAR))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
    )
    cert = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    return Signer(key=key, cert=cert)


def make_ds(
    seed: str, label: str, issuer: Signer, name: x509.Name, valid: tuple[dt.date, dt.date]
) -> Signer:
    """Document Signer certificate issued by ``issuer`` for ``valid`` (from, to)."""
    key = derive_key(seed, label)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(_serial(seed, label))
        .not_valid_before(_midnight(valid[0]))
        .not_valid_after(_midnight(valid[1]))
        .add_extension(_usage(cert_sign=False), critical=True)
    )
    cert = builder.sign(issuer.key, hashes.SHA256(), ecdsa_deterministic=True)
    return Signer(key=key, cert=cert)


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def make_crl(
    issuer: Signer, revoked: list[x509.Certificate], today: dt.date
) -> x509.CertificateRevocationList:
    """CRL issued yesterday, next update in 89 days, revocations a month ago."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(_midnight(today - dt.timedelta(days=1)))
        .next_update(_midnight(today + dt.timedelta(days=89)))
    )
    for cert in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(_midnight(today - dt.timedelta(days=30)))
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(issuer.key, hashes.SHA256(), ecdsa_deterministic=True)


def make_test_pki(seed: str, *, today: dt.date, country: str = "UT") -> TestPki:
    """The whole test PKI for one seed; dates are relative to ``today``."""
    csca = make_csca(seed, "csca", _name(country, "CSCA"), today)
    current = (today - dt.timedelta(days=90), today + 10 * _YEAR)
    good = make_ds(seed, "ds-good", csca, _name(country, "DS good"), current)
    expired_dates = (today - 11 * _YEAR, today - dt.timedelta(days=1))
    expired = make_ds(seed, "ds-expired", csca, _name(country, "DS expired"), expired_dates)
    revoked = make_ds(seed, "ds-revoked", csca, _name(country, "DS revoked"), current)
    other = make_csca(seed, "csca-untrusted", _name(country, "CSCA untrusted"), today)
    untrusted = make_ds(seed, "ds-untrusted", other, _name(country, "DS untrusted"), current)
    return TestPki(
        csca=csca,
        crl=make_crl(csca, [revoked.cert], today),
        good=good,
        expired=expired,
        revoked=revoked,
        untrusted_csca=other,
        untrusted=untrusted,
    )
