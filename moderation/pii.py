"""Identifying details: find them, redact contact details and IDs, hold full names.

Presidio (with a spaCy model named in config) finds e-mail addresses, ID numbers and
person names; our own recognizers find what Presidio misses or gets wrong for letters:
social handles, street addresses, profile URLs, phone numbers in national and
international formats (the `phonenumbers` library), and e-mail addresses spelled out to
dodge filters ("name at gmail dot com").
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import phonenumbers

from moderation.errors import ModelUnavailableError
from moderation.interface import PiiFinding, PiiRecognizer
from moderation.normalise import light_normalise
from moderation.offline import patch_tldextract_global

log = logging.getLogger(__name__)

# Contact details and ID numbers are never published: they are redacted automatically.
REDACT_KINDS = frozenset(
    {"email", "phone", "handle", "address", "profile_url", "id_number", "ip_address"}
)
# Full personal names are a moderator's call (a public figure, a pet, a dedication).
REVIEW_KINDS = frozenset({"person"})
LABELS = {
    "email": "email address",
    "phone": "phone number",
    "handle": "social media handle",
    "address": "street address",
    "profile_url": "profile link",
    "id_number": "ID number",
    "ip_address": "IP address",
    "person": "full name",
}

_PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": "email",
    "US_SSN": "id_number",
    "US_ITIN": "id_number",
    "US_PASSPORT": "id_number",
    "US_BANK_NUMBER": "id_number",
    "UK_NHS": "id_number",
    "IBAN_CODE": "id_number",
    "CREDIT_CARD": "id_number",
    "IP_ADDRESS": "ip_address",
    "PERSON": "person",
}
# Below these Presidio scores a finding is noise (its bank-number regex alone is 0.05).
_MIN_SCORE = {"person": 0.5, "id_number": 0.3, "email": 0.5, "ip_address": 0.5}


@dataclass(frozen=True)
class PiiHit:
    """One detail in the writer's original text, with what happens to it."""

    type: str
    start: int
    end: int
    action: Literal["redact", "review"]
    recognizer: str


class RegexRecognizer:
    """Find one kind of detail with a regular expression (group 1 if it has one)."""

    def __init__(self, name: str, kind: str, pattern: re.Pattern[str]) -> None:
        self._name = name
        self.kind = kind
        self.pattern = pattern

    @property
    def name(self) -> str:
        """Return the recognizer's name."""
        return self._name

    def find(self, text: str) -> list[PiiFinding]:
        """Return every match of the pattern."""
        out = []
        for m in self.pattern.finditer(text):
            group = next((g for g in range(1, (m.re.groups or 0) + 1) if m.group(g)), 0)
            out.append(PiiFinding(self.kind, m.start(group), m.end(group), 0.9, self._name))
        return out


HANDLES = RegexRecognizer(
    "handle",
    "handle",
    re.compile(
        r"(?<![\w.@/])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,29}[A-Za-z0-9_])?\b"
        r"|\b(?:insta(?:gram)?|ig|snap(?:chat)?|tik\s*tok|twitter|discord|kik|telegram|"
        r"threads|bluesky|reddit|twitch)\s*(?:handle|name|user(?:name)?|id|account)?\s*"
        r"(?:is|was|:|-|=|at)\s*@?([A-Za-z0-9_][A-Za-z0-9_.]{2,29}(?:#\d{4})?)(?![\w#])",
        re.IGNORECASE,
    ),
)

_STREET = (
    r"(?i:street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|boulevard|blvd|way|place|pl|"
    r"terrace|close|crescent|square|sq|parkway|pkwy|circle|cir|highway|hwy|row|gardens|"
    r"grove|walk|mews|trail|heights)"
)
ADDRESSES = RegexRecognizer(
    "street_address",
    "address",
    re.compile(
        rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][A-Za-z'\-]+\s+){{1,3}}{_STREET}\b"
        r"(?:,?\s+(?i:apt|apartment|unit|flat|suite|#)\.?\s*[\w\-]+)?"
        r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?"
        r"(?:,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)?"
        r"|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b"
    ),
)

PROFILE_URLS = RegexRecognizer(
    "profile_url",
    "profile_url",
    re.compile(
        r"(?:https?://)?(?:www\.|m\.|mobile\.)?"
        r"(?:facebook\.com|fb\.com|instagram\.com|twitter\.com|x\.com|tiktok\.com|"
        r"linkedin\.com|snapchat\.com|reddit\.com|tumblr\.com|pinterest\.com|github\.com|"
        r"threads\.net|vk\.com|onlyfans\.com|twitch\.tv|medium\.com|bsky\.app|t\.me|fb\.me|"
        r"youtube\.com(?=/(?:@|c/|user/|channel/)))"
        r"/(?!watch\b|share\b|hashtag\b|explore\b)(?:in/|u/|user/|add/|profile/|c/|channel/|@)?"
        r"[A-Za-z0-9_.\-]+(?:/[^\s)]*)?",
        re.IGNORECASE,
    ),
)

