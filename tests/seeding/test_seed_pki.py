"""`openabc seed` writes the site passport PKI: a trust list kiosks load, and a
TEST-ONLY issuer for the emulated reader, private and deterministic."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import numpy as np
import pytest

from openabc.config import MatcherSettings, OpenAbcSettings, TrustSettings
from openabc.epassport.chip_profile import ChipProfile
from openabc.epassport.emulated_chip import chip_bytes_for, load_test_issuer
from openabc.hal.base import DocumentScan, Frame
from openabc.hal.images import decode_image
from openabc.lane.chip_check import ChipCheck, load_trust_list
from openabc.lane.referral import Referral
from openabc.seeding.cli import run_seed
from openabc.seeding.fakes import fake_template_for_image
from openabc.seeding.models import SeedTraveller, load_population
from openabc.seeding.pki import issuer_dir_for, write_site_pki

TODAY = dt.date(2026, 11, 27)
REPO = Path(__file__).resolve().parents[2]


def _trust(root: Path) -> TrustSettings:
    return TrustSettings(csca_pem=root / "pki" / "csca.pem", crl_pem=root / "pki" / "crl.pem")


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> OpenAbcSettings:
    """One real `openabc seed` run (fake face templates, no filler)."""
    root = tmp_path_factory.mktemp("seeded-pki")
    settings = OpenAbcSettings(
        seeds_dir=root / "seeds",
        matcher=MatcherSettings(database=root / "m.sqlite3"),
        trust=_trust(root),
    )
    run_seed(settings, template_for_image=fake_template_for_image, filler=0, seed=7, today=TODAY)
    return settings


def test_seed_writes_the_trust_list_and_a_private_test_issuer(seeded: OpenAbcSettings) -> None:
    trust = seeded.trust
    assert trust.csca_pem.is_file() and trust.crl_pem.is_file()
    issuer_dir = issuer_dir_for(trust)
    assert issuer_dir == trust.csca_pem.parent / "test-issuer"
    assert stat.S_IMODE(issuer_dir.stat().st_mode) == 0o700
    names = sorted(p.name for p in issuer_dir.iterdir())
    assert names and all(name.startswith("TEST-ONLY-") for name in names)
    assert {
        f"TEST-ONLY-ds-{n}.key.pem" for n in ("good", "expired", "revoked", "untrusted")
    } <= set(names)
    for path in issuer_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert b"PRIVATE KEY" not in trust.csca_pem.read_bytes() + trust.crl_pem.read_bytes()
    assert stat.S_IMODE(trust.csca_pem.stat().st_mode) == 0o644  # public: kiosks read it
    assert sorted(p.name for p in trust.csca_pem.parent.iterdir()) == [
        "crl.pem",
        "csca.pem",
        "test-issuer",
    ]


def test_trust_list_loads_and_the_issuer_chains_to_it(seeded: OpenAbcSettings) -> None:
    trust = load_trust_list(seeded.trust)
    assert len(trust.cscas) == 1 and len(trust.crls) == 1
    csca = trust.cscas[0]
    issuer = load_test_issuer(issuer_dir_for(seeded.trust))
    for name in ("good", "expired", "revoked"):
        issuer.signer(name).cert.verify_directly_issued_by(csca)
    untrusted = issuer.signer("untrusted").cert
    assert untrusted.issuer == issuer.untrusted_csca.subject != csca.subject
    untrusted.verify_directly_issued_by(issuer.untrusted_csca)
    revoked = issuer.signer("revoked").cert.serial_number
    assert trust.crls[0].get_revoked_certificate_by_serial_number(revoked) is not None
    assert trust.crls[0].is_signature_valid(csca.public_key())  # type: ignore[arg-type]


def test_seeded_traveller_chips_verify_at_the_kiosk(seeded: OpenAbcSettings) -> None:
    """What `make demo` does: the emulator's chip, the kiosk's trust list, same seed."""
    traveller = load_population(seeded.seeds_dir / "population.json").travellers[0]
    portrait = (REPO / "seeds" / "faces" / traveller.portrait_image).read_bytes()
    issuer = load_test_issuer(issuer_dir_for(seeded.trust))
    check = ChipCheck(load_trust_list(seeded.trust), required=True, today=lambda: TODAY)

    def verify(profile: ChipProfile) -> Frame | None:
        chip = chip_bytes_for(traveller.mrz_text, portrait, profile, issuer, TODAY)
        return check.verify(DocumentScan(traveller.mrz_text, portrait, chip), traveller.mrz_text)

    assert traveller.chip == ChipProfile()
    returned = verify(traveller.chip)  # the chip's portrait, decoded
    assert returned is not None and np.array_equal(returned, decode_image(portrait))
    with pytest.raises(Referral) as refused:
        verify(ChipProfile(signer="expired"))
    assert refused.value.reasons == ("ds_expired",)


def test_same_seed_same_pki_bytes_other_seed_other_keys(tmp_path: Path) -> None:
    a, b, c = _trust(tmp_path / "a"), _trust(tmp_path / "b"), _trust(tmp_path / "c")
    write_site_pki(a, seed=7, today=TODAY)
    write_site_pki(b, seed=7, today=TODAY)
    write_site_pki(c, seed=8, today=TODAY)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    files_a, files_c = _files(tmp_path / "a"), _files(tmp_path / "c")
    assert all(files_a[n] != files_c[n] for n in files_a if n.endswith(".pem"))


def test_reseeding_tightens_a_loosened_key_file(tmp_path: Path) -> None:
    trust = _trust(tmp_path)
    written = write_site_pki(trust, seed=7, today=TODAY)
    key = written.test_issuer_dir / "TEST-ONLY-ds-good.key.pem"
    key.chmod(0o644)
    written.test_issuer_dir.chmod(0o755)
    write_site_pki(trust, seed=7, today=TODAY + dt.timedelta(days=1))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(written.test_issuer_dir.stat().st_mode) == 0o700
    assert not [p for p in written.test_issuer_dir.iterdir() if p.name.startswith(".")]


def test_missing_issuer_says_to_seed(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="openabc seed"):
        load_test_issuer(tmp_path / "nowhere")


def test_chip_profile_defaults_to_genuine_and_stays_out_of_the_json() -> None:
    committed = load_population(REPO / "seeds" / "population.json")
    traveller = committed.travellers[0]
    assert traveller.chip == ChipProfile(signer="good", tamper="none", present=True)
    assert traveller.chip.genuine
    assert '"chip"' not in traveller.model_dump_json()
    forged = traveller.model_copy(update={"chip": ChipProfile(signer="untrusted", tamper="dg2")})
    again = SeedTraveller.model_validate_json(forged.model_dump_json())
    assert again.chip == ChipProfile(signer="untrusted", tamper="dg2") and not again.chip.genuine
    with pytest.raises(ValueError, match="signer"):
        ChipProfile.model_validate({"signer": "stolen"})
