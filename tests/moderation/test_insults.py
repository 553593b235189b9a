from __future__ import annotations

import pytest

from moderation.insults import aimed_insults, insult_lexicon
from moderation.normalise import normalise


def strong(text: str) -> list[str]:
    return [a.word for a in aimed_insults(normalise(text)) if not a.mild]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("You conniving, spineless weasel.", "spineless"),
        ("and you, you absolute slimeball, knew all along", "slimeball"),
        ("Get lost, you miserable old hag.", "hag"),
        ("you were a bully and a coward", "bully"),
    ],
)
def test_insults_a_few_words_after_you_are_found(text: str, word: str) -> None:
    assert word in strong(text)


@pytest.mark.parametrize(
    "text",
    [
        "You told me the driver was a coward for running.",  # aimed at someone else
        "You were never a coward, not once.",  # negated
        "The doctor was an idiot and you deserved better.",
        "Fuck, I miss you.",  # swearing is not an insult
        "I hate that you died.",
        "You were the kindest person I knew.",
    ],
)
def test_words_not_aimed_at_the_reader_are_not_insults(text: str) -> None:
    assert strong(text) == []


def test_lexicon_keeps_grief_words_out() -> None:
    lexicon = insult_lexicon()
    assert {"bitch", "idiot", "hag"} <= lexicon
    assert not {"fuck", "kill", "die", "hate", "gay", "cancer"} & lexicon
