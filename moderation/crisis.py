"""Crisis signals: the writer may be about to harm themselves.

Detoxify has no self-harm label, so this is our own signal, built on how risk is
assessed by people who do it: stated intent, a plan, access to means, a time frame.
A letter with any of these is held with the `support` flag so the writer sees support
resources at once. Figurative speech ("this breakup nearly killed me", "I'm dying to
know", "I could die of embarrassment") must not trigger it, so every pattern needs a
first-person speaker and an act against themselves, and the usual idioms are excluded.
"""

from __future__ import annotations

import re

from moderation.matching import Hit, find_hits, has_negation, negated
from moderation.normalise import NormalisedText
from moderation.signals import Signal, Span

_ME = r"\b(?:i|i'm|im|i\s+am|i've|ive|i\s+have|i'd|i\s+would|i\s+just)"
_TOWARDS = (
    r"(?:going\s+to|gonna|want\s+to|wanna|plan\s+to|planning\s+to|planned\s+to|will|'ll|"
    r"about\s+to|ready\s+to|decided\s+to|thinking\s+(?:about|of)|think\s+about|"
    r"keep\s+thinking\s+about|can't\s+stop\s+thinking\s+about|tried\s+to|trying\s+to|"
    r"need\s+to|going\s+to\s+try\s+to|wish\s+i\s+could|would\s+rather|'d\s+rather|"
    r"have\s+to|am\s+going\s+to|'m\s+going\s+to|'m\s+gonna)"
)
# "die" unless it is one of the idioms that use it ("die of embarrassment", "die laughing").
_DIE = (
    r"die\b(?!\s+(?:of|from|than|laughing|happy|old|in\s+your\s+arms|for\s+(?:you|it|a)|"
    r"to\s+(?:know|see|hear|meet|try)|a\s+little))"
)
_ACT = (
    r"(?:kill(?:ing)?\s+myself|end(?:ing)?\s+(?:it\s+all|my\s+(?:own\s+)?life|it\s+tonight|"
    r"everything|my\s+suffering)|end\s+it\b(?!\s+(?:with|between|for\s+(?:good|us)))|"
    rf"tak(?:e|ing)\s+my\s+(?:own\s+)?life|{_DIE}|"
    r"(?:not|never)\s+(?:wake\s+up|be\s+(?:here|alive|around)\s+(?:tomorrow|anymore|much\s+longer))|"
    # The first question of the Columbia scale: "go to sleep and not wake up".
    r"(?:go\s+to\s+sleep|fall\s+asleep|sleep)\s+and\s+(?:not|never)\s+wake\s+up|"
    r"drive\s+(?:the\s+car\s+)?(?:into|off)\s+(?:the|a)\s+(?:river|sea|wall|tree|lake|cliff|bridge|"
    r"lorry|truck|motorway)|"
    r"jump(?:ing)?\s+(?:off|from|in\s+front\s+of)\s+(?:the|a|that)\s+"
    r"(?:bridge|roof|building|cliff|train|balcony|overpass|tower|car\s+park)|"
    r"jump\b(?!\s+(?:at|for|in|into|on|up|rope|ship|the\s+gun|to\s+conclusions|back|ahead|"
    r"around|over\s+the\s+moon|through))|"
    r"overdos(?:e|ing)|hang(?:ing)?\s+myself|cut(?:ting)?\s+myself|hurt(?:ing)?\s+myself|"
    r"harm(?:ing)?\s+myself|disappear\s+forever|"
    # Drowning and traffic are methods as much as pills and heights are.
    r"walk(?:ing)?\s+into\s+(?:the\s+)?(?:sea|ocean|river|lake|traffic)|"
    r"step(?:ping)?\s+in\s+front\s+of\s+(?:a|the)\s+(?:train|bus|truck|lorry|car)|"
    r"(?:join|be\s+with)\s+you\s+(?:soon|tonight|tomorrow|this\s+week|now|very\s+soon|"
    r"by\s+(?:the\s+end\s+of\s+)?(?:the\s+)?(?:week|weekend|morning|tonight|tomorrow|friday|"
    r"monday|sunday|saturday)|before\s+(?:long|christmas|the\s+weekend|your\s+anniversary))|"
    r"swallow\s+(?:all\s+)?(?:the|my|them|these|those)\s+(?:pills|tablets))"
)
_INTENT = re.compile(
    rf"{_ME}\s+(?:\w+\s+){{0,2}}?{_TOWARDS}\s+(?:just\s+|finally\s+|really\s+)?(?P<act>{_ACT})",
    re.IGNORECASE,
)

