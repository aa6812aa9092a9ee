"""Errors and stable reason codes of passive authentication.

Reason codes are part of the lane's referral vocabulary: never rename one,
only add. They carry no personal data, so they may be logged.
"""

from __future__ import annotations

from typing import Final


class ChipFormatError(ValueError):
    """Chip bytes (DG1, DG2, EF.SOD) are not well-formed; the message says why."""


SOD_MALFORMED: Final = "sod_malformed"
SOD_UNSUPPORTED_ALGORITHM: Final = "sod_unsupported_algorithm"
SOD_SIGNER_MISMATCH: Final = "sod_signer_mismatch"
SOD_SIGNATURE_INVALID: Final = "sod_signature_invalid"
DS_NOT_TRUSTED: Final = "ds_not_trusted"
DS_EXPIRED: Final = "ds_expired"
DS_NOT_YET_VALID: Final = "ds_not_yet_valid"
CSCA_EXPIRED: Final = "csca_expired"
DS_REVOKED: Final = "ds_revoked"
CRL_MISSING: Final = "crl_missing"
CRL_INVALID: Final = "crl_invalid"
CRL_EXPIRED: Final = "crl_expired"
DG1_MALFORMED: Final = "dg1_malformed"
DG2_MALFORMED: Final = "dg2_malformed"
DG1_MRZ_MISMATCH: Final = "dg1_mrz_mismatch"
CHIP_MISSING: Final = "chip_missing"
"""No chip was read although the lane requires one (lane step, not passive auth)."""
CHIP_UNREADABLE: Final = "chip_unreadable"
"""The reader's chip bytes do not split into DG1, DG2 and EF.SOD."""
DG2_NOT_JPEG: Final = "dg2_not_jpeg"
"""Authentic DG2, but JPEG 2000 (or other) the face comparison cannot take."""
DG2_IMAGE_CORRUPT: Final = "dg2_image_corrupt"
"""Authentic DG2 whose portrait does not decode cleanly or disagrees with its header."""


def dg_hash_mismatch(number: int) -> str:
    """``dg_hash_mismatch:DG2``: the data group differs from what the signer hashed."""
    return f"dg_hash_mismatch:DG{number}"


def dg_hash_missing(number: int) -> str:
    """``dg_hash_missing:DG2``: the chip has the data group but the SOD has no hash for it."""
    return f"dg_hash_missing:DG{number}"