_AT = r"(?:\s*[\(\[\{<]\s*(?:at|@)\s*[\)\]\}>]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\(\[\{<]\s*(?:dot|\.)\s*[\)\]\}>]\s*|\s+dot\s+)"
_DOT_OR_PLAIN = rf"(?:{_DOT}|\.)"
SPELLED_EMAILS = RegexRecognizer(
    "spelled_email",
    "email",
    re.compile(
        rf"\b[A-Za-z0-9][A-Za-z0-9._%+\-]*(?:{_DOT}[A-Za-z0-9._%+\-]+)*(?:{_AT})[A-Za-z0-9\-]+(?:{_DOT_OR_PLAIN}[A-Za-z0-9\-]+)*"
        rf"{_DOT_OR_PLAIN}(?:com|net|org|edu|gov|io|me|info|co|uk|de|fr|ca|au|us)\b",
        re.IGNORECASE,
    ),
)
SPELLED_PROFILE_URLS = RegexRecognizer(
    "spelled_profile_url",
    "profile_url",
    re.compile(
        r"\b(?:facebook|fb|instagram|insta|twitter|x|tiktok|linkedin|snapchat|reddit|tumblr|"
        r"github|threads|onlyfans|twitch)\s*(?:dot|\(dot\)|\[dot\]|\.)\s*(?:com|net|tv)\s*"
        r"(?:slash|/|\(slash\))\s*(?:in\s*(?:slash|/)\s*)?@?[A-Za-z0-9_.\-]{2,}",
        re.IGNORECASE,
    ),
)
ID_NUMBERS = RegexRecognizer(
    "id_number",
    "id_number",
    re.compile(
        r"\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?|national\s+insurance"
        r"(?:\s+number)?|ni\s+number|nhs\s+number|passport(?:\s+(?:number|no\.?|#))?|"
        r"driver'?s?\s+licen[cs]e(?:\s+(?:number|no\.?|#))?|id\s+(?:number|no\.?|#)|"
        r"account\s+(?:number|no\.?|#)|routing\s+number|tax\s+id|sort\s+code)"
        r"\s*(?:is|was|:|#|=)?\s*([A-Z0-9](?:[A-Z0-9\- ]{3,22})[A-Z0-9])\b"
        r"|\b([A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D])\b",
        re.IGNORECASE,
    ),
)
_SPELLED_AT = re.compile(r"\s+at\s+", re.IGNORECASE)
_SPELLED_MARK = re.compile(r"\bdot\b|[\(\[\{<]", re.IGNORECASE)
_MAIL_PROVIDER = re.compile(
    r"\b(?:gmail|googlemail|yahoo|hotmail|outlook|live|msn|icloud|me|mac|aol|protonmail|"
    r"proton|gmx|yandex|mail|btinternet|sky|virginmedia|zoho|fastmail|tutanota|hey)\b",
    re.IGNORECASE,
)
_PLAIN_EMAIL = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Presidio finds plain addresses too; this one keeps the model-free set complete.
PLAIN_EMAILS = RegexRecognizer(
    "plain_email", "email", re.compile(r"(?<![\w.%+\-])" + _PLAIN_EMAIL.pattern)
)


class SpelledEmailRecognizer(RegexRecognizer):
    """Find e-mail addresses written with "at" and "dot" or in brackets."""

    def find(self, text: str) -> list[PiiFinding]:
        """Return spelled-out addresses (plain ones are Presidio's)."""
        out = []
        for f in super().find(text):
            chunk = text[f.start : f.end]
            # A spelled address needs at least one spelled or bracketed part.
            if _PLAIN_EMAIL.fullmatch(chunk):
                continue
            # "visit us at mysite.com" is a link, not an address: a spelled "at" needs a
            # spelled "dot", brackets, or a mail provider's domain to be an e-mail.
            if (
                _SPELLED_AT.search(chunk)
                and not _SPELLED_MARK.search(chunk)
                and not _MAIL_PROVIDER.search(chunk)
            ):
                continue
            out.append(f)
        return out


