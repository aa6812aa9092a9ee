"""Passive authentication: a genuine chip passes; each attack gives its exact reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from asn1crypto import cms  # type: ignore[import-untyped]
from asn1crypto import x509 as ax509
from cryptography.hazmat.primitives import serialization

from openabc.epassport import ChipData, PassiveAuthResult, TrustList, verify_passive
from openabc.epassport.issuer import Signer, Tamper, issue_chip
from openabc.epassport.lds_asn1 import LdsSecurityObject
from openabc.epassport.sod_builder import build_sod
from openabc.epassport.testpki import TestPki, make_crl, make_csca
from openabc.epassport.tlv import encode_tlv, expect_tlv
from tests.epassport.conftest import TODAY


def _verify(chip: ChipData, pki: TestPki, mrz: str, today: dt.date = TODAY) -> PassiveAuthResult:
    return verify_passive(chip, trust=pki.trust_list(), printed_mrz=mrz, today=today)


def _issue(
    pki: TestPki, mrz: str, jpeg: bytes, *, signer: Signer | None = None, tamper: Tamper = "none"
) -> ChipData:
    return issue_chip(mrz, jpeg, signer=signer or pki.good, issued=TODAY, tamper=tamper)


def test_genuine_chip_passes_and_yields_mrz_and_face(
    good_chip: ChipData, pki: TestPki, printed_mrz: str, portrait_jpeg: bytes
) -> None:
    result = _verify(good_chip, pki, printed_mrz)
    assert result.ok and result.reasons == () and result.reason is None
    assert result.mrz_text == printed_mrz
    assert result.portrait is not None and result.portrait.image == portrait_jpeg
    assert (result.portrait.width, result.portrait.height) == (96, 128)


def test_printed_mrz_line_breaks_do_not_matter(
    good_chip: ChipData, pki: TestPki, printed_mrz: str
) -> None:
    assert _verify(good_chip, pki, printed_mrz.replace("\n", "") + "\n").ok


def test_expired_signer(pki: TestPki, printed_mrz: str, portrait_jpeg: bytes) -> None:
    chip = _issue(pki, printed_mrz, portrait_jpeg, signer=pki.expired)
    assert _verify(chip, pki, printed_mrz).reasons == ("ds_expired",)


def test_revoked_signer(pki: TestPki, printed_mrz: str, portrait_jpeg: bytes) -> None:
    chip = _issue(pki, printed_mrz, portrait_jpeg, signer=pki.revoked)
    assert _verify(chip, pki, printed_mrz).reasons == ("ds_revoked",)


def test_unknown_csca(pki: TestPki, printed_mrz: str, portrait_jpeg: bytes) -> None:
    chip = _issue(pki, printed_mrz, portrait_jpeg, signer=pki.untrusted)
    assert _verify(chip, pki, printed_mrz).reasons == ("ds_not_trusted",)


def test_impostor_csca_with_the_trusted_name(
    good_chip: ChipData, pki: TestPki, printed_mrz: str
) -> None:
    impostor = make_csca("other-seed", "csca", pki.csca.cert.subject, TODAY)
    trust = TrustList(cscas=(impostor.cert,), crls=(make_crl(impostor, [], TODAY),))
    result = verify_passive(good_chip, trust=trust, printed_mrz=printed_mrz, today=TODAY)
    assert result.reasons == ("ds_not_trusted",)


def test_tampered_dg2(pki: TestPki, printed_mrz: str, portrait_jpeg: bytes) -> None:
    chip = _issue(pki, printed_mrz, portrait_jpeg, tamper="dg2")
    assert _verify(chip, pki, printed_mrz).reasons == ("dg_hash_mismatch:DG2",)


def test_dg1_differs_from_printed_mrz(pki: TestPki, printed_mrz: str, portrait_jpeg: bytes) -> None:
    chip = _issue(pki, printed_mrz, portrait_jpeg, tamper="dg1")
    result = _verify(chip, pki, printed_mrz)
    assert result.reasons == ("dg1_mrz_mismatch",)


def test_dg1_swapped_after_signing(
    good_chip: ChipData, pki: TestPki, printed_mrz: str, portrait_jpeg: bytes
) -> None:
    other = _issue(pki, printed_mrz, portrait_jpeg, tamper="dg1")
    chip = dataclasses.replace(good_chip, dg1=other.dg1)
    assert _verify(chip, pki, printed_mrz).reasons == ("dg_hash_mismatch:DG1", "dg1_mrz_mismatch")


def test_sod_signature_bit_flip(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    info = cms.ContentInfo.load(expect_tlv(good_chip.sod, 0x77))
    signer_info = info["content"]["signer_infos"][0]
    signature = bytearray(signer_info["signature"].native)
    signature[-3] ^= 0x40
    signer_info["signature"] = bytes(signature)
    chip = dataclasses.replace(good_chip, sod=encode_tlv(0x77, info.dump(force=True)))
    assert _verify(chip, pki, printed_mrz).reasons == ("sod_signature_invalid",)


def test_rewritten_hashes_break_the_signature(
    pki: TestPki, printed_mrz: str, portrait_jpeg: bytes
) -> None:
    """An attacker who swaps DG2 and rewrites its hash in the SOD is caught."""
    genuine = _issue(pki, printed_mrz, portrait_jpeg)
    forged = _issue(pki, printed_mrz, portrait_jpeg, tamper="dg2")
    info = cms.ContentInfo.load(expect_tlv(genuine.sod, 0x77))
    lds = LdsSecurityObject.load(info["content"]["encap_content_info"]["content"].native)
    lds["dataGroupHashValues"][1]["dataGroupHashValue"] = hashlib.sha256(forged.dg2).digest()
    info["content"]["encap_content_info"]["content"] = lds.dump(force=True)
    chip = ChipData(dg1=genuine.dg1, dg2=forged.dg2, sod=encode_tlv(0x77, info.dump(force=True)))
    assert _verify(chip, pki, printed_mrz).reasons == ("sod_signature_invalid",)


def test_signer_identifier_names_a_missing_certificate(
    good_chip: ChipData, pki: TestPki, printed_mrz: str
) -> None:
    info = cms.ContentInfo.load(expect_tlv(good_chip.sod, 0x77))
    other = ax509.Certificate.load(pki.revoked.cert.public_bytes(serialization.Encoding.DER))
    info["content"]["certificates"] = [other]
    chip = dataclasses.replace(good_chip, sod=encode_tlv(0x77, info.dump(force=True)))
    assert _verify(chip, pki, printed_mrz).reasons == ("sod_signer_mismatch",)


def test_crl_missing(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    trust = TrustList(cscas=(pki.csca.cert,))
    result = verify_passive(good_chip, trust=trust, printed_mrz=printed_mrz, today=TODAY)
    assert result.reasons == ("crl_missing",)


def test_crl_signed_by_another_key(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    forger = make_csca("forger", "csca", pki.csca.cert.subject, TODAY)
    trust = TrustList(cscas=(pki.csca.cert,), crls=(make_crl(forger, [], TODAY),))
    result = verify_passive(good_chip, trust=trust, printed_mrz=printed_mrz, today=TODAY)
    assert result.reasons == ("crl_invalid",)


def test_stale_crl(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    later = TODAY + dt.timedelta(days=120)
    assert _verify(good_chip, pki, printed_mrz, today=later).reasons == ("crl_expired",)


def test_signer_not_yet_valid(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    earlier = TODAY - dt.timedelta(days=91)
    assert _verify(good_chip, pki, printed_mrz, today=earlier).reasons == ("ds_not_yet_valid",)


def test_csca_expired(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    much_later = TODAY + dt.timedelta(days=16 * 365)
    reasons = _verify(good_chip, pki, printed_mrz, today=much_later).reasons
    assert reasons == ("csca_expired", "ds_expired", "crl_expired")


def test_garbage_sod(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    chip = dataclasses.replace(good_chip, sod=b"\x77\x03abc")
    result = _verify(chip, pki, printed_mrz)
    assert result.reasons == ("sod_malformed",) and result.mrz_text is None


def test_malformed_dg1_and_dg2(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    chip = dataclasses.replace(good_chip, dg1=b"\x61\x00", dg2=good_chip.dg2[:-1])
    reasons = _verify(chip, pki, printed_mrz).reasons
    assert reasons == (
        "dg_hash_mismatch:DG1",
        "dg_hash_mismatch:DG2",
        "dg1_malformed",
        "dg2_malformed",
    )


def test_data_group_the_sod_does_not_cover(
    pki: TestPki, printed_mrz: str, portrait_jpeg: bytes
) -> None:
    genuine = _issue(pki, printed_mrz, portrait_jpeg)
    sod = build_sod(
        {1: genuine.dg1},
        signer_key=pki.good.key,
        signer_cert=pki.good.cert,
        signing_time=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    )
    chip = dataclasses.replace(genuine, sod=sod)
    assert _verify(chip, pki, printed_mrz).reasons == ("dg_hash_missing:DG2",)


def test_result_repr_shows_no_document_data(
    good_chip: ChipData, pki: TestPki, printed_mrz: str
) -> None:
    result = _verify(good_chip, pki, printed_mrz)
    for text in (repr(result), repr(good_chip), repr(result.portrait)):
        assert "ERIKSSON" not in text and "L898902C3" not in text
