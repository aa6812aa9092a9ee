"""ASN.1 of the LDS security object (ICAO 9303-10 §4.6.2), for asn1crypto.

The SOD's eContent stays an opaque OCTET STRING inside CMS (asn1crypto's
global OID maps are left alone) and is decoded with these classes.
"""

from __future__ import annotations

from asn1crypto.algos import DigestAlgorithm  # type: ignore[import-untyped]
from asn1crypto.core import (  # type: ignore[import-untyped]
    Integer,
    OctetString,
    PrintableString,
    Sequence,
    SequenceOf,
)

LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"


class DataGroupHash(Sequence):  # type: ignore[misc]
    _fields = [("dataGroupNumber", Integer), ("dataGroupHashValue", OctetString)]


class DataGroupHashValues(SequenceOf):  # type: ignore[misc]
    _child_spec = DataGroupHash


class LdsVersionInfo(Sequence):  # type: ignore[misc]
    _fields = [("ldsVersion", PrintableString), ("unicodeVersion", PrintableString)]


class LdsSecurityObject(Sequence):  # type: ignore[misc]
    _fields = [
        ("version", Integer),
        ("hashAlgorithm", DigestAlgorithm),
        ("dataGroupHashValues", DataGroupHashValues),
        ("ldsVersionInfo", LdsVersionInfo, {"optional": True}),
    ]
