"""The moderation decision: what the engine concluded about one letter, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Verdict = Literal["approve", "review", "reject"]


@dataclass(frozen=True)
class PiiSpan:
    """One identifying detail found in the letter (offsets index the screened text)."""

    type: str
    start: int
    end: int
    # "redact": hidden automatically before publishing; "review": a moderator decides.
    action: Literal["redact", "review"] = "redact"


@dataclass(frozen=True)
class Decision:
    """The engine's verdict on one letter, with everything needed to explain it."""

    decision: Verdict
    crisis: bool
    scores: dict[str, float]
    pii: list[PiiSpan]
    reasons: list[str]
    model: str
    # The text that would be published: the input with contact details redacted.
    published_text: str
    # Kinds of detail hidden by automatic redaction, for the writer's receipt.
    redacted_kinds: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_contract(self, letter_id: Any) -> dict[str, Any]:
        """Render the `misskissing moderate` output line for this decision."""
        return {
            "id": letter_id,
            "decision": self.decision,
            "crisis": self.crisis,
            "scores": dict(self.scores),
            "pii": [{"type": p.type, "start": p.start, "end": p.end} for p in self.pii],
            "reasons": list(self.reasons),
            "model": self.model,
        }

    def to_record(self) -> dict[str, Any]:
        """Render the full decision for the audit record."""
        return asdict(self)
