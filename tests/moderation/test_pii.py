from __future__ import annotations

import pytest

from moderation.interface import PiiRecognizer
from moderation.pii import (
    ADDRESSES,
    HANDLES,
    ID_NUMBERS,
    PROFILE_URLS,
    SPELLED_EMAILS,
    PhoneRecognizer,
    PiiScanner,
    PresidioRecognizer,
    SpelledEmailRecognizer,
    is_full_name,
    redact,
)
from tests.moderation.contracts import PiiRecognizerContract


@pytest.fixture(
    params=[
        (HANDLES, "find me @lucy_remembers"),
        (ADDRESSES, "we lived at 12 Orchard Lane"),
        (PROFILE_URLS, "see facebook.com/jane.doe.77"),
        (ID_NUMBERS, "his SSN is 219-09-9999"),
        (
            SpelledEmailRecognizer(SPELLED_EMAILS.name, "email", SPELLED_EMAILS.pattern),
            "mail jo dot ann at gmail dot com",
        ),
        (PhoneRecognizer(), "call +44 20 7946 0958"),
        ("presidio", "write to ann.lee@example.org"),
    ],
    ids=["handle", "address", "profile", "id", "spelled", "phone", "presidio"],
)
def case(request: pytest.FixtureRequest, pii_scanner: PiiScanner) -> tuple[PiiRecognizer, str]:
    recognizer, sample = request.param
    if recognizer == "presidio":
        recognizer = next(r for r in pii_scanner.recognizers if isinstance(r, PresidioRecognizer))
    return recognizer, sample


class TestRecognizerContract(PiiRecognizerContract):
    @pytest.fixture
    def recognizer(self, case: tuple[PiiRecognizer, str]) -> PiiRecognizer:
        return case[0]

    @pytest.fixture
    def sample(self, case: tuple[PiiRecognizer, str]) -> str:
        return case[1]


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("Email me at rosa.m@example.com please", "email", "rosa.m@example.com"),
        ("it's rosa dot m at gmail dot com", "email", "rosa dot m at gmail dot com"),
        ("rosa(at)gmail(dot)com", "email", "rosa(at)gmail(dot)com"),
        ("ring 020 7946 0321 any time", "phone", "020 7946 0321"),
        ("US number (312) 555-0147", "phone", "(312) 555-0147"),
        ("in Germany: +49 30 901820", "phone", "+49 30 901820"),
        ("my snap is rosie_m_22", "handle", "rosie_m_22"),
        ("tag me @rosie.m", "handle", "@rosie.m"),
        ("we were at 7 Harbour Road", "address", "7 Harbour Road"),
        ("https://twitter.com/rosie_m", "profile_url", "https://twitter.com/rosie_m"),
        ("linkedin.com/in/rosa-m-1234", "profile_url", "linkedin.com/in/rosa-m-1234"),
        ("her passport number 123456789", "id_number", "123456789"),
        ("card 4111 1111 1111 1111 was declined", "id_number", "4111 1111 1111 1111"),
    ],
)
def test_each_kind_is_found(pii_scanner: PiiScanner, text: str, kind: str, detail: str) -> None:
    hits = pii_scanner.scan(text)
    assert [(h.type, text[h.start : h.end]) for h in hits] == [(kind, detail)]
    assert hits[0].action == "redact"


def test_full_names_are_held_first_names_are_fine(pii_scanner: PiiScanner) -> None:
    hits = pii_scanner.scan("Rebecca Thornton taught me to read. Rebecca was kind.")
    assert [(h.type, h.action) for h in hits] == [("person", "review")]
    assert pii_scanner.scan("Rebecca taught me to read, and so did Mum.") == []


@pytest.mark.parametrize(
    ("span", "full"),
    [("John Smith", True), ("Aunt Mary", False), ("Grandma Rose", False), ("Sarah", False)],
)
def test_full_name_rule(span: str, full: bool) -> None:
    assert is_full_name(span) is full


def test_zero_width_characters_do_not_hide_a_number(pii_scanner: PiiScanner) -> None:
    text = "call 0\u200b7700 900\u200b461"
    hits = pii_scanner.scan(text)
    assert [h.type for h in hits] == ["phone"]
    assert text[hits[0].start : hits[0].end] == "0\u200b7700 900\u200b461"


def test_redaction_names_the_kind_hidden(pii_scanner: PiiScanner) -> None:
    text = "Write to me, rosa.m@example.com, or call 020 7946 0321. Love, Rosa"
    assert redact(text, pii_scanner.scan(text)) == (
        "Write to me, [email address hidden], or call [phone number hidden]. Love, Rosa"
    )


def test_years_dates_and_times_are_not_phone_numbers(pii_scanner: PiiScanner) -> None:
    text = "You were born in 1948 and died on 12/03/2023 at 4:15, aged 75, after 27 years here."
    assert pii_scanner.scan(text) == []


def test_tldextract_never_reaches_for_the_network() -> None:
    import tldextract.tldextract as module

    assert module.TLD_EXTRACTOR.suffix_list_urls == ()


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("call me: seven seven zero zero nine zero zero one two three, please", "seven"),
        ("O77OO 9OO 123 is my number now", "9OO"),
        ("ring 077OO-9OO-l23 any time", "l23"),
        ("write to j a n e . d o e @ g m a i l . c o m one day", "g m a i l"),
        ("my discord is jane#1234 if you ever want to talk", "#1234"),
    ],
)
def test_disguised_contact_details_are_hidden(text: str, hidden: str) -> None:
    from moderation.pii import PiiScanner, own_recognizers, redact

    hits = [hit for hit in PiiScanner(own_recognizers()).scan(text) if hit.action == "redact"]
    assert hidden not in redact(text, hits)


@pytest.mark.parametrize(
    "text",
    [
        "Ooh, lol, I miss you 1000 times",
        "In 1999 we met, in 2004 we split, in 2011 we spoke.",
        "one two three, here we go, I counted to ten with you",
    ],
)
def test_ordinary_numbers_and_words_are_not_contact_details(text: str) -> None:
    from moderation.pii import PiiScanner, own_recognizers

    assert [hit for hit in PiiScanner(own_recognizers()).scan(text) if hit.action == "redact"] == []


def test_a_lone_letter_beside_a_number_keeps_its_letter() -> None:
    from moderation.pii import PiiScanner, own_recognizers, redact

    text = "Call 415-555-0134. I love you, and I always will. Or not, who knows."
    hits = [hit for hit in PiiScanner(own_recognizers()).scan(text) if hit.action == "redact"]
    assert (
        redact(text, hits)
        == "Call [phone number hidden]. I love you, and I always will. Or not, who knows."
    )
