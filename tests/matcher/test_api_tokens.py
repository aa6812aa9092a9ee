"""Guard-tool tokens: created once, stored 0600, refused when the file cannot be trusted."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from openabc.cli import main
from openabc.matcher.api_tokens import TokenFileError, add_api_token, load_api_tokens
from openabc.matcher.portal import Caller, Profile


def test_added_tokens_load_back_with_their_callers(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    guard = add_api_token(path, caller_id="guard-7", profile=Profile.BORDER_GUARD)
    kiosk = add_api_token(path, caller_id="kiosk-2", profile=Profile.KIOSK)
    assert guard != kiosk and len(guard) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_api_tokens(path) == {
        guard: Caller("guard-7", Profile.BORDER_GUARD),
        kiosk: Caller("kiosk-2", Profile.KIOSK),
    }


def test_a_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    add_api_token(path, caller_id="guard-7", profile=Profile.BORDER_GUARD)
    path.chmod(0o644)
    with pytest.raises(TokenFileError, match="chmod 600"):
        load_api_tokens(path)
    with pytest.raises(TokenFileError):
        add_api_token(path, caller_id="guard-8", profile=Profile.BORDER_GUARD)


def test_missing_malformed_and_weak_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match="openabc api-token"):
        load_api_tokens(tmp_path / "absent.json")
    for content in ("not json", json.dumps({"tokens": [{"token": "x" * 40}]}),
                    json.dumps({"tokens": [{"token": "short", "caller_id": "g",
                                            "profile": "border_guard"}]})):
        path = tmp_path / "bad.json"
        path.write_text(content)
        path.chmod(0o600)
        with pytest.raises(TokenFileError):
            load_api_tokens(path)


def test_cli_prints_the_token_once_and_stores_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "settings.yaml"
    tokens = tmp_path / "tokens.json"
    config.write_text(f"matcher:\n  api_tokens: {tokens}\n")
    assert main(["--config", str(config), "api-token", "--caller-id", "guard-1"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert load_api_tokens(tokens) == {printed: Caller("guard-1", Profile.BORDER_GUARD)}
