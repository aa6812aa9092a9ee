"""Personalise an emulated chip: DG1 and DG2 from the printed page, signed SOD.

Tampering happens where an attacker would do it: ``dg2`` alters the face
after signing (hash check catches it); ``dg1`` signs a chip whose MRZ
differs from the printed page, as with a genuine chip moved into a forged
booklet (only the DG1/MRZ comparison catches it).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from openabc.epassport.chip import ChipData
from openabc.epassport.dg1 import encode_dg1
from openabc.epassport.dg2 import encode_dg2
from openabc.epassport.face_record import FaceImage
from openabc.epassport.sod_builder import build_sod

Tamper = Literal["none", "dg1", "dg2"]
_NAME_START = 5


@dataclass(frozen=True, slots=True, repr=False)
class Signer:
    """A private key and its certificate (a CSCA or a Document Signer)."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def __repr__(self) -> str:
        return f"Signer({self.cert.subject.rfc4514_string()})"


def face_from_jpeg(portrait_jpeg: bytes) -> FaceImage:
    """A DG2 face from JPEG bytes; reads only the header for the size."""
    with Image.open(io.BytesIO(portrait_jpeg)) as image:
        if image.format != "JPEG":
            raise ValueError("the chip portrait must be a JPEG")
        width, height = image.size
    return FaceImage(image=portrait_jpeg, kind="jpeg", width=width, height=height)


def issue_chip(
    mrz_text: str,
    portrait_jpeg: bytes,
    *,
    signer: Signer,
    issued: dt.date,
    tamper: Tamper = "none",
) -> ChipData:
    """The chip of a passport with this printed MRZ and portrait."""
    chip_mrz = _other_mrz(mrz_text) if tamper == "dg1" else mrz_text
    face = face_from_jpeg(portrait_jpeg)
    dg1, dg2 = encode_dg1(chip_mrz), encode_dg2(face)
    signing_time = dt.datetime.combine(issued, dt.time(9, 0), tzinfo=dt.UTC)
    sod = build_sod(
        {1: dg1, 2: dg2}, signer_key=signer.key, signer_cert=signer.cert, signing_time=signing_time
    )
    if tamper == "dg2":
        dg2 = _flip_image_byte(dg2, len(face.image))
    return ChipData(dg1=dg1, dg2=dg2, sod=sod)


def _other_mrz(mrz_text: str) -> str:
    """Same MRZ with one surname letter changed (line 1 has no check digit over it)."""
    chars = list(mrz_text)
    chars[_NAME_START] = "X" if chars[_NAME_START] != "X" else "Y"
    return "".join(chars)


def _flip_image_byte(dg2: bytes, image_length: int) -> bytes:
    """Flip a bit in the middle of the image (the image ends DG2), keeping the structure."""
    index = len(dg2) - image_length // 2 - 1
    altered = bytearray(dg2)
    altered[index] ^= 0x01
    return bytes(altered)
