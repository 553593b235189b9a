"""Our own threat, abuse and identity-attack rules.

A model scores how a text sounds; these rules look at who does what to whom. Grief
letters are full of "kill", "die" and "hate" ("cancer killed you", "I hate that you
died", "I'd kill for one more day"): the rules below fire on a speaker promising harm
to someone, on insults aimed at the reader, and on attacks on groups, and a negation
just before a phrase ("I would never hurt you") cancels it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.insults import AimedInsult, aimed_insults
from moderation.matching import Hit, find_hits, negated, not_negated
from moderation.normalise import NormalisedText
from moderation.signals import Category, Severity, Signal

_I = r"(?:i|we)"
_WILL = (
    r"(?:\s*'ll|\s*’ll|\s+will|\s+shall|\s*'m\s+(?:going\s+to|gonna|coming\s+to)|"
    r"\s+am\s+(?:going\s+to|gonna|coming\s+to)|\s+are\s+(?:going\s+to|gonna)|\s+gonna|"
    r"\s+(?:swear|promise)\s+(?:i|we)(?:'ll|\s+will))"
)
_VIOLENT = (
    r"(?:kill|murder|stab|shoot|strangle|choke|hurt|beat|bash|smash|burn|bury|slit|gut|"
    r"torture|rape|drown|hang|poison|punch|slaughter|butcher|cut|break|destroy|end|ruin|cave|"
    r"crack|snap|smash|kick|bash|batter|maim|cripple|blind|gut|skin)"
)
_TARGET = (
    r"(?:you|u|ya|him|her|them|y'all|you\s+all|"
    r"your\s+(?:family|kids?|children|wife|husband|mother|mom|father|dad|sister|brother|"
    r"girlfriend|boyfriend|dog|house|car|face|throat|neck|legs?|skull|head))"
)

_THREAT_SEVERE = re.compile(
    rf"\b{_I}{_WILL}\s+(?:\w+\s+){{0,2}}?{_VIOLENT}\s*{_TARGET}\b"
    r"|\bi\s+know\s+where\s+(?:you|u|your\s+\w+)\s+(?:live|work|sleep|stay|go\s+to\s+school)"
    r"|\b(?:i'm|i\s+am|we're|we\s+are)\s+coming\s+for\s+(?:you|u|your)"
    r"|\byou(?:'re|\s+are)\s+(?:a\s+)?dead\s+(?:man|woman|meat)\b"
    r"|\b(?:a\s+)?bullets?\s+(?:in|through|between)\s+(?:your|ur)\s+(?:head|skull|brain|eyes)"
    r"|\b(?:bomb|shoot\s+up|blow\s+up|burn\s+down)\s+(?:the|your|their|that)\s+"
    r"(?:school|house|office|church|mosque|synagogue|temple|home|work|building|wedding)"
    r"|\bi\s+hope\s+(?:you|u)\s+(?:die|rot|burn|choke|get\s+(?:cancer|hit|raped|killed|shot)|"
    r"drop\s+dead|never\s+wake\s+up|suffer)\b"
    r"|\b(?:you|u)\s+(?:should|deserve\s+to|need\s+to|ought\s+to|better)\s+(?:just\s+)?"
    r"(?:die|be\s+(?:dead|killed|shot|raped|hanged|hung)|rot|suffer|kill\s+yourself)\b"
    r"|\bkys\b"
    r"|(?:^|[.!?,;:]\s*|\b(?:go|just|pls|please|should|better|to)\s+)kill\s*(?:your\s*self|urself)\b"
    r"|\bgo\s+(?:and\s+)?(?:die|hang\s+yourself|drink\s+bleach|jump\s+off)\b"
    # "just die" as an order, not "I could just die of embarrassment".
    r"|(?:^|[.!?;:]\s*)just\s+(?:go\s+)?(?:die|hang\s+yourself|drink\s+bleach)\b"
    r"|\bneck\s+yourself\b",
    re.IGNORECASE | re.MULTILINE,
)

_THREAT_VEILED = re.compile(
    r"\byou(?:'re|\s+are|\s*'ll|\s+will)\s+(?:going\s+to\s+|gonna\s+)?"
    r"(?:pay\s+for|regret\s+(?:this|it|what|the\s+day)|be\s+sorry|never\s+see\s+it\s+coming|"
    r"get\s+what's\s+coming|wish\s+you\s+were\s+dead|be\s+next)"
    r"|\bwatch\s+your\s+(?:back|step|kids)\b"
    r"|\bsleep\s+with\s+one\s+eye\s+open\b"
    r"|\bwhile\s+you\s+(?:still\s+)?can\b"
    r"|\bfinish\s+what\s+(?:i|we)\s+started\b"
    r"|\bmake\s+you\s+(?:pay|suffer|bleed|beg|scream|watch\s+while)\b"
    r"|\b(?:no\s+idea|don't\s+know)\s+what\s+i(?:'m|\s+am)\s+capable\s+of\b"
    r"|\bcount\s+your\s+days\b"
    r"|\b(?:i'll|i\s+will)\s+make\s+(?:you|u|sure\s+you)\s+(?:pay|suffer|regret|bleed)\b"
    r"|\b(?:i'll|i\s+will)\s+(?:find|hunt)\s+(?:you|u)\s+(?:down|and)\b"
    r"|\bwhen\s+i\s+(?:find|get\s+my\s+hands\s+on)\s+(?:you|u)\b"
    # Conditional threats: "if you come to the funeral, you won't walk out of it".
    r"|\bif\s+you\b[^.!?]{0,60}?\b(?:you\s+won't|you\s+will\s+not|you'll\s+never|"
    r"you\s+will\s+never|i'll|i\s+will|i'm\s+going\s+to|we'll)\s+(?:\w+\s+){0,2}?"
    r"(?:be\s+walking|walk(?:ing)?\s+(?:out|away|home)|breathe|live\s+to|wake\s+up|"
    r"leave\s+alive|regret|pay|suffer|bleed|end\s+up|kill|end|finish|destroy)\b"
    r"|\b(?:people|men|women|guys|girls|snitches|rats|liars|scum)\s+like\s+(?:you|u)\s+"
    r"(?:always\s+|usually\s+|tend\s+to\s+)?(?:end\s+up|wind\s+up|get|turn\s+up)\s+"
    r"(?:dead|hurt|buried|found|killed|shot|stabbed|in\s+(?:the|a)\s+(?:river|ditch|hospital|"
    r"grave|morgue|box|bag|canal|lake))"
    r"|\byou(?:'ll|\s+will|'re\s+going\s+to|\s+are\s+going\s+to)\s+(?:end\s+up|wind\s+up)\s+"
    r"(?:dead|hurt|buried|in\s+(?:the|a)\s+(?:river|ditch|hospital|grave|morgue|box|bag))"
    r"|\b(?:would|it'd|it\s+would)\s+be\s+a\s+(?:real\s+)?shame\s+if\s+(?:something|anything|"
    r"they|it|your|you)"
    r"|\bi(?:'ve\s+got|\s+have|\s+know|\s+found)\s+your\s+(?:home\s+)?(?:address|number\s+plate|"
    r"plates|schedule|routine)\b"
    r"|\byou\s+won't\s+(?:live\s+to\s+see|see|survive)\s+(?:tomorrow|another|the\s+next|next)"
    r"|\b(?:keep|carry\s+on|go\s+on)\s+(?:talking|doing\s+(?:that|this)|like\s+this|pushing)\s+"
    r"and\s+(?:see\s+what\s+happens|you'll\s+(?:see|regret|find\s+out))"
    r"|\bsee\s+what\s+happens\s+to\s+(?:you|your)\b"
    r"|\b(?:someone|somebody|people)\s+(?:should|ought\s+to|needs?\s+to|is\s+going\s+to)\s+"
    r"(?:put|kill|shoot|hurt|beat|end|bury|stab|deal\s+with)\s+(?:you|u)\b"
    r"|\bput\s+you\s+in\s+the\s+ground\b|\bsix\s+feet\s+under\s+where\s+you\s+belong"
    r"|\bi'?ll\s+be\s+waiting\s+(?:for\s+you\s+)?(?:outside|at|by)\s+your\s+"
    r"(?:house|home|work|office|school|door|car|flat)",
    re.IGNORECASE,
)

_STRONG_INSULT = (
    r"(?:worthless|pathetic|disgusting|piece\s+of\s+(?:shit|crap|garbage|trash|filth)|"
    r"scum(?:bag)?|trash|garbage|bitch|bastard|whore|slut|cunt|dickhead|dick|asshole|"
    r"arsehole|motherfucker|fucker|twat|wanker|prick|loser|retard(?:ed)?|subhuman|vermin|"
    r"parasite|waste\s+of\s+(?:space|oxygen|air|skin|life)|skank|moron|imbecile|"
    r"degenerate|lowlife|filth|cretin|pig|cow|rat|snake|leech|abomination|disgrace|"
    r"(?:sad\s+|pathetic\s+|little\s+)*joke\s+of\s+a\s+\w+|excuse\s+for\s+a\s+\w+)"
)
_WEAK_INSULT = r"(?:idiot|stupid|dumb|fool|jerk|ugly|fat|useless|selfish|creep|nobody)"
_INTENSIFIERS = (
    r"(?:such|so|a|an|the|just|nothing\s+but|really|truly|fucking|fuckin|freaking|absolute|"
    r"absolutely|total|totally|complete|completely|little|big|dirty|stupid|ugly|fat|useless|"
    r"pathetic|worthless|disgusting|lying|sad|sorry|filthy|ignorant|miserable|spineless)"
)
_YOU_ARE = (
    r"\b(?:you|u|ya|ur|yo)(?:'re|’re|\s+are|\s+r|re|\s+were|\s+was|\s+have\s+always\s+been)?"
    r"(?:\s+(?:always|just|really|still|truly|honestly|simply))?"
)

_DIRECTED_STRONG = re.compile(
    rf"{_YOU_ARE}\s+(?:{_INTENSIFIERS}\s+){{0,4}}{_STRONG_INSULT}\b"
    rf"|\b{_STRONG_INSULT}\s+like\s+(?:you|u)\b"
    r"|\b(?:fuck|screw)\s*(?:you|u|ya|off)\b"
    r"|\b(?:go\s+to|rot\s+in|burn\s+in)\s+hell\b"
    r"|\bi\s+(?:spit|piss|dance)\s+on\s+your\s+grave\b"
    r"|\bnobody\s+(?:will\s+)?(?:ever\s+)?(?:loved?|likes?|cares?\s+about|wants?)\s+(?:you|u)\b"
    r"|\beveryone\s+hates\s+(?:you|u)\b"
    r"|\bthe\s+world\s+(?:is|would\s+be|will\s+be)\s+better\s+(?:off\s+)?without\s+(?:you|u)\b",
    re.IGNORECASE,
)
# "you greedy pig", "you lying snake": one adjective-shaped word before the insult.
_ADJECTIVE = r"(?:\w+(?:y|ish|ing|ed|ful|less|ous|ant|ent|ive|al|ic|ible|able|ly))"
_COPULA = (
    r"\b(?:you|u|ur)(?:'re|’re|\s+are|\s+r|re|\s+were|\s+will\s+always\s+be|"
    r"\s+have\s+always\s+been|\s+are\s+still)"
)
_DIRECTED_LOOSE = re.compile(
    rf"\b(?:you|u|ya)\s+{_ADJECTIVE}\s+(?:{_INTENSIFIERS}\s+){{0,2}}{_STRONG_INSULT}\b"
    # After "you are", a few words may sit between: "the most selfish, cowardly, disgusting".
    rf"|{_COPULA}\s+(?:[\w'’-]+,?\s+){{0,5}}?{_STRONG_INSULT}\b"
    r"|\b(?:you|u)(?:'re|\s+are|\s+mean|\s+will\s+always\s+be)\s+(?:nothing|worth\s+nothing)\b"
    rf"|{_COPULA}\s+(?:such\s+)?an?\s+(?:sad\s+|pathetic\s+|complete\s+|total\s+)?joke\b",
    re.IGNORECASE,
)
_DIRECTED_WEAK = re.compile(
    rf"{_YOU_ARE}\s+(?:{_INTENSIFIERS}\s+){{0,3}}{_WEAK_INSULT}\b", re.IGNORECASE
)

_GROUPS = (
    r"(?:jews|muslims|christians|blacks|whites|gays|lesbians|trans\s+people|trannies|"
    r"immigrants|refugees|migrants|mexicans|arabs|asians|chinese|indians|africans|women|"
    r"men|catholics|hindus|gypsies|roma|disabled\s+people|gay\s+(?:people|men|women)|"
    r"queers|homosexuals|bisexuals|transgender\s+people|black\s+people|white\s+people|"
    r"foreigners|sikhs|buddhists|atheists)"
    r"(?:\s+like\s+(?:him|her|them|you|(?:my|your|his|her|their)\s+\w+|\w+))?"
)
_IDENTITY_ATTACK = re.compile(
    rf"\b(?:all|those|these|the|fucking|filthy|dirty)?\s*{_GROUPS}\s+"
    r"(?:are|is|should|must|deserve\s+to|need\s+to|ought\s+to)\s+(?:all\s+)?(?:be\s+)?"
    r"(?:die|killed|exterminated|gassed|deported|burned|hanged|shot|vermin|animals|"
    r"subhuman|rats|cockroaches|a\s+disease|parasites|scum|trash|filth|go\s+back|"
    r"an\s+abomination|a\s+plague|a\s+cancer|perverts|degenerates|evil|inferior|savages|"
    r"apes|monkeys|invaders|diseased|sick\s+in\s+the\s+head)\b"
    rf"|\b{_GROUPS}\s+(?:all\s+)?(?:deserve\s+what's\s+coming|control\s+(?:everything|the\s+"
    r"(?:world|media|banks))|are\s+(?:taking\s+over|ruining|destroying)\s+(?:this|our|the))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    category: Category
    severity: Severity
    reason: str
    # "any": a negation before or inside cancels it ("I will never hurt you");
    # "before": only one before it, since a veiled threat may contain its own "won't".
    negation: str = "any"


_RULES = (
    _Rule("threat.severe", _THREAT_SEVERE, "threat", "reject", "threat of violence"),
    _Rule("threat.veiled", _THREAT_VEILED, "threat", "review", "veiled threat", "before"),
    _Rule("identity.attack", _IDENTITY_ATTACK, "abuse", "reject", "attack on a group"),
    _Rule("abuse.directed", _DIRECTED_STRONG, "abuse", "review", "insult aimed at someone"),
    _Rule("abuse.directed", _DIRECTED_LOOSE, "abuse", "review", "insult aimed at someone"),
)


def _not_negated_before(text: str, m: re.Match[str]) -> bool:
    return not negated(text, m.start())


def _signal(rule: _Rule, hits: list[Hit]) -> Signal:
    evasion = all(h.evasion for h in hits)
    reason = rule.reason + (" (disguised)" if evasion else "")
    return Signal(
        category=rule.category,
        severity=rule.severity,
        reason=reason,
        spans=tuple(h.span for h in hits),
        evasion=evasion,
    )


def rule_signals(norm: NormalisedText) -> list[Signal]:
    """Return threat, abuse and identity-attack signals found in the letter."""
    signals: list[Signal] = []
    for rule in _RULES:
        hits = find_hits(
            rule.pattern,
            norm,
            rule.name,
            accept=not_negated if rule.negation == "any" else _not_negated_before,
        )
        if hits:
            signals.append(_signal(rule, hits))
    aimed = aimed_insults(norm)
    strong = [a.hit for a in aimed if not a.mild]
    if strong and not any(s.category == "abuse" for s in signals):
        signals.append(
            Signal(
                category="abuse",
                severity="review",
                reason="insult aimed at someone",
                spans=tuple(h.span for h in strong),
                evasion=all(h.evasion for h in strong),
            )
        )
    weak = weak_insults(norm, aimed)
    # One "you stupid, stubborn man" is how grief talks; a string of them is abuse.
    if len(weak) >= 3 or (weak and any(s.category == "abuse" for s in signals)):
        signals.append(
            Signal(
                category="abuse",
                severity="review",
                reason="repeated insults aimed at someone",
                spans=tuple(h.span for h in weak),
                evasion=all(h.evasion for h in weak),
            )
        )
    return signals


def weak_insults(norm: NormalisedText, aimed: list[AimedInsult] | None = None) -> list[Hit]:
    """Return mild insults aimed at someone ("you stupid..."), for a model to confirm."""
    hits = find_hits(_DIRECTED_WEAK, norm, "abuse.weak", accept=not_negated)
    for a in aimed if aimed is not None else aimed_insults(norm):
        if a.mild and not any(
            h.span.start < a.hit.span.end and a.hit.span.start < h.span.end for h in hits
        ):
            hits.append(a.hit)
    return hits
