"""Per-label thresholds in three bands: approve below review, review, reject."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moderation.errors import ConfigError

DEFAULT_THRESHOLDS = Path(__file__).parent / "data" / "thresholds.json"


@dataclass(frozen=True)
class Band:
    """Where a label's score starts to hold (review) and to reject a letter."""

    review: float | None
    reject: float | None

    def verdict(self, score: float) -> str:
        """Return "reject", "review" or "approve" for a score in this band."""
        if self.reject is not None and score >= self.reject:
            return "reject"
        if self.review is not None and score >= self.review:
            return "review"
        return "approve"


def _number(value: Any, label: str, band: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise ConfigError(f"threshold {label}.{band} must be a number in [0, 1] or null")
    return float(value)


def load_thresholds(path: Path | None = None) -> dict[str, Band]:
    """Read the bands from a JSON file (the shipped defaults when `path` is None)."""
    source = Path(path) if path else DEFAULT_THRESHOLDS
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read thresholds {source}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"thresholds {source} must be a JSON object")
    bands: dict[str, Band] = {}
    defaults = {} if path is None else load_thresholds(None)
    bands.update(defaults)
    for label, spec in raw.items():
        if label.startswith("_"):
            continue
        if not isinstance(spec, dict):
            raise ConfigError(f"threshold {label} must be an object with review/reject")
        review = _number(spec.get("review"), label, "review")
        reject = _number(spec.get("reject"), label, "reject")
        if review is not None and reject is not None and reject < review:
            raise ConfigError(f"threshold {label}: reject must not be below review")
        bands[label] = Band(review, reject)
    return bands
