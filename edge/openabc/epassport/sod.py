"""Read EF.SOD: tag 0x77 around a CMS SignedData over an LDS security object.

Parsing only; nothing here is trusted yet. ``verify_passive`` checks the
signature, the signer and the hashes. asn1crypto raises many exception types
on hostile input; all of them become ``ChipFormatError`` here.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from openabc.epassport.errors import ChipFormatError
from openabc.epassport.lds_asn1 import LDS_SECURITY_OBJECT_OID, LdsSecurityObject
from openabc.epassport.tlv import expect_tlv

SOD_TAG = 0x77
MAX_SOD_BYTES = 64 * 1024
MAX_DATA_GROUP = 16
_PARSE_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    AttributeError,
    RecursionError,
)


@dataclass(frozen=True, slots=True, repr=False)
class ParsedSod:
    """The pieces of an EF.SOD that passive authentication checks.

    ``signer`` is None when the SOD carries certificates but none is the
    one its SignerInfo names.
    """

    signer: x509.Certificate | None
    signed_attrs: bytes
    """DER of the signed attributes with the SET tag, i.e. exactly what was signed."""
    signature: bytes
    signature_algorithm: str
    """asn1crypto's name, e.g. ``sha256_ecdsa``, ``sha256_rsa``, ``rsassa_pss``."""
    digest_algorithm: str
    message_digest: bytes
    econtent: bytes
    hash_algorithm: str
    dg_hashes: dict[int, bytes]

    def __repr__(self) -> str:
        return f"ParsedSod(dgs={sorted(self.dg_hashes)}, hash={self.hash_algorithm})"


def parse_sod(data: bytes) -> ParsedSod:
    """Decode EF.SOD; anything malformed raises ``ChipFormatError``."""
    der = expect_tlv(data, SOD_TAG, limit=MAX_SOD_BYTES)
    try:
        return _parse_signed_data(der)
    except ChipFormatError:
        raise
    except _PARSE_ERRORS as exc:
        raise ChipFormatError(f"EF.SOD is not a CMS SignedData ({type(exc).__name__})") from exc


def _parse_signed_data(der: bytes) -> ParsedSod:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise ChipFormatError("EF.SOD content is not SignedData")
    signed = info["content"]
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
        raise ChipFormatError("EF.SOD does not hold an LDS security object")
    econtent = encap["content"].native
    if not isinstance(econtent, bytes):
        raise ChipFormatError("EF.SOD has no encapsulated content")
    if len(signed["signer_infos"]) != 1:
        raise ChipFormatError("EF.SOD must have exactly one SignerInfo")
    signer_info = signed["signer_infos"][0]
    attrs = signer_info["signed_attrs"]
    if len(attrs) == 0:
        raise ChipFormatError("EF.SOD SignerInfo has no signed attributes")
    content_type, digest = _signed_attr_values(attrs)
    if content_type != LDS_SECURITY_OBJECT_OID:
        raise ChipFormatError("signed content-type is not the LDS security object")
    hash_algorithm, dg_hashes = _parse_lds(econtent)
    return ParsedSod(
        signer=_find_signer(signed["certificates"], signer_info["sid"]),
        signed_attrs=b"\x31" + attrs.dump()[1:],
        signature=bytes(signer_info["signature"].native),
        signature_algorithm=str(signer_info["signature_algorithm"]["algorithm"].native),
        digest_algorithm=str(signer_info["digest_algorithm"]["algorithm"].native),
        message_digest=digest,
        econtent=econtent,
        hash_algorithm=hash_algorithm,
        dg_hashes=dg_hashes,
    )


def _signed_attr_values(attrs: cms.CMSAttributes) -> tuple[str, bytes]:
    found: dict[str, object] = {}
    for attr in attrs:
        name = attr["type"].native
        values = attr["values"]
        if name in found or len(values) != 1:
            raise ChipFormatError(f"signed attribute {name} repeated or multi-valued")
        found[name] = values[0].dotted if name == "content_type" else values[0].native
    digest = found.get("message_digest")
    content_type = found.get("content_type")
    if not isinstance(digest, bytes) or not isinstance(content_type, str):
        raise ChipFormatError("signed attributes lack content-type or message-digest")
    return content_type, digest


def _parse_lds(econtent: bytes) -> tuple[str, dict[int, bytes]]:
    lds = LdsSecurityObject.load(econtent, strict=True)
    hashes: dict[int, bytes] = {}
    for entry in lds["dataGroupHashValues"]:
        number, value = entry["dataGroupNumber"].native, entry["dataGroupHashValue"].native
        if not 1 <= number <= MAX_DATA_GROUP or number in hashes:
            raise ChipFormatError("LDS security object has a bad or repeated data group number")
        hashes[number] = bytes(value)
    if not hashes:
        raise ChipFormatError("LDS security object lists no data group")
    return str(lds["hashAlgorithm"]["algorithm"].native), hashes


def _find_signer(
    certificates: cms.CertificateSet, sid: cms.SignerIdentifier
) -> x509.Certificate | None:
    if len(certificates) == 0:
        raise ChipFormatError("EF.SOD carries no Document Signer certificate")
    for choice in certificates:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            named = sid.chosen
            matches = (
                named["issuer"] == cert.issuer
                and named["serial_number"].native == cert.serial_number
            )
        else:
            matches = sid.chosen.native == cert.key_identifier
        if matches:
            return _load_cert(cert.dump())
    return None


def _load_cert(der: bytes) -> x509.Certificate:
    """Load and touch every lazily parsed field passive authentication reads."""
    try:
        cert = x509.load_der_x509_certificate(der)
        cert.public_key()
        _ = (cert.issuer, cert.subject, cert.serial_number, cert.signature_hash_algorithm)
        _ = (cert.not_valid_before_utc, cert.not_valid_after_utc)
    except (ValueError, UnsupportedAlgorithm, x509.InvalidVersion) as exc:
        raise ChipFormatError("Document Signer certificate is not usable X.509") from exc
    return cert
