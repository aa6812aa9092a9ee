"""Lane chip step: a genuine chip yields its portrait; each attack refers with its reason.

Chips come from the same emulator helper the demo lane uses
(``chip_bytes_for``), so what passes here is what the emulated reader serves.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.config import TrustSettings
from openabc.epassport.chip import ChipData
from openabc.epassport.chip_profile import CHIP_ATTACKS, ChipProfile
from openabc.epassport.dg1 import encode_dg1
from openabc.epassport.dg2 import encode_dg2
from openabc.epassport.emulated_chip import TestIssuer, chip_bytes_for, issuer_from_pki
from openabc.epassport.face_record import FaceImage
from openabc.epassport.sod_builder import build_sod
from openabc.epassport.testpki import TestPki, make_test_pki
from openabc.epassport.trust import TrustList
from openabc.hal.base import DocumentScan, Frame
from openabc.hal.emulated_doc_reader import EmulatedDocumentReader
from openabc.hal.images import decode_image
from openabc.lane.chip_check import ChipCheck, TrustListUnavailable, load_trust_list
from openabc.lane.referral import Referral
from openabc.mrz import compose_td3


def is_the_portrait(returned: Frame | None, portrait_jpeg: bytes) -> bool:
    """The check hands back the chip's portrait, decoded."""
    return returned is not None and np.array_equal(returned, decode_image(portrait_jpeg))


TODAY = dt.date(2026, 11, 27)
REPO = Path(__file__).resolve().parents[2]
SURNAME = "LINDQVIST"


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return make_test_pki("chip-check-tests", today=TODAY)


@pytest.fixture(scope="module")
def issuer(pki: TestPki) -> TestIssuer:
    return issuer_from_pki(pki)


@pytest.fixture(scope="module")
def trust(pki: TestPki) -> TrustList:
    return pki.trust_list()


@pytest.fixture(scope="module")
def mrz() -> str:
    line1, line2 = compose_td3(
        issuing_state="UTO",
        surname=SURNAME,
        given_names="Karin",
        document_number="X12345678",
        nationality="UTO",
        birth_date=dt.date(1981, 3, 9),
        sex="F",
        expiry_date=dt.date(2031, 2, 1),
    )
    return f"{line1}\n{line2}"


@pytest.fixture(scope="module")
def portrait() -> bytes:
    """A real seed photo: the size and kind of portrait the demo puts on chips."""
    path = REPO / "seeds" / "faces" / "obama.jpg"
    if path.is_file():
        return path.read_bytes()
    return _jpeg(160, 200)


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (150, 120, 100)).save(out, "JPEG", quality=85)
    return out.getvalue()


def _check(trust: TrustList, *, required: bool = True, today: dt.date = TODAY) -> ChipCheck:
    return ChipCheck(trust, required=required, today=lambda: today)


def _scan(mrz: str, portrait: bytes, chip: bytes) -> DocumentScan:
    return DocumentScan(mrz_text=mrz, portrait_jpeg=portrait, chip=chip)


def _chip(mrz: str, portrait: bytes, issuer: TestIssuer, **profile: object) -> bytes:
    return chip_bytes_for(mrz, portrait, ChipProfile.model_validate(profile), issuer, TODAY)


def _reasons(check: ChipCheck, scan: DocumentScan, mrz: str) -> tuple[str, ...]:
    with pytest.raises(Referral) as refused:
        check.verify(scan, mrz)
    return refused.value.reasons


def test_genuine_chip_yields_the_authenticated_portrait(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes
) -> None:
    scan = _scan(mrz, portrait, _chip(mrz, portrait, issuer))
    assert is_the_portrait(_check(trust).verify(scan, mrz), portrait)


def test_the_hil_attacks_are_all_covered() -> None:
    assert {"tampered_dg2", "unknown_csca", "expired_signer", "dg1_mrz_mismatch"} <= set(
        CHIP_ATTACKS
    )


@pytest.mark.parametrize("attack", sorted(CHIP_ATTACKS))
def test_each_attack_is_refused_with_its_reason(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes, attack: str
) -> None:
    profile, reasons = CHIP_ATTACKS[attack]
    chip = chip_bytes_for(mrz, portrait, profile, issuer, TODAY)
    assert _reasons(_check(trust), _scan(mrz, portrait, chip), mrz) == reasons


