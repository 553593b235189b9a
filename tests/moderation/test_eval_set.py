"""The issue's acceptance criteria, measured on the labelled set with the offline models."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from moderation import ModerationEngine
from moderation.evaluate import EvalReport, LabelledLetter, evaluate, format_report

LETTERS = Path(__file__).parents[1] / "data" / "moderation" / "letters.jsonl"


def load() -> list[LabelledLetter]:
    return [
        LabelledLetter.from_json(json.loads(line))
        for line in LETTERS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def report(engine: ModerationEngine) -> EvalReport:
    return evaluate(load(), engine.screen)


def test_the_set_is_large_and_covers_every_kind() -> None:
    letters = load()
    assert len(letters) >= 150
    assert len({x.id for x in letters}) == len(letters)
    counts = Counter(x.category for x in letters)
    for category in (
        "grief",
        "figurative",
        "abuse",
        "threat",
        "disguised",
        "crisis",
        "pii",
        "spam",
    ):
        assert counts[category] >= 10, category
    kinds = set().union(*(x.pii for x in letters))
    assert {"email", "phone", "handle", "address", "profile_url", "id_number", "person"} <= kinds


def test_grief_is_approved_at_least_95_percent(report: EvalReport) -> None:
    assert report.rate("grief", "approve") >= 0.95, format_report(report)


def test_abuse_threats_and_disguised_abuse_are_never_approved(report: EvalReport) -> None:
    for category in ("abuse", "threat", "disguised"):
        assert report.decisions[category]["approve"] == 0, format_report(report)


def test_crisis_letters_are_always_flagged_and_figurative_ones_not(report: EvalReport) -> None:
    assert report.labels["crisis"].recall == 1.0, format_report(report)
    assert report.figurative_crisis == 0, format_report(report)


def test_every_contact_detail_is_found(report: EvalReport) -> None:
    assert report.labels["pii"].recall == 1.0, format_report(report)
    for kind, score in report.pii_kinds.items():
        assert score.fn == 0, (kind, format_report(report))


def test_every_disguised_letter_is_flagged_as_evasion(report: EvalReport) -> None:
    assert report.labels["evasion"].recall >= 0.9, format_report(report)


def test_spam_is_never_approved(report: EvalReport) -> None:
    assert report.decisions["spam"]["approve"] == 0, format_report(report)
