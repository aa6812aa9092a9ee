"""The test PKI is deterministic, well-formed X.509/CMS, and readable by OpenSSL."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from openabc.epassport import ChipData, trust_list_from_pem
from openabc.epassport.issuer import issue_chip
from openabc.epassport.testpki import TestPki, make_test_pki
from openabc.epassport.tlv import expect_tlv
from tests.epassport.conftest import TODAY


def _der(pki: TestPki) -> list[bytes]:
    signers = [pki.csca, pki.good, pki.expired, pki.revoked, pki.untrusted_csca, pki.untrusted]
    certs = [s.cert.public_bytes(serialization.Encoding.DER) for s in signers]
    return [*certs, pki.crl.public_bytes(serialization.Encoding.DER)]


def test_same_seed_same_bytes(pki: TestPki, printed_mrz: str, portrait_jpeg: bytes) -> None:
    again = make_test_pki("epassport-tests", today=TODAY)
    assert _der(again) == _der(pki)
    first = issue_chip(printed_mrz, portrait_jpeg, signer=pki.good, issued=TODAY)
    second = issue_chip(printed_mrz, portrait_jpeg, signer=again.good, issued=TODAY)
    assert first == second


def test_other_seed_other_keys(pki: TestPki) -> None:
    other = make_test_pki("another-seed", today=TODAY)
    assert all(a != b for a, b in zip(_der(other), _der(pki), strict=True))


def test_signers_chain_as_named(pki: TestPki) -> None:
    csca = pki.csca.cert
    for ds in (pki.good, pki.expired, pki.revoked):
        ds.cert.verify_directly_issued_by(csca)
    pki.untrusted.cert.verify_directly_issued_by(pki.untrusted_csca.cert)
    assert pki.crl.is_signature_valid(pki.csca.key.public_key())
    revoked = pki.crl.get_revoked_certificate_by_serial_number(pki.revoked.cert.serial_number)
    assert revoked is not None and len(list(pki.crl)) == 1
    assert pki.expired.cert.not_valid_after_utc.date() < TODAY


def test_trust_list_pem_round_trip(pki: TestPki) -> None:
    loaded = trust_list_from_pem(pki.trust_list().to_pem())
    assert loaded == pki.trust_list()
    with pytest.raises(ValueError, match="no CSCA"):
        trust_list_from_pem(b"nothing here")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")
def test_openssl_verifies_the_sod(good_chip: ChipData, pki: TestPki, tmp_path: Path) -> None:
    """Interoperability: the SOD is plain CMS that a third-party verifier accepts."""
    (tmp_path / "sod.der").write_bytes(expect_tlv(good_chip.sod, 0x77))
    (tmp_path / "csca.pem").write_bytes(pki.csca.cert.public_bytes(serialization.Encoding.PEM))
    command = ["openssl", "cms", "-verify", "-inform", "DER", "-in", "sod.der"]
    command += ["-CAfile", "csca.pem", "-purpose", "any", "-attime", "1780272000"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