_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double\s+\w+)"
# Seven or more digits spelled out in a row is a number someone is meant to call.
_SPELLED_NUMBER = re.compile(rf"\b{_DIGIT_WORD}(?:[\s,.\-]+{_DIGIT_WORD}){{6,}}\b", re.IGNORECASE)
# A run that is mostly digits and separators, where O, o, l, I or | may stand in for digits.
# It never starts or ends inside a word, so "call 0..." keeps its "ll".
_DIGITISH_RUN = re.compile(r"(?<![A-Za-z])[+(]?[\dOoIl|][\dOoIl|\s().\-]{5,}[\dOoIl|](?![A-Za-z])")
_LOOKALIKE_TOKEN = re.compile(r"[\dOoIl|]+")
_LOOKALIKE_DIGITS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def fold_lookalike_digits(text: str) -> str:
    """Read O/o as 0 and I/l/| as 1 inside digit runs; the length never changes.

    Only a token that holds a real digit is folded ("9OO", "l23"), so a lone "I" or "o"
    beside a number keeps its letter.
    """

    def fold_token(token: re.Match[str]) -> str:
        word = token.group()
        return word.translate(_LOOKALIKE_DIGITS) if any(c.isdigit() for c in word) else word

    def fold(match: re.Match[str]) -> str:
        run = match.group()
        if sum(c.isdigit() for c in run) < 4:
            return run  # ordinary words ("Ooh, lol") keep their letters
        return _LOOKALIKE_TOKEN.sub(fold_token, run)

    return _DIGITISH_RUN.sub(fold, text)


class SpacedEmailRecognizer:
    """Find e-mail addresses typed one character at a time ("j a n e @ g m a i l . c o m")."""

    _SPACED = re.compile(r"(?<!\S)(?:\S[ \t]+){5,}\S(?!\S)")

    @property
    def name(self) -> str:
        """Return the recognizer's name."""
        return "spaced_email"

    def find(self, text: str) -> list[PiiFinding]:
        """Return spaced-out runs that read as an e-mail address once the spaces go."""
        out = []
        for m in self._SPACED.finditer(text):
            collapsed = re.sub(r"[ \t]+", "", m.group())
            if "@" in collapsed and _PLAIN_EMAIL.search(collapsed):
                out.append(PiiFinding("email", m.start(), m.end(), 0.8, self.name))
        return out


class PhoneRecognizer:
    """Find phone numbers in national (several regions) and international formats."""

    def __init__(self, regions: tuple[str, ...] = ("US", "GB", "CA", "AU", "IE", "IN")) -> None:
        self.regions = regions

    @property
    def name(self) -> str:
        """Return the recognizer's name."""
        return "phonenumbers"

    def find(self, text: str) -> list[PiiFinding]:
        """Return every possible phone number, whichever region's format it uses.

        Letters standing in for digits ("O77OO 9OO l23") are read as digits first, and
        numbers spelled out in words ("seven seven zero ...") are found too.
        """
        text = fold_lookalike_digits(text)
        seen: set[tuple[int, int]] = set()
        out: list[PiiFinding] = [
            PiiFinding("phone", m.start(), m.end(), 0.8, self.name)
            for m in _SPELLED_NUMBER.finditer(text)
        ]
        for region in self.regions:
            matcher = phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.POSSIBLE
            )
            for match in matcher:
                digits = sum(c.isdigit() for c in match.raw_string)
                if digits < 7 or (match.start, match.end) in seen:
                    continue
                seen.add((match.start, match.end))
                out.append(PiiFinding("phone", match.start, match.end, 0.8, self.name))
        return out


_NOT_NAMES = frozenset(
    [
        "mom",
        "mum",
        "mommy",
        "mama",
        "dad",
        "daddy",
        "papa",
        "grandma",
        "grandpa",
        "granny",
        "nana",
        "nan",
        "gran",
        "grandad",
        "grandmother",
        "grandfather",
        "mother",
        "father",
        "auntie",
        "aunt",
        "uncle",
        "sister",
        "brother",
        "baby",
        "honey",
        "love",
        "darling",
        "sweetheart",
        "god",
        "lord",
        "jesus",
        "christ",
        "heaven",
        "rest",
        "peace",
        "dear",
        "my",
        "our",
        "the",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "doctor",
        "saint",
        "st",
        "happy",
        "merry",
        "christmas",
        "easter",
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ]
)


def is_full_name(text: str) -> bool:
    """Tell whether a PERSON span is a full name (two or more name words), not a first name."""
    words = [w.strip(".,'’") for w in text.split()]
    names = [w for w in words if w and w[0].isupper() and w.lower() not in _NOT_NAMES]
    return len(names) >= 2 and all(w.replace("-", "").replace("'", "").isalpha() for w in names)


_ANALYZERS: dict[str, Any] = {}
_ANALYZER_LOCK = threading.Lock()


