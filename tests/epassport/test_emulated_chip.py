"""The emulator's chip helper: saved issuer round-trips, chips are what readers accept."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from asn1crypto import cms  # type: ignore[import-untyped]
from PIL import Image

from openabc.epassport import chip_from_bytes, verify_passive
from openabc.epassport.chip_profile import ChipProfile
from openabc.epassport.emulated_chip import (
    SIGNER_NAMES,
    TestIssuer,
    chip_bytes_for,
    issuer_from_pki,
    load_test_issuer,
    save_test_issuer,
)
from openabc.epassport.sod import parse_sod
from openabc.epassport.testpki import TestPki
from openabc.epassport.trust import crls_from_pem
from tests.epassport.conftest import TODAY


@pytest.fixture(scope="module")
def issuer(pki: TestPki) -> TestIssuer:
    return issuer_from_pki(pki)


def test_saved_issuer_loads_back_identically(tmp_path: Path, issuer: TestIssuer) -> None:
    paths = save_test_issuer(issuer, tmp_path / "test-issuer")
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths)
    loaded = load_test_issuer(tmp_path / "test-issuer")
    assert loaded.untrusted_csca == issuer.untrusted_csca
    for name in SIGNER_NAMES:
        assert loaded.signer(name).cert == issuer.signer(name).cert
        assert (
            loaded.signer(name).key.private_numbers() == issuer.signer(name).key.private_numbers()
        )


def test_mismatched_key_is_refused(tmp_path: Path, issuer: TestIssuer) -> None:
    directory = tmp_path / "test-issuer"
    save_test_issuer(issuer, directory)
    good_key = directory / "TEST-ONLY-ds-good.key.pem"
    good_key.write_bytes((directory / "TEST-ONLY-ds-expired.key.pem").read_bytes())
    with pytest.raises(ValueError, match="does not belong"):
        load_test_issuer(directory)


def test_chip_bytes_are_deterministic_and_parse(
    issuer: TestIssuer, printed_mrz: str, portrait_jpeg: bytes
) -> None:
    profile = ChipProfile()
    first = chip_bytes_for(printed_mrz, portrait_jpeg, profile, issuer, TODAY)
    assert first == chip_bytes_for(printed_mrz, portrait_jpeg, profile, issuer, TODAY)
    assert chip_from_bytes(first).to_bytes() == first


def test_absent_chip_is_empty(issuer: TestIssuer, printed_mrz: str, portrait_jpeg: bytes) -> None:
    profile = ChipProfile(present=False, tamper="dg2")
    assert chip_bytes_for(printed_mrz, portrait_jpeg, profile, issuer, TODAY) == b""


def test_expired_signer_signed_while_it_was_valid(
    pki: TestPki, issuer: TestIssuer, printed_mrz: str, portrait_jpeg: bytes
) -> None:
    chip = chip_from_bytes(
        chip_bytes_for(printed_mrz, portrait_jpeg, ChipProfile(signer="expired"), issuer, TODAY)
    )
    sod = parse_sod(chip.sod)
    assert sod.signer is not None and sod.signer == pki.expired.cert
    attrs = {
        a["type"].native: a["values"][0].native for a in cms.CMSAttributes.load(sod.signed_attrs)
    }
    assert attrs["signing_time"].date() < pki.expired.cert.not_valid_after_utc.date()
    result = verify_passive(chip, trust=pki.trust_list(), printed_mrz=printed_mrz, today=TODAY)
    assert result.reasons == ("ds_expired",)


def test_portrait_must_be_jpeg(issuer: TestIssuer, printed_mrz: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    with pytest.raises(ValueError, match="JPEG"):
        chip_bytes_for(printed_mrz, out.getvalue(), ChipProfile(), issuer, TODAY)


def test_crl_file_reader(pki: TestPki) -> None:
    pem = pki.trust_list().to_pem()
    crl_only = pem[pem.index(b"-----BEGIN X509 CRL") :]
    assert crls_from_pem(crl_only) == (pki.crl,)
    with pytest.raises(ValueError, match="certificate"):
        crls_from_pem(pem)
    with pytest.raises(ValueError, match="no X509 CRL"):
        crls_from_pem(b"")


def test_profile_is_strict() -> None:
    with pytest.raises(ValueError, match="extra"):
        ChipProfile.model_validate({"signer": "good", "colour": "red"})