def test_reasons_are_the_documented_codes(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes
) -> None:
    expected = {
        "dg2": ("dg_hash_mismatch:DG2",),
        "dg1": ("dg1_mrz_mismatch",),
    }
    for tamper, reasons in expected.items():
        scan = _scan(mrz, portrait, _chip(mrz, portrait, issuer, tamper=tamper))
        assert _reasons(_check(trust), scan, mrz) == reasons
    for signer, reasons in {
        "untrusted": ("ds_not_trusted",),
        "expired": ("ds_expired",),
        "revoked": ("ds_revoked",),
    }.items():
        scan = _scan(mrz, portrait, _chip(mrz, portrait, issuer, signer=signer))
        assert _reasons(_check(trust), scan, mrz) == reasons


def test_chip_of_another_document_is_refused(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes
) -> None:
    other = mrz.replace("X12345678", "X12345670")  # genuine chip, other booklet's MRZ
    scan = _scan(other, portrait, _chip(mrz, portrait, issuer))
    assert _reasons(_check(trust), scan, other) == ("dg1_mrz_mismatch",)


def test_missing_chip_refers_when_required(trust: TrustList, mrz: str, portrait: bytes) -> None:
    assert _reasons(_check(trust), _scan(mrz, portrait, b""), mrz) == ("chip_missing",)


def test_missing_chip_is_allowed_when_optional(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes
) -> None:
    chip = _chip(mrz, portrait, issuer, present=False)
    assert chip == b""
    assert _check(trust, required=False).verify(_scan(mrz, portrait, chip), mrz) is None


def test_optional_chip_is_still_verified_when_present(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes
) -> None:
    scan = _scan(mrz, portrait, _chip(mrz, portrait, issuer, tamper="dg2"))
    assert _reasons(_check(trust, required=False), scan, mrz) == ("dg_hash_mismatch:DG2",)


@pytest.mark.parametrize(
    "garbage",
    [b"\x00", b"not a chip at all", b"\x61\x05ab", b"\x61\x82\xff\xff" + b"A" * 10],
    ids=["zero", "text", "short-dg1", "overlong-length"],
)
def test_garbage_chip_bytes_are_unreadable(
    trust: TrustList, mrz: str, portrait: bytes, garbage: bytes
) -> None:
    assert _reasons(_check(trust), _scan(mrz, portrait, garbage), mrz) == ("chip_unreadable",)


def test_truncated_chip_is_unreadable(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes
) -> None:
    chip = _chip(mrz, portrait, issuer)
    scan = _scan(mrz, portrait, chip[: len(chip) - 40])
    assert _reasons(_check(trust), scan, mrz) == ("chip_unreadable",)


def test_the_kiosk_clock_is_read_at_each_verification(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes
) -> None:
    days = iter([TODAY, TODAY + dt.timedelta(days=100)])
    check = ChipCheck(trust, required=True, today=lambda: next(days))
    scan = _scan(mrz, portrait, _chip(mrz, portrait, issuer))
    assert is_the_portrait(check.verify(scan, mrz), portrait)
    assert _reasons(check, scan, mrz) == ("crl_expired",)  # 89-day CRL, never refreshed


def _signed_chip(pki: TestPki, mrz: str, face: FaceImage) -> bytes:
    """A correctly signed chip around any face, to test what the lane accepts as DG2."""
    dg1, dg2 = encode_dg1(mrz), encode_dg2(face)
    signed = dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.UTC)
    sod = build_sod(
        {1: dg1, 2: dg2}, signer_key=pki.good.key, signer_cert=pki.good.cert, signing_time=signed
    )
    return ChipData(dg1=dg1, dg2=dg2, sod=sod).to_bytes()


def test_jpeg2000_portrait_is_refused(pki: TestPki, trust: TrustList, mrz: str) -> None:
    face = FaceImage(
        image=b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\0" * 64, kind="jpeg2000", width=160, height=200
    )
    scan = _scan(mrz, b"", _signed_chip(pki, mrz, face))
    assert _reasons(_check(trust), scan, mrz) == ("dg2_not_jpeg",)


