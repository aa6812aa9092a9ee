"""Is the Document Signer vouched for by a trusted CSCA, in date and not revoked?

Signatures, not names, decide: a CSCA (or CRL) with the right name but the
wrong key is ignored. Dates are compared as whole UTC days against ``today``
(the kiosk's trusted clock).
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from openabc.epassport import errors
from openabc.epassport.trust import TrustList


def find_issuer(ds: x509.Certificate, trust: TrustList) -> x509.Certificate | None:
    """The trusted CSCA whose key signed ``ds``, if any."""
    for csca in trust.cscas_named(ds.issuer):
        try:
            ds.verify_directly_issued_by(csca)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        return csca
    return None


def validity_reason(cert: x509.Certificate, today: dt.date, *, expired: str) -> str | None:
    """``expired`` after notAfter; ``ds_not_yet_valid`` before notBefore."""
    if today > cert.not_valid_after_utc.date():
        return expired
    if today < cert.not_valid_before_utc.date():
        return errors.DS_NOT_YET_VALID
    return None


def revocation_reasons(
    ds: x509.Certificate, csca: x509.Certificate, trust: TrustList, today: dt.date
) -> list[str]:
    """Check the CSCA's CRL: present, signed by that CSCA, current, DS not on it."""
    candidates = trust.crls_from(csca.subject)
    if not candidates:
        return [errors.CRL_MISSING]
    key = csca.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return [errors.CRL_INVALID]
    signed = [crl for crl in candidates if _crl_signed_by(crl, key)]
    if not signed:
        return [errors.CRL_INVALID]
    crl = max(signed, key=lambda c: c.last_update_utc)
    reasons: list[str] = []
    next_update = crl.next_update_utc
    if next_update is None or today > next_update.date():
        reasons.append(errors.CRL_EXPIRED)
    if crl.get_revoked_certificate_by_serial_number(ds.serial_number) is not None:
        reasons.append(errors.DS_REVOKED)
    return reasons


def _crl_signed_by(
    crl: x509.CertificateRevocationList, key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey
) -> bool:
    try:
        return crl.is_signature_valid(key)
    except (ValueError, TypeError):
        return False
