"""The second, always-available model: alt-profanity-check's trained classifier.

It is a linear model over words, shipped inside the package, so it works with no
network at all. It has one label ("offensive") and no sense of context, so a whole
letter is scored sentence by sentence (a long kind letter must not dilute one hostile
sentence) and the maximum is kept, with the sentence it came from.
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any

from moderation.errors import ModelUnavailableError
from moderation.interface import ScoreResult

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def sentences(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each non-blank sentence of `text`."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


class OfflineProfanityScorer:
    """Score texts with alt-profanity-check, sentence by sentence."""

    def __init__(self) -> None:
        try:
            from profanity_check import predict_prob
        except Exception as exc:  # the package or its pickled model is broken
            raise ModelUnavailableError(f"alt-profanity-check could not load: {exc}") from exc
        self._predict_prob = predict_prob
        self._name = f"alt-profanity-check {metadata.version('alt-profanity-check')}"

    @property
    def name(self) -> str:
        """Return the package name and version."""
        return self._name

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the single label this model produces."""
        return ("offensive",)

    def sentence_scores(self, text: str) -> list[tuple[int, int, float]]:
        """Return (start, end, score) for every sentence of `text`."""
        spans = sentences(text)
        if not spans:
            return []
        probs: Any = self._predict_prob([text[s:e] for s, e in spans])
        return [(s, e, float(p)) for (s, e), p in zip(spans, probs, strict=True)]

    def score(self, texts: list[str]) -> list[ScoreResult]:
        """Score each text as the maximum over its sentences."""
        results = []
        for text in texts:
            scored = self.sentence_scores(text)
            if not scored:
                results.append(ScoreResult({"offensive": 0.0}))
                continue
            start, end, best = max(scored, key=lambda t: t[2])
            results.append(
                ScoreResult(
                    {"offensive": best},
                    {"offensive": {"char_start": start, "char_end": end, "sentences": len(scored)}},
                )
            )
        return results
