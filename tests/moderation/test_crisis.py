from __future__ import annotations

import pytest

from moderation.crisis import crisis_signals
from moderation.normalise import normalise


@pytest.mark.parametrize(
    "text",
    [
        "I've saved up enough of my pills and tonight I'll take them.",
        "I'm planning to jump from the roof of the car park on Sunday.",
        "I really want to die. I can't see a way through this.",
        "I'm going to kill myself after the anniversary.",
        "My family would be better off without me.",
        "I won't be around much longer, so this is goodbye.",
        "I keep thinking about ending my life since you went.",
        "I am going to hang myself in the garage.",
        "i'm g0nna k1ll mys3lf",  # leetspeak
        "I'm going to k i l l myself",  # spacing
        "I feel suicidal most nights now.",
        "I'll be with you very soon, Mum. I have the tablets counted out.",
        # A negation in the sentence before does not cancel this one.
        "I can't sleep. I'm going to end my life on Sunday.",
        # The Columbia scale's first question, in the writer's words.
        "I wish I could go to sleep and not wake up.",
        "By the time you read this I'll be gone. Please don't blame yourselves.",
        "I don't want to go on, and I know exactly how I'm going to do it.",
    ],
)
def test_intent_plans_and_means_are_flagged(text: str) -> None:
    assert crisis_signals(normalise(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "That exam nearly killed me.",
        "I'm dying to see the photos from the reunion.",
        "I could die of embarrassment when I remember that wedding speech.",
        "You would have died laughing at the vicar's hat.",
        "I'd rather die than eat your brother's chilli again.",
        "I'm going to jump at the next chance to travel.",
        "My back is killing me after moving your boxes.",
        "You took your own life and I still don't understand why.",
        "Your pills are still in the cabinet and I can't throw them out.",
        "I'll join you one day, when I'm old and grey and have told your grandchildren everything.",
        "I would never hurt myself, I promised you that and I keep my promises.",
        "I'm not going to kill myself, Mum, I promise. I just miss you.",
        "I don't want to live in this town anymore without you, so I'm moving to the coast.",
        "I don't want to end it with him yet, even though you never liked him.",
        "I found the rope swing you built, still hanging from the oak.",
    ],
)
def test_figurative_speech_and_grief_are_not_flagged(text: str) -> None:
    assert crisis_signals(normalise(text)) == [], text


def test_spans_point_at_the_words_that_matter() -> None:
    text = "Dear Jo. I have the pills saved in a drawer."
    (signal,) = crisis_signals(normalise(text))
    assert any("pills" in text[s.start : s.end] for s in signal.spans)
