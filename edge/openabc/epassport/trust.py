"""The kiosk's configured CSCA trust list and the CSCAs' revocation lists.

In production this is the agency's master list (or ICAO PKD download) plus
CRLs, loaded from PEM files; the test PKI writes the same format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization

_PEM_BLOCK = re.compile(
    rb"-----BEGIN (CERTIFICATE|X509 CRL)-----\r?\n.+?-----END \1-----\r?\n?", re.DOTALL
)


@dataclass(frozen=True, slots=True)
class TrustList:
    """Trusted Country Signing CA certificates and their CRLs."""

    cscas: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] = ()

    def cscas_named(self, name: x509.Name) -> list[x509.Certificate]:
        """CSCAs whose subject is ``name`` (a DS names its issuer this way)."""
        return [csca for csca in self.cscas if csca.subject == name]

    def crls_from(self, name: x509.Name) -> list[x509.CertificateRevocationList]:
        """CRLs that claim to come from ``name``; their signatures are not checked yet."""
        return [crl for crl in self.crls if crl.issuer == name]

    def to_pem(self) -> bytes:
        """All certificates then all CRLs, PEM, as ``from_pem`` reads them."""
        certs = [c.public_bytes(serialization.Encoding.PEM) for c in self.cscas]
        crls = [c.public_bytes(serialization.Encoding.PEM) for c in self.crls]
        return b"".join(certs + crls)


def trust_list_from_pem(data: bytes) -> TrustList:
    """Read CERTIFICATE and X509 CRL blocks; raises ValueError on a bad block."""
    cscas: list[x509.Certificate] = []
    crls: list[x509.CertificateRevocationList] = []
    for match in _PEM_BLOCK.finditer(data):
        if match.group(1) == b"CERTIFICATE":
            cscas.append(x509.load_pem_x509_certificate(match.group(0)))
        else:
            crls.append(x509.load_pem_x509_crl(match.group(0)))
    if not cscas:
        raise ValueError("trust list holds no CSCA certificate")
    return TrustList(cscas=tuple(cscas), crls=tuple(crls))


def crls_from_pem(data: bytes) -> tuple[x509.CertificateRevocationList, ...]:
    """X509 CRL blocks only (the kiosk keeps CRLs in their own file); ValueError otherwise."""
    crls: list[x509.CertificateRevocationList] = []
    for match in _PEM_BLOCK.finditer(data):
        if match.group(1) != b"X509 CRL":
            raise ValueError("CRL file holds a certificate")
        crls.append(x509.load_pem_x509_crl(match.group(0)))
    if not crls:
        raise ValueError("CRL file holds no X509 CRL block")
    return tuple(crls)
