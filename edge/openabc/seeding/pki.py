"""The site's passport PKI for the demo: the kiosk trust list and the emulator's issuer.

``openabc seed`` derives a test PKI from the generator seed and writes the
public half where every kiosk looks for its CSCA master list
(``settings.trust``) and the TEST-ONLY Document Signer keys next to it,
under ``test-issuer/``, for the emulated document reader. Same seed and
seeding day, same bytes; dates (signer validity, CRL next update) follow
the seeding day, like the EES histories.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from openabc.config import TrustSettings
from openabc.epassport.emulated_chip import issuer_from_pki, save_test_issuer, write_file_atomic
from openabc.epassport.testpki import TestPki, make_test_pki

TEST_ISSUER_DIR = "test-issuer"
_PUBLIC_FILE = 0o644
TEST_COUNTRY = "UT"
"""ISO 3166 user-assigned code: the test CSCA belongs to no real country."""


@dataclass(frozen=True)
class SitePki:
    """Where ``write_site_pki`` put things."""

    csca_pem: Path
    crl_pem: Path
    test_issuer_dir: Path


def issuer_dir_for(trust: TrustSettings) -> Path:
    """The emulator's TEST issuing material sits next to the trust list it chains to."""
    return trust.csca_pem.parent / TEST_ISSUER_DIR


def site_test_pki(seed: int, today: dt.date) -> TestPki:
    """The test PKI of a seeded site (also for tests that need its private keys)."""
    return make_test_pki(f"openabc-seed-{seed}", today=today, country=TEST_COUNTRY)


def write_site_pki(trust: TrustSettings, *, seed: int, today: dt.date) -> SitePki:
    """Write the CSCA and CRL PEM bundles and the TEST issuer directory."""
    pki = site_test_pki(seed, today)
    for path in (trust.csca_pem, trust.crl_pem):
        path.parent.mkdir(parents=True, exist_ok=True)
    # Public files, replaced atomically: a kiosk may be (re)loading them right now.
    csca, crl = (item.public_bytes(serialization.Encoding.PEM) for item in (pki.csca.cert, pki.crl))
    write_file_atomic(trust.csca_pem, csca, mode=_PUBLIC_FILE)
    write_file_atomic(trust.crl_pem, crl, mode=_PUBLIC_FILE)
    issuer_dir = issuer_dir_for(trust)
    save_test_issuer(issuer_from_pki(pki), issuer_dir)
    return SitePki(csca_pem=trust.csca_pem, crl_pem=trust.crl_pem, test_issuer_dir=issuer_dir)
