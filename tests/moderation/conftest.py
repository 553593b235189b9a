"""Fixtures shared by the moderation tests: engines and Detoxify checkpoints, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation import ModerationConfig, ModerationEngine, build_engine
from moderation.pii import PiiScanner
from moderation.scorers.detoxify_scorer import DetoxifyScorer
from moderation.testing import TinyDetoxify, build_tiny_detoxify


@pytest.fixture(scope="session")
def engine() -> ModerationEngine:
    """The embedded default engine (offline model, Presidio, our rules), loaded once."""
    return build_engine(ModerationConfig())


@pytest.fixture(scope="session")
def pii_scanner(engine: ModerationEngine) -> PiiScanner:
    assert engine.pii is not None
    return engine.pii


@pytest.fixture(scope="session")
def tiny_random(tmp_path_factory: pytest.TempPathFactory) -> TinyDetoxify:
    return build_tiny_detoxify(tmp_path_factory.mktemp("tiny-random"))


@pytest.fixture(scope="session")
def tiny_trained(tmp_path_factory: pytest.TempPathFactory) -> TinyDetoxify:
    return build_tiny_detoxify(tmp_path_factory.mktemp("tiny-trained"), train=True)


@pytest.fixture(scope="session")
def detoxify(tiny_trained: TinyDetoxify) -> DetoxifyScorer:
    return DetoxifyScorer(
        checkpoint=tiny_trained.checkpoint, hf_dir=tiny_trained.hf_dir, sha256=tiny_trained.sha256
    )


@pytest.fixture
def wordlist_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "wordlists"
    directory.mkdir()
    (directory / "banned.txt").write_text("# none yet\n", encoding="utf-8")
    (directory / "suspect.txt").write_text("", encoding="utf-8")
    return directory
