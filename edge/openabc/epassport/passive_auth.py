"""Passive authentication (ICAO 9303-11 §5.1) of an emulated or real chip.

Every check runs that can run, so the result lists all failures in a stable
order; the lane refers on any reason. Only reason codes leave this module,
never document contents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openabc.epassport import errors
from openabc.epassport.chain import find_issuer, revocation_reasons, validity_reason
from openabc.epassport.chip import ChipData
from openabc.epassport.dg1 import decode_dg1, normalise_mrz
from openabc.epassport.dg2 import decode_dg2
from openabc.epassport.errors import ChipFormatError
from openabc.epassport.face_record import FaceImage
from openabc.epassport.sod import ParsedSod, parse_sod
from openabc.epassport.sod_signature import hash_reasons, signature_reason
from openabc.epassport.trust import TrustList


@dataclass(frozen=True, slots=True, repr=False)
class PassiveAuthResult:
    """Reasons (empty when genuine) plus the chip's MRZ and face for later steps.

    ``mrz_text`` and ``portrait`` are filled when they parse, even on failure,
    but only a result with ``ok`` may feed the face comparison.
    """

    reasons: tuple[str, ...]
    mrz_text: str | None = None
    portrait: FaceImage | None = None

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str | None:
        """The first failure, for a one-line referral."""
        return self.reasons[0] if self.reasons else None

    def __repr__(self) -> str:
        return f"PassiveAuthResult(ok={self.ok}, reasons={self.reasons})"


def verify_passive(
    chip: ChipData, *, trust: TrustList, printed_mrz: str, today: dt.date
) -> PassiveAuthResult:
    """Check SOD signature, DS chain/dates/CRL, DG hashes and DG1 against the printed MRZ."""
    try:
        sod = parse_sod(chip.sod)
    except ChipFormatError:
        return PassiveAuthResult(reasons=(errors.SOD_MALFORMED,))
    reasons = _signer_reasons(sod, trust, today)
    reasons += hash_reasons(sod, chip.data_groups())
    mrz_text, portrait = None, None
    try:
        mrz_text = decode_dg1(chip.dg1)
    except ChipFormatError:
        reasons.append(errors.DG1_MALFORMED)
    else:
        if normalise_mrz(mrz_text) != normalise_mrz(printed_mrz):
            reasons.append(errors.DG1_MRZ_MISMATCH)
    try:
        portrait = decode_dg2(chip.dg2)
    except ChipFormatError:
        reasons.append(errors.DG2_MALFORMED)
    return PassiveAuthResult(reasons=tuple(reasons), mrz_text=mrz_text, portrait=portrait)


def _signer_reasons(sod: ParsedSod, trust: TrustList, today: dt.date) -> list[str]:
    ds = sod.signer
    if ds is None:
        return [errors.SOD_SIGNER_MISMATCH]
    reasons: list[str] = []
    signature = signature_reason(sod, ds)
    if signature is not None:
        reasons.append(signature)
    csca = find_issuer(ds, trust)
    if csca is None:
        return [*reasons, errors.DS_NOT_TRUSTED]
    for cert, expired in ((csca, errors.CSCA_EXPIRED), (ds, errors.DS_EXPIRED)):
        dated = validity_reason(cert, today, expired=expired)
        if dated is not None:
            reasons.append(dated)
    return reasons + revocation_reasons(ds, csca, trust, today)
