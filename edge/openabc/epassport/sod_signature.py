"""Check the CMS signature of a parsed EF.SOD and the DG hashes it signs.

Supported: ECDSA and RSA PKCS#1 v1.5 signers, SHA-224/256/384/512 digests
(what current passports use). Anything else is an unsupported algorithm,
never a silent pass.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from openabc.epassport import errors
from openabc.epassport.sod import ParsedSod

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_RSA_PKCS1 = frozenset({"rsassa_pkcs1v15", "sha224_rsa", "sha256_rsa", "sha384_rsa", "sha512_rsa"})


def digest(algorithm: str, data: bytes) -> bytes | None:
    """``data`` hashed with a supported algorithm; None when unsupported."""
    factory = _HASHES.get(algorithm)
    if factory is None:
        return None
    hasher = hashes.Hash(factory())
    hasher.update(data)
    return hasher.finalize()


def signature_reason(sod: ParsedSod, signer: x509.Certificate) -> str | None:
    """None when the signed attributes bind the content and the DS key signed them."""
    factory = _HASHES.get(sod.digest_algorithm)
    content_digest = digest(sod.digest_algorithm, sod.econtent)
    if factory is None or content_digest is None:
        return errors.SOD_UNSUPPORTED_ALGORITHM
    if not hmac.compare_digest(content_digest, sod.message_digest):
        return errors.SOD_SIGNATURE_INVALID
    key = signer.public_key()
    scheme = sod.signature_algorithm
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and scheme.endswith("ecdsa"):
            key.verify(sod.signature, sod.signed_attrs, ec.ECDSA(factory()))
        elif isinstance(key, rsa.RSAPublicKey) and scheme in _RSA_PKCS1:
            key.verify(sod.signature, sod.signed_attrs, padding.PKCS1v15(), factory())
        else:
            return errors.SOD_UNSUPPORTED_ALGORITHM
    except (InvalidSignature, ValueError, UnsupportedAlgorithm):
        return errors.SOD_SIGNATURE_INVALID
    return None


def hash_reasons(sod: ParsedSod, data_groups: Mapping[int, bytes]) -> list[str]:
    """One reason per data group that is unhashed or whose hash differs."""
    reasons: list[str] = []
    for number, data in sorted(data_groups.items()):
        expected = sod.dg_hashes.get(number)
        if expected is None:
            reasons.append(errors.dg_hash_missing(number))
            continue
        actual = digest(sod.hash_algorithm, data)
        if actual is None:
            return [errors.SOD_UNSUPPORTED_ALGORITHM]
        if not hmac.compare_digest(actual, expected):
            reasons.append(errors.dg_hash_mismatch(number))
    return reasons