def load_analyzer(spacy_model: str) -> Any:
    """Load Presidio with a spaCy model by name, once per process, without downloading."""
    with _ANALYZER_LOCK:
        if spacy_model in _ANALYZERS:
            return _ANALYZERS[spacy_model]
        import spacy

        patch_tldextract_global()
        # Presidio warns once per non-English recognizer and per spaCy label it keeps;
        # none of it is actionable and it buries the warnings that are.
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        # Presidio downloads a model it cannot find; an installed one is the only option.
        if not (spacy.util.is_package(spacy_model) or Path(spacy_model).exists()):
            raise ModelUnavailableError(f"spaCy model {spacy_model!r} is not installed")
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        try:
            provider = NlpEngineProvider(
                nlp_configuration={
                    "nlp_engine_name": "spacy",
                    "models": [{"lang_code": "en", "model_name": spacy_model}],
                }
            )
            nlp_engine = provider.create_engine()
            registry = RecognizerRegistry(supported_languages=["en"])
            registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
            analyzer = AnalyzerEngine(
                registry=registry, nlp_engine=nlp_engine, supported_languages=["en"]
            )
        except Exception as exc:  # any Presidio/spaCy failure: PII screening is unavailable
            raise ModelUnavailableError(f"Presidio could not load {spacy_model!r}: {exc}") from exc
        _ANALYZERS[spacy_model] = analyzer
        return analyzer


class PresidioRecognizer:
    """Presidio's e-mail, ID-number, IP and person recognizers over a spaCy model."""

    def __init__(self, spacy_model: str) -> None:
        self.spacy_model = spacy_model
        self._analyzer = load_analyzer(spacy_model)

    @property
    def nlp(self) -> Any:
        """Return the loaded spaCy pipeline (shared with the grammar checks)."""
        return self._analyzer.nlp_engine.nlp["en"]

    @property
    def name(self) -> str:
        """Return the recognizer's name and spaCy model."""
        return f"presidio+{self.spacy_model}"

    def find(self, text: str) -> list[PiiFinding]:
        """Return Presidio's findings of the kinds we act on."""
        results = self._analyzer.analyze(text=text, language="en", entities=sorted(_PRESIDIO_KINDS))
        out = []
        for r in results:
            kind = _PRESIDIO_KINDS.get(r.entity_type)
            if kind is None or r.score < _MIN_SCORE.get(kind, 0.5):
                continue
            if kind == "person" and not is_full_name(text[r.start : r.end]):
                continue
            out.append(PiiFinding(kind, r.start, r.end, float(r.score), self.name))
        return out


def own_recognizers() -> list[PiiRecognizer]:
    """Return the recognizers that need no model."""
    return [
        HANDLES,
        ADDRESSES,
        PROFILE_URLS,
        SPELLED_PROFILE_URLS,
        ID_NUMBERS,
        SpelledEmailRecognizer(SPELLED_EMAILS.name, "email", SPELLED_EMAILS.pattern),
        PLAIN_EMAILS,
        SpacedEmailRecognizer(),
        PhoneRecognizer(),
    ]


# When findings overlap, the more specific kind wins ("fb.com/jane" is a profile link,
# not a handle; a spelled-out e-mail is an e-mail, not a name).
_PRIORITY = [
    "profile_url",
    "email",
    "id_number",
    "phone",
    "ip_address",
    "address",
    "handle",
    "person",
]


class PiiScanner:
    """Run every recognizer over a letter and resolve what each detail is."""

    def __init__(self, recognizers: list[PiiRecognizer]) -> None:
        self.recognizers = recognizers

    @property
    def names(self) -> list[str]:
        """Return the names of the recognizers in use."""
        return [r.name for r in self.recognizers]

    def scan(self, text: str) -> list[PiiHit]:
        """Return every detail in `text`, non-overlapping, offsets in the original text."""
        norm = light_normalise(text)
        findings: list[PiiFinding] = []
        for recognizer in self.recognizers:
            findings.extend(recognizer.find(norm.text))
        findings.sort(key=lambda f: (_PRIORITY.index(f.type), -(f.end - f.start)))
        chosen: list[PiiHit] = []
        for f in findings:
            start, end = norm.original_span(f.start, f.end)
            if any(h.start < end and start < h.end for h in chosen):
                continue
            action: Literal["redact", "review"] = "review" if f.type in REVIEW_KINDS else "redact"
            chosen.append(PiiHit(f.type, start, end, action, f.recognizer))
        return sorted(chosen, key=lambda h: h.start)


def redact(text: str, hits: list[PiiHit]) -> str:
    """Replace every detail marked for redaction with a label saying what was hidden."""
    out = []
    last = 0
    for h in sorted(hits, key=lambda h: h.start):
        if h.action != "redact" or h.start < last:
            continue
        out.append(text[last : h.start])
        out.append(f"[{LABELS.get(h.type, h.type)} hidden]")
        last = h.end
    out.append(text[last:])
    return "".join(out)
