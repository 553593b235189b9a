from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from moderation import Decision, ModerationConfig, ModerationEngine, build_engine
from moderation.errors import ConfigError
from moderation.interface import ScoreResult
from moderation.pii import PiiScanner
from moderation.scorers.offline import OfflineProfanityScorer
from moderation.thresholds import load_thresholds

DETOX_LABELS = ("toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_attack")


class FixedScorer:
    """A stand-in Detoxify that gives every text the same scores."""

    def __init__(self, **scores: float) -> None:
        self.scores = {label: scores.get(label, 0.01) for label in DETOX_LABELS}

    @property
    def name(self) -> str:
        return "fixed-detoxify 0"

    @property
    def labels(self) -> tuple[str, ...]:
        return DETOX_LABELS

    def score(self, texts: list[str]) -> list[ScoreResult]:
        return [ScoreResult(dict(self.scores)) for _ in texts]


class RaisingScorer(FixedScorer):
    def score(self, texts: list[str]) -> list[ScoreResult]:
        raise RuntimeError("CUDA fell over")


class HangingScorer(FixedScorer):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def score(self, texts: list[str]) -> list[ScoreResult]:
        self.release.wait(30)
        return super().score(texts)


def make(pii: PiiScanner, primary: object = None, **config: object) -> ModerationEngine:
    return ModerationEngine(
        ModerationConfig(**config),  # type: ignore[arg-type]
        primary=primary,  # type: ignore[arg-type]
        secondary=OfflineProfanityScorer(),
        pii=pii,
    )


def test_a_model_that_raises_leads_to_review(pii_scanner: PiiScanner) -> None:
    decision = make(pii_scanner, RaisingScorer()).screen("I miss you, Dad.")
    assert decision.decision == "review"
    assert decision.reasons == ["screening failed (RuntimeError)"]


def test_a_model_that_hangs_leads_to_review_within_the_timeout(pii_scanner: PiiScanner) -> None:
    hanging = HangingScorer()
    engine = make(pii_scanner, hanging, timeout_seconds=0.5)
    started = time.monotonic()
    decision = engine.screen("I miss you, Dad.")
    hanging.release.set()
    assert time.monotonic() - started < 5
    assert decision.decision == "review"
    assert decision.reasons == ["screening timed out"]


def test_a_held_letter_is_still_redacted_when_screening_hangs(pii_scanner: PiiScanner) -> None:
    hanging = HangingScorer()
    engine = make(pii_scanner, hanging, timeout_seconds=0.3)
    decision = engine.screen("Call me on 07700 900461, Dad.")
    hanging.release.set()
    assert decision.decision == "review"
    assert decision.published_text == "Call me on [phone number hidden], Dad."
    assert decision.redacted_kinds == ["phone number"]
    assert decision.details["redaction"] == "model-free recognizers only"


@pytest.mark.parametrize("text", ["", "   \n\t", "\u200b\u200b"])
def test_empty_text_leads_to_review(engine: ModerationEngine, text: str) -> None:
    decision = engine.screen(text)
    assert decision.decision == "review"


def test_missing_pii_model_holds_everything(tmp_path: Path) -> None:
    engine = ModerationEngine(
        ModerationConfig(), secondary=OfflineProfanityScorer(), pii=None, pii_error="no spaCy"
    )
    assert engine.screen("I miss you.").decision == "review"
    assert engine.health()["ready"] is False


def test_unknown_spacy_model_is_reported_not_downloaded() -> None:
    engine = build_engine(ModerationConfig(spacy_model="xx_not_a_model_sm"))
    assert engine.pii is None
    assert "not installed" in (engine.pii_error or "")
    assert engine.screen("I miss you.").decision == "review"


def test_offline_default_says_loudly_that_detoxify_is_missing(
    engine: ModerationEngine,
) -> None:
    decision = engine.screen("I miss you every day, Mum.")
    assert decision.decision == "approve"
    assert "DETOXIFY MISSING" in decision.model
    health = engine.health()
    assert health["detoxify_missing"] is True
    assert health["mode"] == "offline-fallback"
    assert health["approving"] is True


def test_production_holds_every_letter_while_detoxify_is_missing(
    pii_scanner: PiiScanner,
) -> None:
    engine = make(pii_scanner, None, require_detoxify=True)
    decision = engine.screen("I miss you every day, Mum.")
    assert decision.decision == "review"
    assert "Detoxify is missing and this deployment requires it" in decision.reasons
    assert engine.health()["mode"] == "holding-all"
    assert engine.health()["approving"] is False


