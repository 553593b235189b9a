"""Normalise a letter before scoring, keeping a map back to the original characters.

Writers who want abuse to slip through disguise it: full-width letters, zero-width
joiners, Cyrillic look-alikes, "f u c k", "k.i.l.l", "fuuuuck", "b1tch". Each step
below undoes one of those disguises. Every output character remembers the index of the
input character it came from, so a span found in the normalised text can be reported
(and redacted) in the writer's own text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from confusable_homoglyphs import categories, confusables

# Characters that render as nothing but split a word for a matcher. Category Cf covers
# zero-width space/joiners, soft hyphen, bidi controls and tag characters; the rest are
# blank letters (Hangul fillers, Braille blank) and variation selectors (category Mn).
_INVISIBLE_EXTRA = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f" + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)

_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "l",
    "+": "t",
    "€": "e",
}
# A token as a leetspeaker writes it: letters mixed with digits and substitute symbols.
_LEET_TOKEN = re.compile(r"[\w@$!|+€]+")
# Three or more single letters joined by one separator each: "f u c k", "k.i.l.l".
_SPACED = re.compile(r"(?<![\w@$!|+€])[\w@$!|+€](?:[ .\-_*·•][\w@$!|+€]){2,}(?![\w@$!|+€])")
# Numbers with a unit or ordinal ("10am", "2nd", "5k") are not leetspeak.
_NOT_LEET = re.compile(r"\d+(?:st|nd|rd|th|am|pm|s|k|m|h|kg|km|mg|ml|x)?", re.IGNORECASE)
_EMAIL_TAIL = re.compile(r"\.[A-Za-z]{2,}")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class NormalisedText:
    """A normalised text and, for each of its characters, the index in the original."""

    original: str
    text: str
    source: tuple[int, ...]
    # Which disguises were undone ("homoglyph", "spacing", "leet"...), for the decision.
    steps: frozenset[str] = field(default_factory=frozenset)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text to a span of the original."""
        if not self.source or start >= end:
            return (0, 0)
        first = self.source[min(start, len(self.source) - 1)]
        last = self.source[min(end, len(self.source)) - 1]
        return (first, last + 1)


class _Mapped:
    """A text under construction: characters with their original indices."""

    def __init__(self, chars: list[tuple[str, int]]) -> None:
        self.chars = chars

    @property
    def text(self) -> str:
        return "".join(c for c, _ in self.chars)


def _nfkc(text: str) -> _Mapped:
    out: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        for piece in unicodedata.normalize("NFKC", ch):
            out.append((piece, i))
    return _Mapped(out)


def is_invisible(ch: str) -> bool:
    """Tell whether `ch` renders as nothing (format characters, fillers, selectors)."""
    return unicodedata.category(ch) == "Cf" or ch in _INVISIBLE_EXTRA


def _strip_invisible(m: _Mapped) -> tuple[_Mapped, bool]:
    kept = [(c, i) for c, i in m.chars if not is_invisible(c)]
    return _Mapped(kept), len(kept) != len(m.chars)


@lru_cache(maxsize=4096)
def _latin_lookalike(ch: str) -> str | None:
    """Return the ASCII letter `ch` is confusable with, if it is a non-Latin letter."""
    if ch.isascii() or not ch.isalpha():
        return None
    if categories.alias(ch) == "LATIN":
        return None
    found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=True)
    if not found:
        return None
    for glyph in found[0]["homoglyphs"]:
        candidate = str(glyph["c"])
        if len(candidate) == 1 and candidate.isascii() and candidate.isalpha():
            return candidate
    return None


