"""Shared test PKI, printed MRZ and portrait for the ePassport tests."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from openabc.epassport.chip import ChipData
from openabc.epassport.issuer import issue_chip
from openabc.epassport.testpki import TestPki, make_test_pki
from openabc.mrz import compose_td3

TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return make_test_pki("epassport-tests", today=TODAY)


@pytest.fixture(scope="session")
def printed_mrz() -> str:
    line1, line2 = compose_td3(
        issuing_state="UTO",
        surname="Eriksson",
        given_names="Anna Maria",
        document_number="L898902C3",
        nationality="UTO",
        birth_date=dt.date(1974, 8, 12),
        sex="F",
        expiry_date=dt.date(2030, 4, 15),
    )
    return f"{line1}\n{line2}"


@pytest.fixture(scope="session")
def portrait_jpeg() -> bytes:
    image = Image.new("RGB", (96, 128), (170, 130, 110))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture(scope="session")
def good_chip(pki: TestPki, printed_mrz: str, portrait_jpeg: bytes) -> ChipData:
    return issue_chip(printed_mrz, portrait_jpeg, signer=pki.good, issued=TODAY)
