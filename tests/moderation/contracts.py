"""Contract tests every Scorer and PiiRecognizer implementation passes (subclass them)."""

from __future__ import annotations

from moderation.interface import PiiRecognizer, Scorer

LONG_KIND_LETTER = " ".join(["i miss the garden and your laugh in the morning"] * 400)


class ScorerContract:
    """Subclass and provide a `scorer` fixture."""

    def test_is_a_scorer(self, scorer: Scorer) -> None:
        assert isinstance(scorer, Scorer)
        assert scorer.name
        assert scorer.labels

    def test_one_result_per_text_with_every_label_in_range(self, scorer: Scorer) -> None:
        results = scorer.score(["thank you for everything", "", LONG_KIND_LETTER])
        assert len(results) == 3
        for result in results:
            assert set(result.scores) == set(scorer.labels)
            assert all(0.0 <= v <= 1.0 for v in result.scores.values())

    def test_scores_do_not_depend_on_the_batch(self, scorer: Scorer) -> None:
        together = scorer.score(["you are kind", "i will hurt you"])
        alone = [scorer.score([t])[0] for t in ["you are kind", "i will hurt you"]]
        for a, b in zip(together, alone, strict=True):
            for label in scorer.labels:
                assert abs(a.scores[label] - b.scores[label]) < 1e-4


class PiiRecognizerContract:
    """Subclass and provide `recognizer` and `sample` (text with one finding) fixtures."""

    def test_is_a_recognizer(self, recognizer: PiiRecognizer) -> None:
        assert isinstance(recognizer, PiiRecognizer)
        assert recognizer.name

    def test_findings_lie_inside_the_text(self, recognizer: PiiRecognizer, sample: str) -> None:
        findings = recognizer.find(sample)
        assert findings
        for f in findings:
            assert 0 <= f.start < f.end <= len(sample)

    def test_nothing_in_a_plain_letter(self, recognizer: PiiRecognizer) -> None:
        assert recognizer.find("Dear Mum, the roses bloomed this year. I miss you.") == []
