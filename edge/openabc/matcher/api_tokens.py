"""Bearer tokens of the guard tools, read from a file only the matcher's user may read.

Why: the matcher API has no default credentials. A technician adds each
tool's token with ``openabc api-token`` (printed once); the matcher refuses to
start its API when the file is missing, malformed or readable by others, so a
leaked or world-readable token file is caught at start-up, not after an audit.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

from openabc.matcher.portal import Caller, Profile

TOKEN_BYTES = 32
MIN_TOKEN_CHARS = 32
FILE_MODE = 0o600


class TokenFileError(ValueError):
    """The token file cannot be trusted or read; the message says what to do."""


def load_api_tokens(path: Path) -> dict[str, Caller]:
    """Token -> caller, from a JSON file of mode 0600 (``openabc api-token`` writes it)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise TokenFileError(
            f"{path} does not exist: create a guard tool's token with `openabc api-token`"
        ) from None
    if stat.S_IMODE(mode) & 0o077:
        raise TokenFileError(
            f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}): chmod 600 it "
            "and replace every token in it"
        )
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["tokens"]
        tokens = {e["token"]: Caller(e["caller_id"], Profile(e["profile"])) for e in entries}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise TokenFileError(f"{path} is not a token file: {type(err).__name__}") from err
    if any(len(token) < MIN_TOKEN_CHARS for token in tokens):
        raise TokenFileError(f"{path} holds a token shorter than {MIN_TOKEN_CHARS} characters")
    return tokens


def add_api_token(path: Path, *, caller_id: str, profile: Profile) -> str:
    """Create a random token for ``caller_id``, store it (0600, atomically), return it once."""
    if not caller_id.strip():
        raise ValueError("caller_id must name the officer or tool")
    entries: list[dict[str, str]] = []
    if path.exists():
        load_api_tokens(path)  # refuse to extend a file that is already untrustworthy
        entries = json.loads(path.read_text(encoding="utf-8"))["tokens"]
    token = secrets.token_urlsafe(TOKEN_BYTES)
    entries.append({"token": token, "caller_id": caller_id, "profile": profile.value})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump({"tokens": entries}, out, indent=2)
    os.replace(temporary, path)
    return token
