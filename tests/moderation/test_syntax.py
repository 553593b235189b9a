from __future__ import annotations

import pytest

from moderation import ModerationEngine
from moderation.normalise import normalise
from moderation.syntax import ClauseReader


@pytest.fixture(scope="module")
def reader(engine: ModerationEngine) -> ClauseReader:
    assert engine.syntax is not None
    return engine.syntax


def categories(reader: ClauseReader, text: str) -> set[str]:
    return {s.category for s in reader.signals(normalise(text))}


@pytest.mark.parametrize(
    "text",
    [
        "I will drive over there tonight and batter you senseless.",
        "We are going to make sure you get hurt.",
        "If you call her again I'll break your neck.",
        "I'm coming round and I'm going to strangle you with my bare hands.",
        "I will find you and break every bone in your body.",
    ],
)
def test_intent_to_harm_the_reader_is_a_threat(reader: ClauseReader, text: str) -> None:
    assert "threat" in categories(reader, text)


@pytest.mark.parametrize(
    "text",
    [
        "I am going to swallow every tablet in the house.",
        "I want to end my life before spring.",
        "I'm going to drown myself at the beach where we met.",
    ],
)
def test_intent_to_harm_oneself_is_a_crisis(reader: ClauseReader, text: str) -> None:
    assert "crisis" in categories(reader, text)


@pytest.mark.parametrize(
    "text",
    [
        "I would never hurt you.",
        "I beat you at chess every single Sunday.",
        "We will kill the weeds in your garden for you.",
        "I wanted to die when you left, but I got through it.",
        "If they play that song again I swear I'll die.",
        "I'm going to die of embarrassment at the reunion.",
        "The drunk driver killed you and I will never forgive him.",
        "I'm going to end it with him; you never liked him anyway.",
    ],
)
def test_past_negated_figurative_and_third_party_are_not(reader: ClauseReader, text: str) -> None:
    assert categories(reader, text) == set()
