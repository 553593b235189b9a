"""The interfaces every scorer and PII recognizer implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ScoreResult:
    """Scores of one text by one model: the maximum per label over the text's windows."""

    scores: dict[str, float]
    # Where the maximum of each label came from (window index, token or character range).
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)


@runtime_checkable
class Scorer(Protocol):
    """A model that scores a whole text per label, each in [0, 1]."""

    @property
    def name(self) -> str:
        """Return the model's name and version, as recorded on every decision."""
        ...

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the labels this scorer produces."""
        ...

    def score(self, texts: list[str]) -> list[ScoreResult]:
        """Score every text completely (long texts included) and return one result each."""
        ...


@dataclass(frozen=True)
class PiiFinding:
    """An identifying detail found by a recognizer (offsets index the text it was given)."""

    type: str
    start: int
    end: int
    score: float
    recognizer: str


@runtime_checkable
class PiiRecognizer(Protocol):
    """Finds identifying details of some kinds in a text."""

    @property
    def name(self) -> str:
        """Return the recognizer's name."""
        ...

    def find(self, text: str) -> list[PiiFinding]:
        """Return every detail of this recognizer's kinds found in `text`."""
        ...
