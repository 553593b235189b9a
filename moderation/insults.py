"""Insults aimed at the reader, found by proximity rather than by fixed phrases.

Fixed phrases ("you are a worthless ...") miss most of the ways people insult each
other ("you manipulative, narcissistic bastard", "shut your mouth, you two-faced hag").
Here an insult word counts when a second-person reference sits a few words before it in
the same clause, with nobody else named in between ("you said he was a bastard" is
about him). The insult words are the offline model's most offensive-weighted words,
minus swearing that grief uses as punctuation, violent words that grief uses literally
and identity words (which are not insults in themselves), plus common insults the
model's vocabulary lacks.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from moderation.matching import Hit, has_negation, negated
from moderation.normalise import NormalisedText
from moderation.signals import Span

log = logging.getLogger(__name__)

# Words whose weight in the offline model comes from use, not aim: swearing as
# punctuation, death and violence (the letters are about death), identity and the body.
_NOT_INSULTS = frozenset(
    """fuck fucking fucked fuckin fucks shit shitty crap damn goddamn hell bloody wtf
    freaking bullshit piss pissing pissed suck sucks sucking sucked kill killed die dead
    hate hater hated sick cancer gay queer queers homosexual homo dyke dykes negro sex
    penis vagina boobs butt semen cum anus fart ck ing cking racist nazis nerd nerds
    stink stinks stinky ridiculous rubbish shut screw ass asses arse hoes hoe mutha
    nig niccas nicca freak funny crazy insane mad weird wtf lol omg""".split()  # noqa: SIM905 - a word list reads better as prose
)
# Common insults the model's vocabulary lacks or weighs low.
_EXTRA_INSULTS = frozenset(
    """hag crone harpy gutless brainless spineless narcissist narcissistic psycho
    psychopath sociopath vile coward cowardly worm vermin leech parasite snake rat
    creep creepy pervert slimeball sleazebag lowlife degenerate deadbeat scumbag
    bully abuser manipulative monster waste trash garbage filth disgrace abomination
    cretin halfwit dimwit nitwit numpty tosser bellend prat git slag tramp skank
    weasel maggot swine hypocrite liar fraud thug worthless slut whore bitch cow pig
    pathetic disgusting repulsive revolting troll ghoul vulture bloodsucker""".split()  # noqa: SIM905 - a word list reads better as prose
)
# Mild words: a single one is how grief scolds ("you stupid, stubborn man").
MILD = frozenset(
    """stupid idiot fool foolish dumb jerk silly ugly fat useless selfish liar
    idiotic dumbest moron jackass""".split()  # noqa: SIM905 - a word list reads better as prose
)
_SECOND_PERSON = frozenset({"you", "u", "ya", "youre", "you're", "ur", "yourself", "thou"})
# A third party between "you" and the insult makes it about them, not the reader.
_OTHER_PARTY = frozenset(
    """he she they him her them his their it that this someone somebody everyone
    everybody people who which doctor doctors nurse nurses driver man woman guy""".split()  # noqa: SIM905 - a word list reads better as prose
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|[.!?;:\n]")
_WINDOW = 7


@lru_cache(maxsize=1)
def insult_lexicon() -> frozenset[str]:
    """Return the words treated as insults (model-derived plus the extra list)."""
    words: set[str] = set(_EXTRA_INSULTS)
    try:
        import numpy as np
        from profanity_check import profanity_check

        model = profanity_check.model
        estimators = [
            getattr(c, "estimator", None) or c.base_estimator for c in model.calibrated_classifiers_
        ]
        coef = np.mean([e.coef_ for e in estimators], axis=0).ravel()
        vocab = profanity_check.vectorizer.vocabulary_
        for word, index in vocab.items():
            if coef[index] >= 2.0 and str(word).isalpha() and len(str(word)) > 2:
                words.add(str(word))
    except Exception as exc:  # the extra list alone still works
        log.warning("offline model weights unavailable for the insult lexicon: %s", exc)
    return frozenset(w for w in words if w not in _NOT_INSULTS)


@dataclass(frozen=True)
class AimedInsult:
    """An insult word with a second-person reference just before it."""

    hit: Hit
    word: str
    mild: bool


def aimed_insults(norm: NormalisedText) -> list[AimedInsult]:
    """Return insult words aimed at the reader, in original-text spans."""
    lexicon = insult_lexicon()
    found: list[AimedInsult] = []
    seen: set[tuple[int, int]] = set()
    for source, text in (("raw", norm.original), ("norm", norm.text)):
        tokens = [
            (m.group().lower().replace("’", "'"), m.start(), m.end()) for m in _TOKEN.finditer(text)
        ]
        for i, (word, start, end) in enumerate(tokens):
            bare = word.strip("'")
            if bare not in lexicon and bare.rstrip("s") not in lexicon:
                continue
            for j in range(i - 1, max(-1, i - _WINDOW - 1), -1):
                before = tokens[j][0]
                if before in ".!?;:\n" or before in _OTHER_PARTY:
                    break
                if before in _SECOND_PERSON:
                    if negated(text, tokens[j][1]) or has_negation(text[tokens[j][1] : start]):
                        break
                    span = (tokens[j][1], end)
                    if source == "norm":
                        span = norm.original_span(*span)
                    if any(s < span[1] and span[0] < e for s, e in seen):
                        break
                    seen.add(span)
                    found.append(
                        AimedInsult(
                            Hit(
                                Span(span[0], span[1], "abuse.aimed"),
                                text[tokens[j][1] : end],
                                source == "norm",
                            ),
                            bare,
                            bare in MILD or bare.rstrip("s") in MILD,
                        )
                    )
                    break
    return found