@pytest.mark.parametrize(
    ("scores", "verdict"),
    [
        ({"threat": 0.95}, "reject"),
        ({"threat": 0.6}, "review"),
        ({"identity_attack": 0.9}, "reject"),
        ({"severe_toxicity": 0.95}, "reject"),
        ({"insult": 0.99, "toxicity": 0.99, "obscene": 0.99}, "review"),
        ({"insult": 0.5, "toxicity": 0.6}, "approve"),
    ],
)
def test_bands_per_label(pii_scanner: PiiScanner, scores: dict[str, float], verdict: str) -> None:
    decision = make(pii_scanner, FixedScorer(**scores)).screen("Goodbye, old friend.")
    assert decision.decision == verdict
    assert decision.details["thresholds"]["threat"] == {"review": 0.5, "reject": 0.85}


def test_insult_and_obscenity_alone_never_reject(pii_scanner: PiiScanner) -> None:
    engine = make(pii_scanner, FixedScorer(insult=1.0, obscene=1.0, toxicity=1.0))
    assert engine.screen("Fuck this, fuck cancer, I miss you.").decision == "review"


def test_thresholds_file_overrides_defaults(tmp_path: Path, pii_scanner: PiiScanner) -> None:
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({"threat": {"review": 0.2, "reject": 0.3}}), encoding="utf-8")
    engine = make(pii_scanner, FixedScorer(threat=0.35), thresholds_path=path)
    assert engine.screen("Goodbye.").decision == "reject"
    assert load_thresholds(path)["insult"].reject is None


@pytest.mark.parametrize(
    "payload",
    [{"threat": {"review": 2}}, {"threat": {"review": 0.9, "reject": 0.5}}, ["x"]],
)
def test_invalid_thresholds_are_refused(tmp_path: Path, payload: object) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(ConfigError):
        load_thresholds(path)


def test_contact_details_are_redacted_and_the_letter_approved(engine: ModerationEngine) -> None:
    text = "Mum, the neighbours can call me on 07700 900461. I love you."
    decision = engine.screen(text)
    assert decision.decision == "approve"
    assert (
        decision.published_text
        == "Mum, the neighbours can call me on [phone number hidden]. I love you."
    )
    assert decision.redacted_kinds == ["phone number"]
    (span,) = decision.pii
    assert text[span.start : span.end] == "07700 900461"


def test_full_name_is_held_with_a_suggested_redaction(engine: ModerationEngine) -> None:
    decision = engine.screen("Marcus Delacroix, you were the best coach a kid could have.")
    assert decision.decision == "review"
    assert decision.details["suggested_redaction"].startswith("[full name hidden]")
    # Names are not removed automatically: the moderator decides.
    assert decision.published_text.startswith("Marcus Delacroix")


def test_crisis_letter_is_held_with_support_flag(engine: ModerationEngine) -> None:
    decision = engine.screen("I have the pills saved and I'm going to take them tonight.")
    assert decision.decision == "review"
    assert decision.crisis is True
    assert decision.details["support"] is True


def test_decision_records_models_scores_thresholds_reasons_and_spans(
    engine: ModerationEngine,
) -> None:
    text = "Kind words first. Then: I will k.i.l.l you."
    decision = engine.screen(text)
    assert decision.decision == "reject"
    record = decision.to_record()
    assert record["model"] == decision.model
    assert "offensive" in record["scores"]
    (signal,) = [s for s in record["details"]["signals"] if s["category"] == "threat"]
    assert signal["evasion"] is True
    (span,) = signal["spans"]
    assert text[span["start"] : span["end"]].startswith("I will k.i.l.l")
    assert "evasion" in record["details"]["flags"]
    assert record["details"]["models"]["secondary"].startswith("alt-profanity-check")


def test_contract_line_has_the_documented_shape(engine: ModerationEngine) -> None:
    line = engine.screen("Call me at 07700 900461.").to_contract("abc")
    assert set(line) == {"id", "decision", "crisis", "scores", "pii", "reasons", "model"}
    assert line["pii"] == [{"type": "phone", "start": 11, "end": 23}]


def test_raw_and_normalised_text_are_scored_and_the_worse_kept(pii_scanner: PiiScanner) -> None:
    class OnlyNormalisedIsBad(FixedScorer):
        def score(self, texts: list[str]) -> list[ScoreResult]:
            return [
                ScoreResult({**self.scores, "threat": 0.99 if "kill" in t else 0.01}) for t in texts
            ]

    decision = make(pii_scanner, OnlyNormalisedIsBad()).screen("ok then. k-i-l-l")
    assert decision.scores["threat"] == pytest.approx(0.99)
    assert decision.details["evidence"]["threat"]["text"] == "normalised"
    assert decision.decision == "reject"


def test_build_engine_is_cached_per_config() -> None:
    assert build_engine(ModerationConfig()) is build_engine(ModerationConfig())
    assert isinstance(build_engine(), ModerationEngine)
    assert isinstance(build_engine().screen("hello there, friend"), Decision)
