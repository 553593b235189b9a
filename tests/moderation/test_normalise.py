from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation.normalise import light_normalise, normalise

ZW = "\u200b"


@pytest.mark.parametrize(
    ("disguised", "plain", "step"),
    [
        ("ｆｕｃｋ ｙｏｕ", "fuck you", "nfkc"),
        (f"ki{ZW}ll you", "kill you", "invisible"),
        ("ki\u00adll you", "kill you", "invisible"),
        ("I will kіll you", "I will kill you", "homoglyph"),  # Cyrillic і
        ("уou аre a lоser", "you are a loser", "homoglyph"),  # Cyrillic у, а, о
        ("f u c k you", "fuck you", "spacing"),
        ("k.i.l.l you", "kill you", "spacing"),
        ("k-i-l-l you", "kill you", "spacing"),
        ("you are a w o r t h l e s s", "you are a worthless", "spacing"),
        ("fuuuuuck", "fuck", "repeat"),
        ("kiiiiilllll you", "kill you", "repeat"),
        ("you b1tch", "you bitch", "leet"),
        ("sh!t", "shit", "leet"),
        ("k 1 l l", "kill", "leet"),
    ],
)
def test_each_disguise_is_undone(disguised: str, plain: str, step: str) -> None:
    result = normalise(disguised)
    assert result.text == plain
    assert step in result.steps


@pytest.mark.parametrize(
    "text",
    [
        "Dad, I miss you. We met at 10am on the 2nd of May, 1987.",
        "Write to jane.doe@example.com or call 415-555-0134.",
        "Привет, мама. Я скучаю.",  # a real Cyrillic sentence is not folded
        "u r a star",  # text-speak single letters stay apart
        "p.s. I love you",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert normalise(text).text == text


def test_spans_map_back_to_the_original() -> None:
    text = f"hello, I will k{ZW}.i.l.l you"
    result = normalise(text)
    start = result.text.index("kill")
    o_start, o_end = result.original_span(start, start + 4)
    assert text[o_start:o_end] == f"k{ZW}.i.l.l"


def test_light_normalise_keeps_digits_and_strips_invisibles() -> None:
    result = light_normalise(f"call 07700{ZW} 900461")
    assert result.text == "call 07700 900461"


@given(st.text(max_size=200))
def test_every_normalised_character_has_an_original(text: str) -> None:
    result = normalise(text)
    assert len(result.source) == len(result.text)
    assert all(0 <= i < len(text) for i in result.source)
    assert list(result.source) == sorted(result.source)