_EXPLICIT = re.compile(
    r"\b(?:i'm|im|i\s+am|i\s+feel|i've\s+been|i\s+have\s+been|feeling)\s+(?:so\s+|really\s+)?"
    r"suicidal\b"
    r"|\bmy\s+suicide\b"
    r"|\b(?:i\s+(?:wrote|have\s+written|'ve\s+written|am\s+writing|'m\s+writing)\s+(?:a|my))"
    r"\s+suicide\s+note\b"
    r"|\bi(?:'m|\s+am)\s+(?:thinking|think)\s+(?:about|of)\s+suicide\b"
    r"|\b(?:everyone|everybody|the\s+world|my\s+family|they|you\s+all|all\s+of\s+you)\s+"
    r"(?:would|will|'d)\s+be\s+better\s+off\s+without\s+me\b"
    r"|\b(?:i|i'm|im)\s+(?:won't|will\s+not|am\s+not\s+going\s+to)\s+be\s+(?:here|around|alive)\s+"
    r"(?:tomorrow|much\s+longer|by\s+(?:morning|monday|the\s+weekend)|for\s+long|next\s+week)"
    r"|\bthis\s+is\s+my\s+last\s+(?:night|day)\s+(?:alive|on\s+earth|here)\b"
    r"|\b(?:i\s+)?(?:don't|do\s+not)\s+want\s+to\s+(?:be\s+alive|exist|wake\s+up)(?:\s+anymore)?\b"
    r"|\b(?:i\s+)?(?:don't|do\s+not)\s+want\s+to\s+be\s+here\s+(?:anymore|any\s+longer|now)\b"
    # Possessing a ligature or firearm is a plan in itself ("I've got the rope").
    r"|\bi(?:'ve|\s+have)?\s+(?:got|bought|found|have)\s+(?:a|the|my)\s+"
    r"(?:rope|noose|gun|pistol|shotgun)\b(?!\s+(?:swing|ladder|bridge|course|licen[cs]e|club))"
    r"|\bi\s+wish\s+i\s+(?:was|were)\s+dead\b"
    r"|\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|go\s+on|going\s+on|stay|staying)"
    r"(?:\s+anymore)?\b"
    r"|\b(?:don't|do\s+not|can't|cannot)\s+see\s+(?:the\s+|any\s+)?point\s+(?:of|in)\s+"
    r"(?:going\s+on|living|carrying\s+on|being\s+here|staying|life|any\s+of\s+it)"
    # How notes speak of the writer's own death as already arranged.
    r"|\b(?:by\s+the\s+time|when)\s+(?:anyone|you|someone|somebody|they|you\s+all)\s+"
    r"(?:reads?|finds?|gets?)\s+this,?\s+i(?:'ll|\s+will)\s+(?:already\s+)?be\s+(?:gone|dead|at\s+peace)"
    r"|\bi(?:'m|\s+am)\s+not\s+coming\s+back\s+(?:down|up|home|from\s+this)\b"
    r"|\b(?:started|cutting|burning|harming)\s+(?:myself\s+)?again\b[^.!?]{0,80}\b(?:deep|deeper|"
    r"enough|for\s+good)\b"
    r"|\bi\s+want\s+it\s+to\s+be\s+deep\s+enough\b"
    r"|\bnobody\s+(?:will|would)\s+(?:even\s+)?(?:notice|care|miss\s+me)\b[^.!?]{0,20}"
    r"\b(?:i'?m|i\s+am)\s+gone\b",
    re.IGNORECASE,
)

