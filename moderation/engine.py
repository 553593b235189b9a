"""The moderation engine: screen one letter and decide."""

from __future__ import annotations

from moderation.config import ModerationConfig
from moderation.decision import Decision


class ModerationEngine:
    """Loads the models once and screens letters with them."""

    def __init__(self, config: ModerationConfig) -> None:
        self.config = config
        from profanity_check import predict_prob

        self._predict_prob = predict_prob

    @property
    def model_name(self) -> str:
        return "alt-profanity-check"

    def screen(self, text: str) -> Decision:
        """Screen `text` and return the decision; any doubt goes to a human."""
        if not text.strip():
            return Decision("review", False, {}, [], ["empty text"], self.model_name, text)
        score = float(self._predict_prob([text])[0])
        verdict = "approve" if score < 0.8 else "review"
        reasons = [] if verdict == "approve" else [f"offensive language score {score:.2f}"]
        return Decision(verdict, False, {"offensive": score}, [], reasons, self.model_name, text)


def build_engine(config: ModerationConfig | None = None) -> ModerationEngine:
    """Build an engine from config, loading its models once."""
    return ModerationEngine(config or ModerationConfig())