@pytest.mark.parametrize(
    ("image", "size"),
    [
        (_jpeg(160, 200)[:-300], (160, 200)),  # truncated: no end-of-image marker
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200 + b"\xff\xd9", (160, 200)),  # not a JPEG inside
        (_jpeg(160, 200), (320, 400)),  # header and image disagree
    ],
    ids=["truncated", "corrupt", "size-mismatch"],
)
def test_portrait_that_does_not_decode_cleanly_is_refused(
    pki: TestPki, trust: TrustList, mrz: str, image: bytes, size: tuple[int, int]
) -> None:
    face = FaceImage(image=image, kind="jpeg", width=size[0], height=size[1])
    scan = _scan(mrz, b"", _signed_chip(pki, mrz, face))
    assert _reasons(_check(trust), scan, mrz) == ("dg2_image_corrupt",)


def test_round_trip_through_the_emulated_reader(
    trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes
) -> None:
    check = _check(trust)
    with EmulatedDocumentReader() as reader:
        reader.present(mrz, portrait, _chip(mrz, portrait, issuer))
        reader.present(mrz, portrait, _chip(mrz, portrait, issuer, tamper="dg2"))
        reader.present(mrz, portrait)
        genuine, tampered, chipless = (reader.read_document(timeout=5.0) for _ in range(3))
    assert is_the_portrait(check.verify(genuine, genuine.mrz_text), portrait)
    assert _reasons(check, tampered, tampered.mrz_text) == ("dg_hash_mismatch:DG2",)
    assert _reasons(check, chipless, chipless.mrz_text) == ("chip_missing",)


def test_nothing_personal_in_referrals_or_logs(
    trust: TrustList,
    issuer: TestIssuer,
    mrz: str,
    portrait: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for profile in ({"tamper": "dg1"}, {"signer": "revoked"}, {"present": False}):
        scan = _scan(mrz, portrait, _chip(mrz, portrait, issuer, **profile))
        with pytest.raises(Referral) as refused:
            _check(trust).verify(scan, mrz)
        assert SURNAME not in str(refused.value) and "X1234567" not in str(refused.value)
    assert caplog.records
    assert SURNAME not in caplog.text and "X1234567" not in caplog.text


def test_verify_latency(trust: TrustList, issuer: TestIssuer, mrz: str, portrait: bytes) -> None:
    check = _check(trust)
    scan = _scan(mrz, portrait, _chip(mrz, portrait, issuer))
    durations = []
    for _ in range(30):
        start = time.perf_counter()
        check.verify(scan, mrz)
        durations.append(time.perf_counter() - start)
    p50 = statistics.median(durations) * 1000
    print(f"ChipCheck.verify p50 {p50:.2f} ms ({len(portrait)} B portrait, 30 runs)")
    assert p50 < 100.0  # a fraction of the lane's document step budget


# --- the kiosk's trust list files ------------------------------------------------------


def _trust_files(tmp_path: Path, pki: TestPki) -> TrustSettings:
    from cryptography.hazmat.primitives import serialization

    settings = TrustSettings(csca_pem=tmp_path / "csca.pem", crl_pem=tmp_path / "crl.pem")
    settings.csca_pem.write_bytes(pki.csca.cert.public_bytes(serialization.Encoding.PEM))
    settings.crl_pem.write_bytes(pki.crl.public_bytes(serialization.Encoding.PEM))
    return settings


def test_trust_list_loads_from_its_files(tmp_path: Path, pki: TestPki) -> None:
    loaded = load_trust_list(_trust_files(tmp_path, pki))
    assert loaded.cscas == (pki.csca.cert,) and loaded.crls == (pki.crl,)


def test_missing_trust_list_tells_the_technician_what_to_do(tmp_path: Path, pki: TestPki) -> None:
    settings = _trust_files(tmp_path, pki)
    settings.crl_pem.unlink()
    with pytest.raises(TrustListUnavailable, match="openabc seed.*master list"):
        load_trust_list(settings)
    settings.csca_pem.unlink()
    with pytest.raises(TrustListUnavailable, match=r"csca\.pem"):
        load_trust_list(settings)


@pytest.mark.parametrize("which", ["csca", "crl", "swapped"])
def test_invalid_trust_list_files_are_refused(tmp_path: Path, pki: TestPki, which: str) -> None:
    settings = _trust_files(tmp_path, pki)
    if which == "csca":
        settings.csca_pem.write_bytes(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        )
    elif which == "crl":
        settings.crl_pem.write_bytes(b"nothing here\n")
    else:
        csca, crl = settings.csca_pem.read_bytes(), settings.crl_pem.read_bytes()
        settings.csca_pem.write_bytes(csca + crl)
    with pytest.raises(TrustListUnavailable):
        load_trust_list(settings)
