"""Every error the moderation package raises, under one base class."""

from __future__ import annotations


class ModerationError(Exception):
    """Base class of every moderation error."""


class ConfigError(ModerationError):
    """The moderation configuration is invalid (bad thresholds file, unknown model...)."""


class ModelUnavailableError(ModerationError):
    """A model's weights, tokenizer or package could not be loaded."""


class ModelIntegrityError(ModelUnavailableError):
    """A checkpoint's sha256 does not match the configured digest."""


class CanaryFailedError(ModelUnavailableError):
    """A loaded model scored the start-up canary obviously wrong."""


class ScoringError(ModerationError):
    """A scorer or recognizer failed while screening a letter."""


class ScreeningTimeoutError(ScoringError):
    """Screening a letter took longer than the configured timeout."""


class WordListError(ModerationError):
    """An operator word list could not be read."""
