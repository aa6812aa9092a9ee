"""The `openabc` console script as a technician or script would call it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
)


def openabc() -> list[str]:
    script = shutil.which("openabc", path=str(Path(sys.executable).parent))
    assert script is not None, "console script not installed"
    return [script]


def run(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        openabc() + args, input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_mrz_valid_specimen_exits_0_with_fields() -> None:
    done = run(["mrz", "--today", "2010-01-01"], SPECIMEN)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["valid"] is True
    assert result["format"] == "TD3"
    assert result["document_number"] == "L898902C3"
    assert result["issuing_state"] == "UTO"
    assert result["birth_date"] == "1974-08-12"
    assert result["expiry_date"] == "2012-04-15"
    assert result["surname"] == "ERIKSSON"
    assert result["given_names"] == "ANNA MARIA"
    assert result["sex"] == "F"
    assert result["errors"] == []


def test_mrz_expired_or_bad_check_digit_exits_3() -> None:
    expired = run(["mrz", "--today", "2026-11-27"], SPECIMEN)
    assert expired.returncode == 3
    assert "document_expired" in json.loads(expired.stdout)["errors"]
    tampered = run(["mrz", "--today", "2010-01-01"], SPECIMEN.replace("L898902C36", "L898902C37"))
    assert tampered.returncode == 3
    assert "document_number_check_digit" in json.loads(tampered.stdout)["errors"]


@pytest.mark.parametrize("garbage", ["", "hello\n", "P<UTO\nshort\n"])
def test_mrz_unparseable_exits_2(garbage: str) -> None:
    done = run(["mrz"], garbage)
    assert done.returncode == 2
    assert json.loads(done.stdout)["valid"] is False


def test_unknown_subcommand_is_a_usage_error() -> None:
    done = run(["fly"], "")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_stay_reports_days_used_and_latest_exit() -> None:
    stays = '{"stays": [{"entry": "2026-01-01", "exit": "2026-03-01"}]}'
    done = run(["stay", "--entry", "2026-03-20"], stays)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["days_used"] == 61  # 60 days of stay + the entry day itself
    assert result["latest_exit"] == "2026-04-18"


def test_stay_when_entry_already_breaks_the_rule() -> None:
    stays = '{"stays": [{"entry": "2026-01-01", "exit": "2026-03-31"}]}'  # 90 days
    done = run(["stay", "--entry", "2026-04-01"], stays)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["days_used"] == 91
    assert result["latest_exit"] is None


def test_stay_malformed_input_exits_2() -> None:
    done = run(["stay", "--entry", "2026-03-20"], "{not json")
    assert done.returncode == 2
    assert "error" in json.loads(done.stdout)
