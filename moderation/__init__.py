"""Moderation: normalisation, scorers, word lists, crisis signals, PII and the decision.

A pure library: it never imports Flask, Celery or the adapters.
"""

from moderation.config import ModerationConfig
from moderation.decision import Decision, PiiSpan, Verdict
from moderation.engine import ModerationEngine, build_engine

__all__ = ["Decision", "ModerationConfig", "ModerationEngine", "PiiSpan", "Verdict", "build_engine"]