# Risk is read from cues together, as a crisis line does: a wish to die or to stop, a
# time or farewell arrangements, and access to a method. One weak cue alone ("I'm done",
# "tonight", "the bridge") is everyday speech; two of them together are not.
_WEAK_INTENT = re.compile(
    r"\b(?:i'?m|im|i\s+am)\s+done\b(?!\s+with\s+(?:him|her|them|you|that|this|work|my))"
    r"|\bi\s+just\s+want\s+(?:it|the\s+pain|everything|this|all\s+of\s+it)\s+to\s+"
    r"(?:stop|end|be\s+over)"
    r"|\b(?:i'?m|im|i\s+am|i'll|i\s+will)\s+(?:going\s+to\s+|gonna\s+)?(?:end|ending|finish|"
    r"finishing)\s+it\b(?!\s+(?:with|between|for\s+(?:good|us)|off))"
    r"|\b(?:there's|there\s+is|i\s+see)\s+no\s+point\s+(?:anymore|any\s+more|in\s+anything|"
    r"in\s+going\s+on|to\s+any\s+of\s+it)"
    r"|\b(?:i\s+)?(?:don't|do\s+not)\s+want\s+to\s+(?:live|go\s+on)\b"
    r"|\b(?:stop|stopped|stopping)\s+taking\s+my\s+(?:insulin|medication|meds|tablets|pills)\b"
    r"|\bletting\s+go\b(?!\s+of)|\bi'?m\s+so\s+tired\s+of\s+(?:living|being\s+alive|everything)"
    r"|\bi\s+(?:can't|cannot)\s+(?:go\s+on|do\s+this|keep\s+going)\s+(?:any\s*more|much\s+longer)",
    re.IGNORECASE,
)
_ARRANGEMENTS = re.compile(
    r"\b(?:tonight|tonite|this\s+weekend|after\s+the\s+funeral|by\s+morning|"
    r"when\s+everyone(?:'s|\s+is)\s+asleep)\b"
    r"|\b(?:giving|given|gave)\s+(?:away\s+)?(?:all\s+)?my\s+(?:things|stuff|belongings|possessions)"
    r"|\b(?:giving|given|gave)\s+(?:all\s+)?my\s+(?:things|stuff|belongings)\s+away"
    r"|\bstarted\s+giving\s+(?:my\s+)?(?:things|stuff)\s+away"
    r"|\b(?:written|wrote)\s+(?:letters|goodbyes|notes)\s+to\s+everyone\b"
    r"|\bthis\s+is\s+the\s+last\s+one\b"
    r"|\b(?:made\s+my\s+peace|said\s+my\s+goodbyes|put\s+my\s+affairs\s+in\s+order|"
    r"sorted\s+out\s+my\s+will|i'?ve\s+decided)\b"
    r"|\b(?:looked\s+up|researched|googled|worked\s+out|calculated)\s+how\s+(?:many|much|to|long)\b"
    r"|\bi\s+know\s+how\s+(?:many|much)\s+(?:it\s+takes|i\s+need|would\s+do\s+it)"
    r"|\b(?:thinking|thought)\s+about\s+how\s+to\s+(?:make\s+that\s+happen|do\s+it)\b"
    r"|\bsaid\s+(?:my\s+)?goodbyes?\s+to\b"
    r"|\b(?:worked\s+out|figured\s+out|know|planned)\s+(?:exactly\s+)?how\s+i(?:'m|\s+am)\s+"
    r"going\s+to\s+do\s+it\b"
    r"|\bnobody\s+will\s+have\s+to\s+find\s+me\b"
    r"|\b(?:i\s+love\s+you\s+all|sorry\s+for\s+everything|don't\s+blame\s+yourselves?|"
    r"it's\s+not\s+your\s+fault)\b[^\n]{0,200}\b(?:gone|goodbye|forgive\s+me)\b"
    r"|\b(?:multi-?storey|car\s+park|rooftop|top\s+floor)\b[^.!?]{0,60}\b(?:not|never)\s+coming\s+"
    r"(?:back|down)\b",
    re.IGNORECASE,
)
_METHOD = re.compile(
    r"\b(?:pills|tablets|medicine\s+cabinet|medication|meds|painkillers|rope|noose|gun|"
    r"pistol|razor|blades|cliff|bridge|train\s+tracks|the\s+tracks|rooftop|ledge|balcony|"
    r"top\s+floor|window\s+ledge|"
    r"(?:car|engine|exhaust|fumes|charcoal)\b[^.!?]{0,40}\bgarage|garage\b[^.!?]{0,40}"
    r"\b(?:engine|exhaust|fumes))\b",
    re.IGNORECASE,
)
_FIRST_PERSON_ACT = re.compile(
    r"\b(?:i|i'm|im|i'll|i've|ive)\s+(?:\w+\s+){0,3}?(?:take|taking|swallow|swallowing|drive|"
    r"driving|jump|jumping|use|using|hang|overdose|have|got|bought|saved|counted|collected|"
    r"stockpiled|hoarded|keep|kept|looked\s+up|more\s+than|stand|standing|climb|climbing|"
    r"sit\s+on|go\s+up\s+to)\b",
    re.IGNORECASE,
)

