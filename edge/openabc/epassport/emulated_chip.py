"""The emulated document reader's chip: TEST issuing material and chip bytes.

``openabc seed`` saves the test PKI's Document Signers (private keys and
certificates) with ``save_test_issuer``; the emulated traveller loads them
with ``load_test_issuer`` and personalises a chip per presentation with
``chip_bytes_for``. The kiosk never reads this directory: it only gets the
CSCA trust list. Everything here is TEST material derived from a public
seed; a real site has no such directory.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Final, get_args

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from openabc.epassport.chip_profile import ChipProfile, SignerName
from openabc.epassport.issuer import Signer, issue_chip
from openabc.epassport.testpki import TestPki

SIGNER_NAMES: Final[tuple[SignerName, ...]] = get_args(SignerName)
UNTRUSTED_CSCA_CERT: Final = "TEST-ONLY-csca-untrusted.cert.pem"
README: Final = "TEST-ONLY-README.txt"
_README_TEXT = (
    b"TEST MATERIAL ONLY - written by `openabc seed` for the emulated document reader.\n"
    b"These Document Signer keys are derived from the public seed: anyone can recreate\n"
    b"them. Never install them on a kiosk or use them for real documents.\n"
)
_PRIVATE_FILE = 0o600
_PRIVATE_DIR = 0o700


def key_file(name: SignerName) -> str:
    """File name of a Document Signer's private key (PKCS#8 PEM, unencrypted)."""
    return f"TEST-ONLY-ds-{name}.key.pem"


def cert_file(name: SignerName) -> str:
    """File name of a Document Signer's certificate (PEM)."""
    return f"TEST-ONLY-ds-{name}.cert.pem"


@dataclass(frozen=True, slots=True)
class TestIssuer:
    """The Document Signers the emulator personalises chips with."""

    __test__: ClassVar[bool] = False  # not a pytest test class despite the name

    signers: MappingProxyType[SignerName, Signer]
    untrusted_csca: x509.Certificate

    def signer(self, name: SignerName) -> Signer:
        """Document Signer by ``ChipProfile.signer`` name."""
        return self.signers[name]


def issuer_from_pki(pki: TestPki) -> TestIssuer:
    """The issuing half of a test PKI (no CSCA private key: chips never need it)."""
    return TestIssuer(
        signers=MappingProxyType({name: pki.signer(name) for name in SIGNER_NAMES}),
        untrusted_csca=pki.untrusted_csca.cert,
    )


def save_test_issuer(issuer: TestIssuer, directory: Path) -> list[Path]:
    """Write keys and certificates, each 0600 in a 0700 directory; returns the files."""
    directory.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
    directory.chmod(_PRIVATE_DIR)
    contents: dict[str, bytes] = {README: _README_TEXT}
    for name in SIGNER_NAMES:
        signer = issuer.signer(name)
        contents[key_file(name)] = signer.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        contents[cert_file(name)] = signer.cert.public_bytes(serialization.Encoding.PEM)
    contents[UNTRUSTED_CSCA_CERT] = issuer.untrusted_csca.public_bytes(serialization.Encoding.PEM)
    paths = []
    for file_name, data in contents.items():
        paths.append(directory / file_name)
        write_file_atomic(paths[-1], data)
    return paths


def write_file_atomic(path: Path, data: bytes, *, mode: int = _PRIVATE_FILE) -> None:
    """Replace ``path`` atomically with a ``mode`` file: no reader sees a partial file,
    and a key file is never readable by others, even for a moment."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_test_issuer(directory: Path) -> TestIssuer:
    """Read what ``save_test_issuer`` wrote; a clear error if ``openabc seed`` has not run."""
    if not (directory / cert_file("good")).is_file():
        raise FileNotFoundError(f"no emulator test issuer in {directory}: run `openabc seed` first")
    signers = {name: _load_signer(directory, name) for name in SIGNER_NAMES}
    untrusted = x509.load_pem_x509_certificate((directory / UNTRUSTED_CSCA_CERT).read_bytes())
    return TestIssuer(signers=MappingProxyType(signers), untrusted_csca=untrusted)


def _load_signer(directory: Path, name: SignerName) -> Signer:
    key = serialization.load_pem_private_key((directory / key_file(name)).read_bytes(), None)
    cert = x509.load_pem_x509_certificate((directory / cert_file(name)).read_bytes())
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        raise ValueError(f"test issuer {name!r}: key does not belong to its certificate")
    return Signer(key=key, cert=cert)


def chip_bytes_for(
    mrz_text: str,
    portrait_jpeg: bytes,
    profile: ChipProfile,
    issuer: TestIssuer,
    today: dt.date,
) -> bytes:
    """The CHIP block the emulated reader sends (``ChipData.to_bytes``); b"" for no chip.

    The SOD is signed on a day inside the signer's validity (an expired signer
    signed before it expired), so only the certificate dates make it fail.
    """
    if not profile.present:
        return b""
    signer = issuer.signer(profile.signer)
    issued = _within_validity(today, signer.cert)
    chip = issue_chip(mrz_text, portrait_jpeg, signer=signer, issued=issued, tamper=profile.tamper)
    return chip.to_bytes()


def _within_validity(today: dt.date, cert: x509.Certificate) -> dt.date:
    last = cert.not_valid_after_utc.date() - dt.timedelta(days=1)
    first = cert.not_valid_before_utc.date()
    return max(first, min(today, last))
