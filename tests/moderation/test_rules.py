from __future__ import annotations

import pytest

from moderation.normalise import normalise
from moderation.rules import rule_signals


def categories(text: str) -> dict[str, str]:
    return {s.category: s.severity for s in rule_signals(normalise(text))}


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to stab you the next time I see you.",
        "We will burn your house to the ground.",
        "I know where your kids go to school.",
        "I hope you get hit by a bus.",
        "You should be shot.",
        "Go hang yourself.",
    ],
)
def test_threats_reject(text: str) -> None:
    assert categories(text).get("threat") == "reject", text


@pytest.mark.parametrize(
    "text",
    ["You'll be sorry you ever met me.", "Watch your back at work tomorrow."],
)
def test_veiled_threats_are_held(text: str) -> None:
    assert categories(text).get("threat") == "review", text


@pytest.mark.parametrize(
    "text",
    [
        "You're a spineless parasite.",
        "You were always such a degenerate.",
        "Scum like you never change.",
        "Screw you, and screw your excuses.",
    ],
)
def test_insults_aimed_at_someone_are_held_not_rejected(text: str) -> None:
    assert categories(text).get("abuse") == "review", text


def test_attacks_on_groups_reject() -> None:
    assert categories("Refugees are parasites and should be deported.").get("abuse") == "reject"


@pytest.mark.parametrize(
    "text",
    [
        "The cancer killed you in six weeks and I hate it.",
        "I would never hurt you, not in a thousand years.",
        "You didn't deserve to die so young.",
        "Why did you kill yourself? I'd have listened.",
        "I hate that I'll never hear you swear at the football again.",
        "Damn it all, I'd kill for one more of your terrible puns.",
        "You were a neat freak and I loved it.",
        "I was such an idiot to let you drive that night.",
        "We joked that you'd die at your desk, and then you nearly did.",
    ],
)
def test_grief_with_violent_words_is_left_alone(text: str) -> None:
    assert categories(text) == {}, text


@pytest.mark.parametrize(
    ("plain", "disguised"),
    [
        ("I will kill you", "I will k.i.l.l you"),
        ("I will kill you", "I will kіll you"),
        ("I will kill you", "I will k1ll you"),
        ("I will kill you", "I will kiiiiillll you"),
        ("I will kill you", "I will ki\u200bll you"),
        ("I will kill you", "I will ｋｉｌｌ you"),
        ("you are a worthless bitch", "y o u are a w o r t h l e s s b i t c h"),
        ("you are a worthless bitch", "you are a w0rthl3ss b!tch"),
    ],
)
def test_every_evasion_is_caught_like_its_plain_form(plain: str, disguised: str) -> None:
    plain_signals = rule_signals(normalise(plain))
    hidden = rule_signals(normalise(disguised))
    assert {(s.category, s.severity) for s in hidden} == {
        (s.category, s.severity) for s in plain_signals
    }
    assert plain_signals
    assert all(s.evasion for s in hidden)
