"""Run patterns over both the raw and the normalised text and report original spans."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from moderation.normalise import NormalisedText
from moderation.signals import Span

# Words that turn a threat or an insult into its opposite when they sit just before it
# ("I would never hurt you", "you didn't deserve to die").
_NEGATION = re.compile(
    r"\b(?:not|never|no\s+one|nobody|n't|didn't|don't|doesn't|wouldn't|won't|couldn't|"
    r"shouldn't|wasn't|weren't|isn't|aren't|cannot|can't|without)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Hit:
    """A pattern match in original coordinates; `evasion` when only the normalised text had it."""

    span: Span
    text: str
    evasion: bool


_CLAUSE_END = re.compile(r"[.!?;\n]")


def negated(text: str, start: int, window: int = 24) -> bool:
    """Tell whether a negation sits in the few characters before `start`, same sentence."""
    before = text[max(0, start - window) : start]
    # "I can't keep doing this. I'm going to..." is not negated by the sentence before.
    ends = list(_CLAUSE_END.finditer(before))
    if ends:
        before = before[ends[-1].end() :]
    return _NEGATION.search(before) is not None


def find_hits(
    pattern: re.Pattern[str],
    norm: NormalisedText,
    rule: str,
    *,
    accept: Callable[[str, re.Match[str]], bool] | None = None,
) -> list[Hit]:
    """Find `pattern` in the raw and normalised text; keep distinct original spans."""
    hits: list[Hit] = []
    raw_spans: list[tuple[int, int]] = []
    for m in pattern.finditer(norm.original):
        if accept is None or accept(norm.original, m):
            raw_spans.append((m.start(), m.end()))
            hits.append(Hit(Span(m.start(), m.end(), rule), m.group(), evasion=False))
    if norm.text != norm.original:
        for m in pattern.finditer(norm.text):
            if accept is not None and not accept(norm.text, m):
                continue
            start, end = norm.original_span(m.start(), m.end())
            if any(s < end and start < e for s, e in raw_spans):
                continue
            raw_spans.append((start, end))
            hits.append(Hit(Span(start, end, rule), m.group(), evasion=True))
    return hits


def has_negation(text: str) -> bool:
    """Tell whether `text` contains a negation word."""
    return _NEGATION.search(text) is not None


def not_negated(text: str, m: re.Match[str]) -> bool:
    """Accept a match unless a negation precedes it or sits inside it."""
    return not negated(text, m.start()) and _NEGATION.search(m.group()) is None


def term_regex(term: str) -> str:
    """Turn a word-list term into a regex tolerant of repeated letters and spacing."""
    parts: list[str] = []
    for word in term.split():
        letters = []
        for ch in word:
            if ch.isalpha():
                # "fuuck" after squeezing, "kiill": one letter may be repeated.
                letters.append(re.escape(ch) + "+")
            else:
                letters.append(re.escape(ch))
        parts.append("".join(letters))
    return r"(?<![^\W_])" + r"[\s\-_]*".join(parts) + r"(?![^\W_])"


def compile_terms(terms: Iterable[str]) -> re.Pattern[str] | None:
    """Compile word-list terms into one case-insensitive regex with word boundaries."""
    alternatives = [term_regex(t) for t in sorted(set(terms), key=len, reverse=True) if t]
    if not alternatives:
        return None
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)