_MEANS = (
    r"(?:pills|tablets|sleeping\s+pills|painkillers|paracetamol|tylenol|insulin|rope|noose|"
    r"antidepressants|medication|meds|prescriptions?|opioids|oxy(?:codone|contin)?|morphine|"
    r"gun|pistol|bullets|razor|razors|blades|the\s+means|pesticide|charcoal)"
)
_PLAN = (
    r"(?:saved|saving|stockpiled|stockpiling|hoarded|hoarding|collected|collecting|enough|"
    r"how\s+many|"
    r"counted|hidden|hid|bought|ready|tonight|tomorrow|when\s+everyone|loaded|tied)"
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]?")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|my|me|myself)\b", re.IGNORECASE)
_MEANS_RE = re.compile(rf"\b{_MEANS}\b", re.IGNORECASE)
_PLAN_RE = re.compile(rf"\b{_PLAN}\b", re.IGNORECASE)
# "I have the pills saved" is a plan; "you loved the rope swing" or "your pills" is not.
_OTHERS_MEANS = re.compile(
    rf"\b(?:your|his|her|their|the\s+doctor's)\s+(?:\w+\s+)?{_MEANS}\b", re.IGNORECASE
)


def _means_hits(norm: NormalisedText) -> list[Hit]:
    hits: list[Hit] = []
    for source, text in (("raw", norm.original), ("norm", norm.text)):
        for sentence in _SENTENCE.finditer(text):
            s = sentence.group()
            means = _MEANS_RE.search(s)
            if not means or not _PLAN_RE.search(s) or not _FIRST_PERSON.search(s):
                continue
            if _OTHERS_MEANS.search(s):
                continue
            start, end = sentence.start() + means.start(), sentence.start() + means.end()
            if source == "norm":
                start, end = norm.original_span(start, end)
            if any(h.span.start < end and start < h.span.end for h in hits):
                continue
            hits.append(Hit(Span(start, end, "crisis.means"), means.group(), source == "norm"))
    return hits


def _method_hits(norm: NormalisedText) -> list[Hit]:
    """Return methods the writer says they have or will use ("I have more than that")."""
    hits: list[Hit] = []
    for source, text in (("raw", norm.original), ("norm", norm.text)):
        for sentence in _SENTENCE.finditer(text):
            s = sentence.group()
            method = _METHOD.search(s)
            if not method or not _FIRST_PERSON_ACT.search(s) or _OTHERS_MEANS.search(s):
                continue
            start, end = sentence.start() + method.start(), sentence.start() + method.end()
            if source == "norm":
                start, end = norm.original_span(start, end)
            if not any(h.span.start < end and start < h.span.end for h in hits):
                hits.append(
                    Hit(Span(start, end, "crisis.method"), method.group(), source == "norm")
                )
    return hits


def _combined_cues(norm: NormalisedText) -> list[Hit]:
    """Return the cues when at least two kinds (wish, arrangements, method) co-occur."""
    # Several wishes carry their own negation ("I don't want to live"): only one
    # before the phrase cancels it.
    weak = find_hits(
        _WEAK_INTENT, norm, "crisis.wish", accept=lambda t, m: not negated(t, m.start())
    )
    arrangements = find_hits(_ARRANGEMENTS, norm, "crisis.arrangements")
    methods = _method_hits(norm)
    # Methods in letters about medicine cabinets ("your pills") are filtered above;
    # arrangements alone ("tonight") never count.
    kinds = sum(1 for cue in (weak, arrangements, methods) if cue)
    if kinds >= 2:
        return weak + arrangements + methods
    return []


def _intent_not_negated(text: str, m: re.Match[str]) -> bool:
    """Accept unless the wish itself is negated ("I'm not going to..."); the act may
    carry its own negation ("go to sleep and never wake up")."""
    return not negated(text, m.start()) and not has_negation(text[m.start() : m.start("act")])


def crisis_signals(norm: NormalisedText) -> list[Signal]:
    """Return a crisis signal when the writer states intent, a plan or means of self-harm."""
    hits = find_hits(_INTENT, norm, "crisis.intent", accept=_intent_not_negated)
    hits += find_hits(_EXPLICIT, norm, "crisis.explicit")
    hits += _means_hits(norm)
    hits += _combined_cues(norm)
    if not hits:
        return []
    return [
        Signal(
            category="crisis",
            severity="review",
            reason="the writer may be at risk of self-harm",
            spans=tuple(h.span for h in hits),
            evasion=all(h.evasion for h in hits),
        )
    ]
