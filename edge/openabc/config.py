"""One typed settings object for every OpenABC process.

Parsed once (``load_settings``) and passed down explicitly: no module reads
the environment or a file on its own. Unknown keys are refused so a typo in a
deployment file fails at start-up, not at the border.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

REPO_ROOT = Path(__file__).resolve().parents[2]


class SettingsModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrokerSettings(SettingsModel):
    host: str = Field("127.0.0.1", title="Broker host")
    port: Annotated[int, Field(ge=1, le=65535, title="Broker TCP port")] = 1883
    protocol: Literal["auto", "v5", "v311"] = Field(
        "auto",
        title="MQTT protocol",
        description="auto tries MQTT v5 first and falls back to 3.1.1 (amqtt)",
    )
    keepalive_s: Annotated[int, Field(ge=5, le=600)] = 15


class ModelSettings(SettingsModel):
    models_dir: Path = Field(REPO_ROOT / "models", title="Directory of verified ONNX models")
    threads: Annotated[int, Field(ge=1, le=16)] = 1


class LaneSettings(SettingsModel):
    kiosk_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    lane_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
    gate_port: str = Field(
        "emulated",
        title="Gate controller serial port",
        description="pyserial URL (/dev/ttyUSB0, rfc2217://host:port) or 'emulated'",
    )
    direction: Literal["entry", "exit"] = Field(
        "entry", title="Border crossing direction of this lane"
    )
    decision_timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0
    exit_open_window_ms: Annotated[int, Field(ge=1000, le=60000)] = 8000
    passage_timeout_s: Annotated[float, Field(gt=0, le=120)] = 15.0
    capture_frames: Annotated[int, Field(ge=1, le=30)] = 6
    chip_required: bool = Field(
        True,
        title="Refer documents without an authenticated chip",
        description="Schengen Borders Code art. 8a: self-service needs passive authentication",
    )
    face_capture_attempts: Annotated[int, Field(ge=1, le=10)] = 3
    capture_fingers: bool = Field(True, title="Capture a four-finger slap")
    finger_capture_attempts: Annotated[int, Field(ge=1, le=5)] = 2
    min_finger_quality: Annotated[int, Field(ge=0, le=100)] = 20


class TrustSettings(SettingsModel):
    """The CSCA trust list every kiosk verifies passport chips against."""

    csca_pem: Path = Field(
        REPO_ROOT / "var" / "pki" / "csca.pem", title="Trusted CSCA certificates (PEM bundle)"
    )
    crl_pem: Path = Field(
        REPO_ROOT / "var" / "pki" / "crl.pem", title="CSCA-signed CRLs (PEM bundle)"
    )


class MatcherSettings(SettingsModel):
    worker_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = "matcher-1"
    database: Path = Field(REPO_ROOT / "var" / "matcher.sqlite3", title="SQLite store")
    database_url: str | None = Field(
        None,
        title="PostgreSQL store",
        description="postgresql:// URL or libpq DSN; when set it replaces the SQLite file",
        pattern=r"^(postgres(ql)?://|\s*[A-Za-z_]+\s*=)",
    )
    identity_search_distance: Annotated[float, Field(gt=0, le=2)] = 0.5
    database_pool_size: Annotated[int, Field(ge=1, le=64)] = Field(
        4, title="PostgreSQL connections per matcher process"
    )
    database_acquire_timeout_s: Annotated[float, Field(gt=0, le=10)] = Field(
        2.0,
        title="Wait for a PostgreSQL connection",
        description="Beyond it the request is referred system_unavailable; keep it well under "
        "the kiosks' decision_timeout_s",
    )
    api_host: str = Field("127.0.0.1", title="Address of the guard-tool HTTP API")
    api_port: Annotated[int, Field(ge=1, le=65535)] | None = Field(
        None, title="Port of the guard-tool HTTP API", description="None: no HTTP API"
    )
    api_tokens: Path = Field(
        REPO_ROOT / "var" / "matcher-api-tokens.json",
        title="Bearer tokens of the guard tools (mode 0600, written by `openabc api-token`)",
    )

    @property
    def store(self) -> Path | str:
        """The matcher database: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url if self.database_url is not None else self.database


class OpenAbcSettings(SettingsModel):
    region: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")] = "eu-demo"
    broker: BrokerSettings = BrokerSettings()
    models: ModelSettings = ModelSettings()
    matcher: MatcherSettings = MatcherSettings()
    trust: TrustSettings = TrustSettings()
    lanes: tuple[LaneSettings, ...] = (
        LaneSettings(kiosk_id="kiosk-1", lane_id="lane-1"),
        LaneSettings(kiosk_id="kiosk-2", lane_id="lane-2"),
        LaneSettings(kiosk_id="kiosk-x1", lane_id="exit-1", direction="exit"),
    )
    seeds_dir: Path = REPO_ROOT / "seeds"
    micropython: Path = Field(
        REPO_ROOT / ".venv-mpy" / "bin" / "micropython",
        title="MicroPython unix port used for emulated MCUs",
    )


def load_settings(path: Path | None = None) -> OpenAbcSettings:
    """Read settings from a YAML file; no file means the embedded demo defaults."""
    if path is None:
        return OpenAbcSettings()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: settings must be a mapping")
    return OpenAbcSettings.model_validate(data)
