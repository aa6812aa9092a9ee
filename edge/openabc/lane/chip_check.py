"""Lane step: passive authentication of the passport chip before any face work.

A self-service lane may only trust the face and MRZ of a document whose chip
proves them (Schengen Borders Code art. 8a), so every failure refers the
traveller with the precise reason code. The authenticated DG2 portrait, not
the printed one, is what the live face is compared with.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from openabc.config import TrustSettings
from openabc.epassport import errors
from openabc.epassport.chip import chip_from_bytes
from openabc.epassport.passive_auth import verify_passive
from openabc.epassport.trust import TrustList, crls_from_pem, trust_list_from_pem
from openabc.hal.base import DocumentScan, Frame
from openabc.hal.device_errors import CorruptFrame
from openabc.hal.images import decode_image
from openabc.lane.referral import Referral

logger = logging.getLogger(__name__)

_PROVISION_HINT = (
    "run `openabc seed` for the demo, or provision the agency's CSCA master list "
    "and CRLs as PEM files"
)


class TrustListUnavailable(RuntimeError):
    """The kiosk cannot verify chips: its CSCA trust list is missing or unusable."""


class ChipCheck:
    """Verify the chip a document scan carries against the kiosk's CSCA trust list."""

    def __init__(self, trust: TrustList, *, required: bool, today: Callable[[], dt.date]) -> None:
        self._trust = trust
        self._required = required
        self._today = today

    def verify(self, scan: DocumentScan, printed_mrz: str) -> Frame | None:
        """The authenticated DG2 portrait, decoded (the caller wipes it), or None without a
        chip when none is required.

        Raises ``Referral`` with reason codes only: ``chip_missing``,
        ``chip_unreadable``, passive-authentication reasons (all of them), or
        ``dg2_not_jpeg``/``dg2_image_corrupt`` for a portrait the face
        comparison could not use.
        """
        if not scan.chip:
            if self._required:
                raise self._refer(errors.CHIP_MISSING)
            return None
        try:
            chip = chip_from_bytes(scan.chip)
        except errors.ChipFormatError:
            raise self._refer(errors.CHIP_UNREADABLE) from None
        today = self._today()
        result = verify_passive(chip, trust=self._trust, printed_mrz=printed_mrz, today=today)
        if not result.ok or result.portrait is None:
            raise self._refer(*(result.reasons or (errors.DG2_MALFORMED,)))
        portrait = result.portrait
        if portrait.kind != "jpeg":
            raise self._refer(errors.DG2_NOT_JPEG)
        try:
            pixels = decode_image(portrait.image, formats=("JPEG",))
        except CorruptFrame:
            raise self._refer(errors.DG2_IMAGE_CORRUPT) from None
        if pixels.shape[:2] != (portrait.height, portrait.width):
            pixels.fill(0)
            raise self._refer(errors.DG2_IMAGE_CORRUPT)
        return pixels

    @staticmethod
    def _refer(*reasons: str) -> Referral:
        # Reason codes only: the chip holds names, numbers and the face.
        logger.info("chip refused: %s", ", ".join(reasons))
        return Referral(*reasons)


def load_trust_list(trust: TrustSettings) -> TrustList:
    """CSCAs from ``trust.csca_pem`` and CRLs from ``trust.crl_pem``.

    Raises ``TrustListUnavailable`` saying what the technician must do: a
    kiosk without a trust list would refer every traveller.
    """
    csca_data = _read(trust.csca_pem, "CSCA trust list")
    crl_data = _read(trust.crl_pem, "CSCA revocation list")
    try:
        trust_list = trust_list_from_pem(csca_data)
    except ValueError as exc:
        raise TrustListUnavailable(
            f"{trust.csca_pem} holds no valid CSCA certificate ({exc}): {_PROVISION_HINT}"
        ) from exc
    crls = _crls(crl_data, trust.crl_pem)
    if trust_list.crls:
        raise TrustListUnavailable(
            f"{trust.csca_pem} also holds CRLs; keep them in {trust.crl_pem} only"
        )
    loaded = TrustList(cscas=trust_list.cscas, crls=crls)
    _warn_unsigned_crls(loaded)
    logger.info("trust list: %d CSCA(s), %d CRL(s)", len(loaded.cscas), len(loaded.crls))
    return loaded


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TrustListUnavailable(
            f"cannot read the {what} {path} ({exc.strerror or type(exc).__name__}): "
            f"{_PROVISION_HINT}"
        ) from exc


def _crls(data: bytes, path: Path) -> tuple[x509.CertificateRevocationList, ...]:
    try:
        return crls_from_pem(data)
    except ValueError as exc:
        message = f"{path} is not a CRL bundle ({exc}): {_PROVISION_HINT}"
        raise TrustListUnavailable(message) from exc


def _warn_unsigned_crls(trust: TrustList) -> None:
    """A CRL no trusted CSCA signed is useless: every traveller of that CSCA would be
    referred with ``crl_invalid``/``crl_missing``; say so once at start-up."""
    for csca in trust.cscas:
        key = csca.public_key()
        signed = [
            crl
            for crl in trust.crls_from(csca.subject)
            if isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
            and crl.is_signature_valid(key)
        ]
        if not signed:
            logger.warning(
                "no valid CRL for CSCA %s: its passports will be referred",
                csca.subject.rfc4514_string(),
            )
