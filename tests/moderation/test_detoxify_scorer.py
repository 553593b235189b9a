from __future__ import annotations

import threading
from pathlib import Path

import pytest

from moderation import ModerationConfig
from moderation.engine import ModerationEngine
from moderation.errors import CanaryFailedError, ModelIntegrityError, ModelUnavailableError
from moderation.pii import PiiScanner
from moderation.scorers.detoxify_scorer import DetoxifyScorer
from moderation.scorers.offline import OfflineProfanityScorer
from moderation.testing import TinyDetoxify
from tests.moderation.contracts import ScorerContract

KIND_WORDS = [
    "i",
    "remember",
    "the",
    "garden",
    "and",
    "your",
    "laugh",
    "and",
    "the",
    "long",
    "summer",
    "days",
    "we",
    "had",
    "mom",
    "dad",
    "grandma",
    "thank",
    "you",
    "for",
    "every",
    "morning",
    "coffee",
    "the",
    "old",
    "dog",
    "in",
    "the",
    "park",
    "your",
    "hands",
    "in",
    "the",
    "kitchen",
    "bread",
    "song",
    "rain",
    "on",
    "the",
    "window",
    "photos",
    "quiet",
    "nights",
]


def kind_letter(words: int) -> str:
    """Return a kind letter of `words` words whose sentences do not repeat."""
    out = []
    for i in range(words):
        out.append(KIND_WORDS[(i * 7 + i // len(KIND_WORDS)) % len(KIND_WORDS)])
        if i % 13 == 12:
            out[-1] += "."
    return " ".join(out)


class TestDetoxifyContract(ScorerContract):
    @pytest.fixture
    def scorer(self, detoxify: DetoxifyScorer) -> DetoxifyScorer:
        return detoxify


class TestOfflineContract(ScorerContract):
    @pytest.fixture
    def scorer(self) -> OfflineProfanityScorer:
        return OfflineProfanityScorer()


def test_loads_through_detoxify_with_checkpoint_and_config_folder(
    detoxify: DetoxifyScorer, tiny_trained: TinyDetoxify
) -> None:
    assert detoxify.labels == (
        "toxicity",
        "severe_toxicity",
        "obscene",
        "threat",
        "insult",
        "identity_attack",
    )
    assert tiny_trained.sha256[:12] in detoxify.name
    assert "detoxify" in type(detoxify._detoxify).__module__


def test_windows_never_exceed_510_tokens_plus_specials(detoxify: DetoxifyScorer) -> None:
    windows = detoxify.windows([kind_letter(2000)])
    assert len(windows) > 1
    assert all(len(w.input_ids) <= 512 for w in windows)
    # Consecutive windows overlap, so nothing falls between two of them.
    for a, b in zip(windows, windows[1:], strict=False):
        assert b.token_start < a.token_end


def test_every_token_of_a_long_letter_is_in_a_window(detoxify: DetoxifyScorer) -> None:
    windows = detoxify.windows([kind_letter(2000)])
    total = len(detoxify._tokenizer(kind_letter(2000), add_special_tokens=False)["input_ids"])
    assert windows[0].token_start == 0
    assert windows[-1].token_end == total


def test_threat_after_token_1500_of_a_2000_word_kind_letter_is_caught(
    detoxify: DetoxifyScorer,
) -> None:
    words = kind_letter(2000).split()
    letter = " ".join(words[:1600] + ["i", "will", "kill", "you"] + words[1600:])
    kind, threatening = detoxify.score([kind_letter(2000), letter])
    assert kind.scores["threat"] < 0.5
    assert threatening.scores["threat"] > 0.9
    where = threatening.evidence["threat"]
    assert where["token_start"] > 1000
    assert where["window"] > 0


def test_batching_gives_the_same_scores_as_one_window_at_a_time(
    tiny_trained: TinyDetoxify,
) -> None:
    one = DetoxifyScorer(
        checkpoint=tiny_trained.checkpoint, hf_dir=tiny_trained.hf_dir, batch_size=1
    )
    many = DetoxifyScorer(
        checkpoint=tiny_trained.checkpoint, hf_dir=tiny_trained.hf_dir, batch_size=16
    )
    texts = [kind_letter(900), "you worthless idiot", kind_letter(30)]
    for a, b in zip(one.score(texts), many.score(texts), strict=True):
        for label in a.scores:
            assert a.scores[label] == pytest.approx(b.scores[label], abs=1e-4)


def test_canary_refuses_a_model_that_scores_at_random(tiny_random: TinyDetoxify) -> None:
    with pytest.raises(CanaryFailedError):
        DetoxifyScorer(checkpoint=tiny_random.checkpoint, hf_dir=tiny_random.hf_dir)


def test_canary_can_be_disabled_to_load_an_untrained_model(tiny_random: TinyDetoxify) -> None:
    scorer = DetoxifyScorer(
        checkpoint=tiny_random.checkpoint, hf_dir=tiny_random.hf_dir, canary=False
    )
    assert scorer.score(["hello"])[0].scores


def test_wrong_sha256_is_refused(tiny_trained: TinyDetoxify) -> None:
    with pytest.raises(ModelIntegrityError):
        DetoxifyScorer(
            checkpoint=tiny_trained.checkpoint, hf_dir=tiny_trained.hf_dir, sha256="0" * 64
        )


def test_missing_checkpoint_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError):
        DetoxifyScorer(checkpoint=tmp_path / "nope.ckpt", hf_dir=tmp_path)


def test_corrupt_checkpoint_is_unavailable(tmp_path: Path, tiny_trained: TinyDetoxify) -> None:
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(ModelUnavailableError):
        DetoxifyScorer(checkpoint=bad, hf_dir=tiny_trained.hf_dir)


def test_no_checkpoint_and_no_cache_is_unavailable_without_network(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import torch

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(ModelUnavailableError, match="cannot be downloaded"):
        DetoxifyScorer()


def test_engine_with_detoxify_records_its_name_and_scores(
    detoxify: DetoxifyScorer, pii_scanner: PiiScanner
) -> None:
    engine = ModerationEngine(
        ModerationConfig(require_detoxify=True),
        primary=detoxify,
        secondary=OfflineProfanityScorer(),
        pii=pii_scanner,
    )
    words = kind_letter(2000).split()
    letter = " ".join(words[:1600] + ["i", "will", "kill", "you"] + words[1600:])
    decision = engine.screen(letter)
    assert decision.decision == "reject"
    assert "detoxify" in decision.model
    assert "MISSING" not in decision.model
    assert decision.scores["threat"] > 0.85
    assert decision.details["evidence"]["threat"]["token_start"] > 1000
    assert engine.health()["mode"] == "detoxify"
    kind = engine.screen(kind_letter(2000))
    assert kind.decision == "approve"


def test_model_loads_once_per_process_under_concurrency(tiny_trained: TinyDetoxify) -> None:
    from moderation.engine import build_engine

    config = ModerationConfig(
        detoxify_checkpoint=tiny_trained.checkpoint, detoxify_hf_dir=tiny_trained.hf_dir
    )
    engines: list[object] = []
    threads = [
        threading.Thread(target=lambda: engines.append(build_engine(config))) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(e) for e in engines}) == 1
    assert build_engine(config).primary is not None
