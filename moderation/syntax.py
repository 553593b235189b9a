"""Read who does what to whom: threats and self-harm intent from the sentence's grammar.

Phrase patterns only catch the phrasings someone thought of. A dependency parse (the
spaCy model Presidio already loads) generalises: a threat is a violent verb whose doer
is the writer, stated as intent (will, going to, want to...), whose victim is the
reader ("I'll come round and beat the hell out of you", "I'm going to make sure you get
hurt"); self-harm intent is the same shape turned on the writer ("I want to take all the
pills tonight", "I'm going to drown myself"). A negation anywhere on that chain ("I would
never hurt you") or a past tense ("I wanted to die when you left") cancels it, and
idioms keep their escape hatches ("die of embarrassment", "kill it at the marathon").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from moderation.normalise import NormalisedText
from moderation.signals import Signal, Span

_VIOLENT = frozenset(
    """kill murder stab shoot strangle choke hurt beat bash smash burn slit torture rape
    drown hang poison punch slaughter butcher break destroy cave crack snap kick batter
    maim cripple blind gut skin attack knife bleed bury execute behead stamp stomp throttle
    thump pummel slap whack deck wreck hospitalise hospitalize""".split()  # noqa: SIM905
)
_SELF_HARM = frozenset(
    """kill end take die jump overdose hang cut drown swallow drive shoot poison starve
    disappear harm hurt""".split()  # noqa: SIM905
)
_MEANS = frozenset(
    """pill tablet overdose rope noose gun pistol razor blade medication med
    antidepressant painkiller paracetamol insulin bottle everything""".split()  # noqa: SIM905
)
# Verbs of will and plan that turn "kill" into "going to kill".
_VOLITION = frozenset(
    """want wanna plan intend mean decide promise swear try go gonna need ready
    prepare""".split()  # noqa: SIM905
)
_VICTIM_NOUNS = frozenset(
    """family kid kids child children wife husband mother mum mom father dad sister
    brother son daughter girlfriend boyfriend dog house car face throat neck leg legs
    skull head life body bones bone teeth eyes arm arms hand hands kneecaps jaw nose ribs
    home business shop""".split()  # noqa: SIM905
)
_FIGURATIVE_PREP = frozenset({"of", "from", "for", "laughing", "than"})
_CHAIN = frozenset({"xcomp", "ccomp", "conj", "advcl", "acomp", "dep"})


def _ancestors(token: Any, depth: int = 4) -> Iterator[Any]:
    """Yield the token and the heads it hangs from through clause links."""
    current = token
    for _ in range(depth):
        yield current
        if current.dep_ not in _CHAIN or current.head is current:
            return
        current = current.head


def _speaker_intends(verb: Any) -> bool:
    """Tell whether the writer (I/we) states an intent to do `verb` (not past, not negated)."""
    subject = None
    future = False
    for node in _ancestors(verb):
        children = list(node.children)
        if any(c.dep_ == "neg" for c in children):
            return False
        if any(c.dep_ == "aux" and c.lemma_ in {"will", "shall", "gonna"} for c in children):
            future = True
        if node is not verb and node.lemma_ in _VOLITION:
            past = node.tag_ in {"VBD", "VBN"} and not any(
                c.dep_ == "aux" and c.tag_ in {"VBP", "VBZ", "MD"} for c in children
            )
            if past:
                return False
            future = True
        for c in children:
            # The victim of a passive ("make sure you get hurt") is not the doer.
            if c.dep_ == "nsubj" and subject is None and c.i < node.i:
                subject = c
    if subject is None or subject.lower_ not in {"i", "we"}:
        return False
    # Without a future or a wish, "I beat" and "I killed" report the past.
    return future


def _conditional(verb: Any) -> bool:
    """Tell whether `verb` sits in or under an "if" clause ("if I hear it again I'll die")."""
    for node in _ancestors(verb):
        for c in node.children:
            if c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ == "if" for m in c.children):
                return True
        if node.dep_ == "advcl" and any(m.lower_ == "if" for m in node.children):
            return True
    return False


def _is_reader(token: Any) -> bool:
    if token.lower_ in {"you", "u", "ya", "yourself"}:
        return True
    return token.lemma_ in _VICTIM_NOUNS and any(
        c.dep_ == "poss" and c.lower_ in {"your", "ur"} for c in token.children
    )


def _aimed_at_reader(verb: Any) -> bool:
    """Tell whether the reader (or their family, home, body) takes the violence."""
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    if objects:
        # "kill the weeds for you" harms the weeds; "beat the hell out of you" is the idiom.
        for o in objects:
            if _is_reader(o):
                return True
            # "the hell out of you", "every bone in your body": the object is the idiom
            # or a body part, and the reader sits elsewhere in the clause.
            idiom = o.lemma_ in {"hell", "shit", "crap", "daylight", "life", "living"}
            if (idiom or o.lemma_ in _VICTIM_NOUNS) and any(
                _is_reader(t) for t in verb.subtree if t is not o
            ):
                return True
        return False
    return any(
        _is_reader(t) and t.dep_ in {"nsubjpass", "pobj", "dobj", "dative"} for t in verb.subtree
    )


_HARM_PLACES = frozenset({"hospital", "ground", "grave", "coffin", "box", "wheelchair", "morgue"})


def _puts_in_harm(verb: Any) -> bool:
    """Tell whether "put" sends someone somewhere only violence does ("in hospital")."""
    return any(
        t.dep_ == "pobj" and t.lemma_ in _HARM_PLACES and t.head.lower_ in {"in", "into"}
        for t in verb.subtree
    )


def _self_directed(verb: Any) -> bool:
    lemma = verb.lemma_
    children = list(verb.children)
    objects = [c for c in children if c.dep_ in {"dobj", "pobj"}]
    preps = [c for c in children if c.dep_ in {"prep", "prt", "advmod"}]
    if any(p.lower_ in _FIGURATIVE_PREP for p in preps):
        return False
    if any(o.lower_ == "myself" for o in objects):
        return lemma in {
            "kill",
            "hang",
            "cut",
            "drown",
            "shoot",
            "poison",
            "starve",
            "harm",
            "hurt",
            "overdose",
        }
    if lemma == "end":
        subtree = {t.lower_ for t in verb.subtree}
        return any(
            o.lower_ == "life"
            and any(p.lower_ == "my" for p in o.children)
            or o.lower_ == "it"
            and "all" in subtree
            and "with" not in subtree
            for o in objects
        ) or any(o.lower_ == "everything" for o in objects)
    if lemma in {"take", "swallow"}:
        return any(o.lemma_ in _MEANS for o in objects) or any(
            o.lower_ == "life" and any(p.lower_ == "my" for p in o.children) for o in objects
        )
    if lemma in {"die", "overdose", "disappear"}:
        return not objects
    if lemma in {"jump", "drive"}:
        return any(
            p.lower_ in {"off", "from", "into"} or p.lower_ == "in" and "front" in p.subtree
            for p in preps
        )
    return False


def _span(verb: Any, norm: NormalisedText) -> Span:
    tokens = list(verb.subtree)
    start = min(t.idx for t in tokens)
    end = max(t.idx + len(t) for t in tokens)
    o_start, o_end = norm.original_span(start, end)
    return Span(o_start, o_end, "syntax")


class ClauseReader:
    """Find threats and self-harm intent in a parsed letter."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp

    def signals(self, norm: NormalisedText) -> list[Signal]:
        """Return a threat signal and/or a crisis signal, with the clauses behind them."""
        doc = self.nlp(norm.text)
        threats: list[Span] = []
        crisis: list[Span] = []
        for token in doc:
            if token.pos_ not in {"VERB", "AUX"} and token.dep_ not in {"ROOT", "xcomp", "conj"}:
                continue
            lemma = token.lemma_.lower()
            harmful = lemma in _VIOLENT or lemma == "put" and _puts_in_harm(token)
            if harmful and _aimed_at_reader(token) and _speaker_intends(token):
                threats.append(_span(token, norm))
            if (
                lemma in _SELF_HARM
                and _self_directed(token)
                and _speaker_intends(token)
                # "If I hear that song again I swear I'll die" is hyperbole.
                and not _conditional(token)
            ):
                crisis.append(_span(token, norm))
        evasion = norm.text != norm.original
        out: list[Signal] = []
        if threats:
            out.append(
                Signal(
                    "threat",
                    "review",
                    "the writer states an intent to harm someone",
                    tuple(threats),
                    evasion=evasion and bool(norm.steps - {"nfkc"}),
                )
            )
        if crisis:
            out.append(
                Signal("crisis", "review", "the writer may be at risk of self-harm", tuple(crisis))
            )
        return out