def _fold_homoglyphs(m: _Mapped) -> tuple[_Mapped, bool]:
    """Fold look-alike letters to Latin in words that mix Latin with another script.

    A word written wholly in Cyrillic or Greek is left alone (it is a real word of that
    language) unless every one of its letters is a Latin look-alike and the letter
    around it is Latin, which is how a disguised English word looks (UTS #39 skeleton).
    """
    text = m.text
    chars = list(m.chars)
    changed = False
    latin_letters = sum(1 for c in text if c.isascii() and c.isalpha())
    mostly_latin = latin_letters > 0.6 * max(1, sum(1 for c in text if c.isalpha()))
    for word in _WORD.finditer(text):
        letters = [c for c in word.group() if c.isalpha()]
        has_latin = any(c.isascii() for c in letters)
        foreign = [c for c in letters if not c.isascii()]
        if not foreign:
            continue
        lookalikes = {c: _latin_lookalike(c) for c in foreign}
        mixed = has_latin and any(v is not None for v in lookalikes.values())
        disguised = (
            not has_latin and mostly_latin and all(v is not None for v in lookalikes.values())
        )
        if not (mixed or disguised):
            continue
        for pos in range(word.start(), word.end()):
            repl = lookalikes.get(chars[pos][0])
            if repl is not None:
                chars[pos] = (repl, chars[pos][1])
                changed = True
    return _Mapped(chars), changed


