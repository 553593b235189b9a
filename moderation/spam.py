"""Spam: links to unknown sites, promotion and repeated text."""

from __future__ import annotations

import re
from collections import Counter

from moderation.matching import find_hits
from moderation.normalise import NormalisedText
from moderation.offline import registered_domain
from moderation.signals import Severity, Signal, Span

# Sites a grieving writer links for a song, a poem or a memorial. Profile links are PII
# and handled there; everything else is an unknown site and held.
KNOWN_SITES = frozenset(
    {
        "wikipedia.org",
        "youtube.com",
        "youtu.be",
        "spotify.com",
        "apple.com",
        "soundcloud.com",
        "bandcamp.com",
        "archive.org",
        "gutenberg.org",
        "poetryfoundation.org",
        "poets.org",
        "bbc.co.uk",
        "bbc.com",
        "nytimes.com",
        "theguardian.com",
        "findagrave.com",
        "legacy.com",
        "imdb.com",
        "goodreads.com",
        "nasa.gov",
        "who.int",
        "samaritans.org",
        "988lifeline.org",
    }
)

URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"')\]]+"
    r"|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|net|org|io|co|info|biz|xyz|shop|store|online|site|top|club|us|uk|ru|cn|de|fr|"
    r"ly|me|app|ai|link|click|live|vip|win|bet|casino|money|fun)\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
_HOST = re.compile(r"^(?:https?://)?([^/:?#\s]+)", re.IGNORECASE)

_PROMOTION = re.compile(
    r"\b(?:buy|order|shop)\s+(?:now|today|here|online)\b"
    r"|\bpromo(?:tion(?:al)?)?\s*codes?\b|\bcoupon\b|\bdiscount\b|\b\d{1,2}\s*%\s*off\b"
    r"|\bfree\s+(?:shipping|trial|money|gift|samples?|followers|crypto|spins)\b"
    r"|\bclick\s+(?:here|the\s+link|below|my\s+link|this\s+link)\b"
    r"|\bvisit\s+(?:my|our)\s+(?:site|website|shop|store|page|channel|profile|blog)\b"
    r"|\b(?:subscribe|follow)\s+(?:to\s+)?(?:my|our)\s+(?:channel|page|account|blog|shop)\b"
    r"|\blimited\s+(?:time\s+)?offer\b|\bact\s+now\b|\bspecial\s+offer\b"
    r"|\bearn\s+\$?\d[\d,]*|\bmake\s+(?:\$\d[\d,]*|money|cash)\b|\bwork\s+from\s+home\b"
    r"|\b(?:bitcoin|crypto(?:currency)?|forex|nft)\s+(?:investment|trading|profits?|signals?|"
    r"opportunity|giveaway)\b|\binvestment\s+opportunity\b|\bguaranteed\s+(?:returns?|profits?)\b"
    r"|\b(?:online\s+)?casino\b|\bsports\s+betting\b|\bviagra\b|\bcialis\b|\bweight\s+loss\s+"
    r"(?:pills?|secret)\b|\bbest\s+prices?\b|\bcheap\s+(?:pills|meds|watches|followers)\b"
    r"|\b(?:dm|message|text|whatsapp|telegram)\s+(?:me|us)\s+(?:for|to\s+(?:buy|order|get))\b"
    r"|\bcheck\s+out\s+(?:my|our)\s+(?:new\s+)?(?:shop|store|products?|course|channel)\b"
    r"|\bsign\s+up\s+(?:now|today|here)\b|\bhire\s+(?:me|us)\b|\bour\s+services\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+")


def _host(url: str) -> str:
    m = _HOST.match(url)
    return m.group(1).lower() if m else ""


def link_hits(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, registered domain) for every link or bare domain in `text`."""
    out = []
    for m in URL.finditer(text):
        domain = registered_domain(_host(m.group()))
        if domain:
            out.append((m.start(), m.end(), domain))
    return out


def spam_signals(norm: NormalisedText, *, profile_spans: list[tuple[int, int]]) -> list[Signal]:
    """Return spam signals: unknown links, promotion, heavy repetition."""
    signals: list[Signal] = []
    unknown = [
        Span(s, e, "spam.link")
        for s, e, domain in link_hits(norm.original)
        if domain not in KNOWN_SITES
        and not any(ps < e and s < pe for ps, pe in profile_spans)
        # An e-mail address is a contact detail, not a link.
        and not (s > 0 and norm.original[s - 1] == "@")
    ]
    promo = find_hits(_PROMOTION, norm, "spam.promotion")
    if unknown:
        signals.append(Signal("spam", "review", "link to an unknown site", tuple(unknown)))
    if len(promo) >= 2 or (promo and unknown):
        # Plain advertising with a link and several sales phrases is not a letter at all.
        severity: Severity = "reject" if len(promo) >= 3 and unknown else "review"
        signals.append(Signal("spam", severity, "promotion", tuple(h.span for h in promo)))
    sentences = [s.group().strip().lower() for s in _SENTENCE.finditer(norm.text)]
    sentences = [s for s in sentences if len(s) >= 12]
    if len(sentences) >= 8:
        top, count = Counter(sentences).most_common(1)[0]
        if count >= 6 and count / len(sentences) >= 0.5:
            signals.append(Signal("spam", "review", "repeated text", ()))
    return signals
