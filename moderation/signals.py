"""What a check found: a signal with a category, a severity and the spans behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["review", "reject"]
# Categories a decision can carry; the eval table reports precision/recall per category.
Category = Literal["abuse", "threat", "crisis", "pii", "spam", "evasion", "wordlist", "model"]


@dataclass(frozen=True)
class Span:
    """A [start, end) range of the writer's original text, and the rule that matched it."""

    start: int
    end: int
    rule: str


@dataclass(frozen=True)
class Signal:
    """One reason to hold or reject a letter."""

    category: Category
    severity: Severity
    reason: str
    spans: tuple[Span, ...] = field(default_factory=tuple)
    # Found only once disguises were undone (normalised text), not in the raw text.
    evasion: bool = False
