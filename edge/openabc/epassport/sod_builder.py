"""Write EF.SOD the way an issuing state does (for the emulated chip and tests).

The SignerInfo names the Document Signer by issuer and serial number, signs
content-type, message-digest and signing-time, and the DS certificate
travels inside the SignedData as ICAO 9303-10 recommends.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

from asn1crypto import algos, cms, x509  # type: ignore[import-untyped]
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from openabc.epassport.lds_asn1 import LDS_SECURITY_OBJECT_OID, LdsSecurityObject
from openabc.epassport.sod import SOD_TAG
from openabc.epassport.tlv import encode_tlv


def lds_security_object(data_groups: Mapping[int, bytes]) -> bytes:
    """DER LDS security object with the SHA-256 hash of each data group."""
    values = [
        {"dataGroupNumber": number, "dataGroupHashValue": hashlib.sha256(data).digest()}
        for number, data in sorted(data_groups.items())
    ]
    return bytes(
        LdsSecurityObject(
            {"version": 0, "hashAlgorithm": {"algorithm": "sha256"}, "dataGroupHashValues": values}
        ).dump()
    )


def build_sod(
    data_groups: Mapping[int, bytes],
    *,
    signer_key: ec.EllipticCurvePrivateKey,
    signer_cert: cx509.Certificate,
    signing_time: dt.datetime,
) -> bytes:
    """EF.SOD over ``data_groups`` (number -> file bytes), ECDSA P-256 / SHA-256."""
    econtent = lds_security_object(data_groups)
    cert = x509.Certificate.load(signer_cert.public_bytes(serialization.Encoding.DER))
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [LDS_SECURITY_OBJECT_OID]},
            {"type": "message_digest", "values": [hashlib.sha256(econtent).digest()]},
            {"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]},
        ]
    )
    signature = signer_key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    signer_info = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            {
                "issuer_and_serial_number": {
                    "issuer": cert.issuer,
                    "serial_number": cert.serial_number,
                }
            }
        ),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        "signature": signature,
    }
    signed_data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {
                "content_type": LDS_SECURITY_OBJECT_OID,
                "content": econtent,
            },
            "certificates": [cert],
            "signer_infos": [signer_info],
        }
    )
    info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return encode_tlv(SOD_TAG, bytes(info.dump()))