_FUNCTION_WORDS = frozenset(
    [
        "a",
        "i",
        "u",
        "r",
        "y",
        "o",
        "you",
        "your",
        "yourself",
        "are",
        "am",
        "is",
        "was",
        "were",
        "be",
        "me",
        "my",
        "we",
        "us",
        "our",
        "he",
        "she",
        "it",
        "they",
        "them",
        "his",
        "her",
        "the",
        "to",
        "and",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "so",
        "no",
        "not",
        "go",
        "die",
        "kill",
        "hurt",
    ]
)
# Single letters that are words on their own ("u r a ..."), so a run of only these is
# a sentence in text-speak, not a spelled-out word.
_LETTER_WORDS = frozenset("aiuryo")


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Return the words used to decide how to rejoin and squeeze disguised words.

    alt-profanity-check ships the vocabulary of its classifier (15,000 words of online
    comments, profanity included); a few function words it drops are added.
    """
    words: set[str] = set(_FUNCTION_WORDS)
    try:
        from profanity_check import profanity_check

        words.update(str(w) for w in profanity_check.vectorizer.vocabulary_ if str(w).isalpha())
        # The classifier drops English stop words ("will", "your"); they are words too.
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        words.update(ENGLISH_STOP_WORDS)
    except Exception as exc:  # without it, spacing and repeats fall back to defaults
        logging.getLogger(__name__).warning("no vocabulary for normalisation: %s", exc)
    return frozenset(words)


def _segment(letters: str) -> list[int]:
    """Split a run of letters into as few known words as possible; return piece lengths."""
    vocab = vocabulary()
    n = len(letters)
    best: list[tuple[int, list[int]] | None] = [None] * (n + 1)
    best[0] = (0, [])
    for i in range(n):
        current = best[i]
        if current is None:
            continue
        for j in range(i + 1, n + 1):
            word = letters[i:j]
            if j - i > 1 and word not in vocab:
                continue
            # Two-letter "words" like "ra" or "ur" would swallow text-speak ("u r a").
            if j - i == 2 and word not in _FUNCTION_WORDS:
                continue
            # A single leftover letter costs more than a word, so words win.
            cost = current[0] + (1 if j - i > 1 else 2)
            candidate = best[j]
            if candidate is None or cost < candidate[0]:
                best[j] = (cost, [*current[1], j - i])
    result = best[n]
    return result[1] if result else [n]


def _rejoin_spaced(m: _Mapped) -> tuple[_Mapped, bool]:
    """Rejoin runs of single characters split by spaces or dots ("k.i.l.l" -> "kill").

    A run is split into known words ("k i l l y o u" -> "kill you", "a b.i.t.c.h" ->
    "a bitch"); a run made only of one-letter words ("u r a") is left alone.
    """
    text = m.text
    drop: set[int] = set()
    for run in _SPACED.finditer(text):
        # The regex alternates one character and one separator, starting with a character.
        content = list(range(run.start(), run.end(), 2))
        letters = "".join(_LEET.get(text[p], text[p]).lower() for p in content)
        pieces = _segment(letters)
        if all(size == 1 for size in pieces) and set(letters) <= _LETTER_WORDS:
            continue
        if all(size == 1 for size in pieces):
            pieces = [len(letters)]
        index = 0
        for size in pieces:
            for k in range(index, index + size - 1):
                drop.update(range(content[k] + 1, content[k + 1]))
            index += size
    if not drop:
        return m, False
    return _Mapped([c for pos, c in enumerate(m.chars) if pos not in drop]), True


def _squeeze_word(word: str) -> str:
    """Squeeze each run of 3+ letters to one or two, preferring a known word."""
    runs = list(_REPEAT.finditer(word))
    if not runs:
        return word
    vocab = vocabulary()
    # Two letters per run is the default ("sooo" -> "soo"); known words win over it.
    default = _REPEAT.sub(lambda r: r.group(1) * 2, word)
    for mask in range(1 << min(len(runs), 6)):
        out, last = [], 0
        for i, r in enumerate(runs):
            out.append(word[last : r.start()])
            out.append(r.group(1) * (1 if mask >> i & 1 else 2))
            last = r.end()
        out.append(word[last:])
        candidate = "".join(out)
        if candidate.lower() in vocab:
            return candidate
    return default


def _squeeze_repeats(m: _Mapped) -> tuple[_Mapped, bool]:
    """Squeeze letters repeated three or more times ("kiiiilllll" -> "kill")."""
    text = m.text
    out: list[tuple[str, int]] = []
    changed = False
    last = 0
    for word in re.finditer(r"[^\W\d_]+", text):
        out.extend(m.chars[last : word.start()])
        squeezed = _squeeze_word(word.group())
        if squeezed == word.group():
            out.extend(m.chars[word.start() : word.end()])
        else:
            changed = True
            # Walk the word and its squeezed form together to keep each source index.
            pos = word.start()
            for ch in squeezed:
                while text[pos].lower() != ch.lower():
                    pos += 1
                out.append(m.chars[pos])
                pos += 1
        last = word.end()
    out.extend(m.chars[last:])
    return _Mapped(out), changed


def _undo_leet(m: _Mapped) -> tuple[_Mapped, bool]:
    """Undo leetspeak inside tokens that mix letters with digits or symbols ("b1tch")."""
    text = m.text
    chars = list(m.chars)
    changed = False
    for token in _LEET_TOKEN.finditer(text):
        word = token.group()
        # Trailing "!" or "$" is punctuation, not a letter: "you!" stays "you!".
        core_end = token.end()
        while core_end > token.start() and not text[core_end - 1].isalnum():
            core_end -= 1
        core = text[token.start() : core_end]
        letters = sum(1 for c in core if c.isalpha())
        subs = sum(1 for c in core if c in _LEET)
        if letters < 1 or subs == 0 or _NOT_LEET.fullmatch(core):
            continue
        # An e-mail address is not leetspeak; PII screening needs it intact.
        if "@" in word[1:] and _EMAIL_TAIL.match(text, token.end()):
            continue
        for pos in range(token.start(), core_end):
            repl = _LEET.get(chars[pos][0])
            if repl is not None:
                chars[pos] = (repl, chars[pos][1])
                changed = True
    return _Mapped(chars), changed


def normalise(text: str) -> NormalisedText:
    """Undo the usual disguises of abusive text and map the result to the original."""
    steps: set[str] = set()
    m = _nfkc(text)
    if m.text != text:
        steps.add("nfkc")
    for name, step in (
        ("invisible", _strip_invisible),
        ("homoglyph", _fold_homoglyphs),
        ("leet", _undo_leet),
        ("spacing", _rejoin_spaced),
        ("repeat", _squeeze_repeats),
    ):
        m, changed = step(m)
        if changed:
            steps.add(name)
    # Leet again after rejoining: "k 1 l l" is only a token once its spaces are gone.
    m, changed = _undo_leet(m)
    if changed:
        steps.add("leet")
    return NormalisedText(
        original=text,
        text=m.text,
        source=tuple(i for _, i in m.chars),
        steps=frozenset(steps),
    )


def light_normalise(text: str) -> NormalisedText:
    """Apply only NFKC and invisible-character removal (for PII, where digits matter)."""
    m = _nfkc(text)
    m, _ = _strip_invisible(m)
    return NormalisedText(original=text, text=m.text, source=tuple(i for _, i in m.chars))
