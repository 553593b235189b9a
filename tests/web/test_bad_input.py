"""The bad-input suite: hostile bodies, fields, headers, methods and cookies never break
the API, and canonicalisation is a fixed point (hypothesis)."""

from __future__ import annotations

import json
import unicodedata

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeSerializer
from sqlmodel import Session, select

from archive import CanonicalisationError, canonical_text
from misskissing.models import Heart, Submission
from tests.web.helpers import KIND, publish
from web.readers import READER_COOKIE

FIXTURES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ERROR_STATUSES = {400, 403, 404, 405, 413, 415, 429, 451}
INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE submission; --",
    '" OR 1=1 --',
    "1; SELECT pg_sleep(5)",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://x/a}",
    "../../etc/passwd",
    "%00",
    "\\",
    "%",
    "_",
    "😀" * 50,
    "\u202eevil",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


def assert_clean_error(response, statuses: set[int] = ERROR_STATUSES) -> None:
    assert response.status_code in statuses, (response.status_code, response.get_data()[:300])
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    if response.mimetype == "application/json" and response.status_code >= 400:
        error = response.get_json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)


def stored(app: Flask) -> list[Submission]:
    with Session(app.extensions["misskissing.runtime"].engine) as session:
        return list(session.exec(select(Submission)))


# --- canonicalisation ---------------------------------------------------------------------


@given(st.text())
@example("line one\r\nline two\rline three\n")
@example("e\u0301\u0327")
def test_canonical_text_is_nfc_lf_and_a_fixed_point(text: str) -> None:
    try:
        once = canonical_text(text)
    except CanonicalisationError:
        return
    assert unicodedata.is_normalized("NFC", once)
    assert "\r" not in once
    once.encode("utf-8")
    assert canonical_text(once) == once


def test_text_starting_with_two_byte_order_marks_is_a_fixed_point() -> None:
    once = canonical_text("\ufeff\ufeffA letter that starts with two byte order marks.")
    assert canonical_text(once) == once


@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_canonical_text_refuses_only_controls(text: str) -> None:
    forbidden = [c for c in text if (ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F]
    try:
        canonical_text(text)
    except CanonicalisationError:
        assert forbidden
    else:
        assert not forbidden


# --- the submission API -------------------------------------------------------------------


@FIXTURES
@given(body=json_values, addressed_to=json_values)
def test_any_json_letter_is_accepted_canonically_or_refused_cleanly(
    client: FlaskClient, app: Flask, body: object, addressed_to: object
) -> None:
    response = client.post(
        "/api/v1/letters",
        content_type="application/json",
        data=json.dumps({"body": body, "addressed_to": addressed_to}),
    )
    if response.status_code == 202:
        assert isinstance(body, str)
        row = stored(app)[-1]
        assert row.body is not None and canonical_text(row.body) == row.body
        assert unicodedata.is_normalized("NFC", row.body)
    else:
        assert_clean_error(response, {400, 413})


@FIXTURES
@given(raw=st.binary(max_size=2000))
def test_any_bytes_as_a_json_body_are_refused_cleanly(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/api/v1/letters", data=raw, content_type="application/json")
    if response.status_code != 202:
        assert_clean_error(response, {400, 413})


@FIXTURES
@given(
    content_type=st.sampled_from(
        [
            "text/plain",
            "text/html",
            "application/xml",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json-patch+json",
            "application/jsonx",
            "",
        ]
    )
)
def test_wrong_content_types_are_415(client: FlaskClient, content_type: str) -> None:
    response = client.post(
        "/api/v1/letters",
        data=json.dumps({"body": KIND}),
        headers={"Content-Type": content_type} if content_type else {},
    )
    assert_clean_error(response, {415})


@FIXTURES
@given(body=st.text(min_size=1, max_size=300))
def test_hearts_and_reports_with_hostile_bodies_never_break(
    client: FlaskClient, app: Flask, body: str
) -> None:
    hex_address, _ = publish(app, f"{KIND} {len(stored(app))}")
    heart = client.post(
        f"/api/v1/letters/{hex_address}/hearts", data=body, content_type="application/json"
    )
    assert heart.status_code == 200
    report = client.post(
        f"/api/v1/letters/{hex_address}/reports", data=body, content_type="application/json"
    )
    if report.status_code != 202:
        assert_clean_error(report, {400})


def test_oversized_bodies_are_413_on_every_json_write(client: FlaskClient, app: Flask) -> None:
    hex_address, _ = publish(app)
    big = b'{"category": "' + b"a" * 400_000 + b'"}'
    for path in [
        "/api/v1/letters",
        f"/api/v1/letters/{hex_address}/reports",
        f"/api/v1/letters/{hex_address}/hearts",
    ]:
        assert_clean_error(client.post(path, data=big, content_type="application/json"), {413})
    assert_clean_error(client.post("/write", data={"body": "a" * 400_000}), {413})


@pytest.mark.parametrize(
    "raw",
    [
        b'{"body": ' + b"9" * 5000 + b"}",  # past Python's integer digit limit
        b'{"body": 1e999999}',
        b'{"body": "x", "body": "y"}',
        b"[" * 100_000,
        b'{"body": "' + b"\\u0000" * 10 + b'"}',
        b'{"body": "' + KIND.encode() + b'\\u0007"}',
        b'{"body": "\xed\xa0\x80"}',  # an encoded surrogate: invalid UTF-8
        b"\xef\xbb\xbf" + json.dumps({"body": KIND}).encode(),  # a UTF-8 BOM before the JSON
    ],
)
def test_hostile_json_documents_are_refused_cleanly(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/api/v1/letters", data=raw, content_type="application/json")
    if response.status_code != 202:
        assert_clean_error(response, {400, 413})


def test_a_hundred_thousand_character_letter_is_refused_on_the_form_too(
    client: FlaskClient,
) -> None:
    response = client.post("/write", data={"body": "x" * 100_000})
    assert response.status_code == 413
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_in_every_field_are_just_text(
    client: FlaskClient, app: Flask, payload: str
) -> None:
    hex_address, _ = publish(app)
    letter = client.post(
        "/api/v1/letters",
        content_type="application/json",
        data=json.dumps({"body": f"{KIND} {payload}", "addressed_to": payload}),
    )
    assert letter.status_code in {202, 400}
    for query in ({"q": payload}, {"sort": payload}, {"cursor": payload}, {"limit": payload}):
        response = client.get("/api/v1/letters", query_string=query)
        if response.status_code != 200:
            assert_clean_error(response, {400})
    for path in [
        f"/api/v1/letters/{payload}",
        f"/api/v1/receipts/{payload}",
        f"/api/v1/log/proof/{payload}",
        f"/letters/{payload}",
        f"/receipt/{payload}",
    ]:
        response = client.get(path)
        assert response.status_code in {400, 404}, (path, response.status_code)
    report = client.post(
        f"/api/v1/letters/{hex_address}/reports",
        content_type="application/json",
        data=json.dumps({"category": payload}),
    )
    assert_clean_error(report, {400})
    assert client.get(f"/api/v1/letters/{hex_address}").status_code == 200  # nothing dropped


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/letters"),
        ("delete", "/api/v1/letters"),
        ("patch", "/api/v1/letters"),
        ("get", "/api/v1/letters/{h}/hearts"),
        ("delete", "/api/v1/letters/{h}"),
        ("post", "/api/v1/receipts/abc"),
        ("put", "/api/v1/log/checkpoint"),
        ("delete", "/write"),
    ],
)
def test_wrong_methods_are_405(client: FlaskClient, method: str, path: str) -> None:
    response = getattr(client, method)(path.replace("{h}", "0" * 64))
    assert_clean_error(response, {405})


# --- forged reader cookies ----------------------------------------------------------------


def hearts_of(client: FlaskClient, hex_address: str) -> int:
    count: int = client.get(f"/api/v1/letters/{hex_address}").get_json()["hearts"]
    return count


@FIXTURES
@given(
    forged=st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=';,\\"'),
        max_size=200,
    )
)
def test_forged_reader_cookies_earn_a_fresh_reader_and_never_an_error(
    client: FlaskClient, app: Flask, forged: str
) -> None:
    hex_address, _ = publish(app, f"{KIND} forged {len(stored(app))}")
    browser = app.test_client()
    browser.set_cookie(READER_COOKIE, forged)
    response = browser.post(f"/api/v1/letters/{hex_address}/hearts")
    assert response.status_code == 200
    assert response.get_json()["hearts"] == 1
    assert any(c.startswith(READER_COOKIE + "=") for c in response.headers.getlist("Set-Cookie"))


def test_a_cookie_signed_with_another_key_does_not_impersonate_a_reader(app: Flask) -> None:
    hex_address, _ = publish(app)
    first = app.test_client()
    first.post(f"/api/v1/letters/{hex_address}/hearts")
    reader_id = "r" * 43
    for secret in ["not-the-secret", ""]:
        forged = URLSafeSerializer(secret or "x", salt="misskissing-reader").dumps(reader_id)
        browser = app.test_client()
        browser.set_cookie(READER_COOKIE, forged)
        browser.post(f"/api/v1/letters/{hex_address}/hearts")
    genuine = URLSafeSerializer(app.config["SECRET_KEY"], salt="misskissing-reader")
    for value in [genuine.dumps(reader_id), genuine.dumps(reader_id)]:
        browser = app.test_client()
        browser.set_cookie(READER_COOKIE, value)
        browser.post(f"/api/v1/letters/{hex_address}/hearts")
    for bad_shape in [genuine.dumps("short"), genuine.dumps(["x" * 43]), genuine.dumps(7)]:
        browser = app.test_client()
        browser.set_cookie(READER_COOKIE, bad_shape)
        assert browser.post(f"/api/v1/letters/{hex_address}/hearts").status_code == 200
    # first reader + two forgeries (fresh readers) + one genuine reader (twice) + three bad shapes
    assert hearts_of(app.test_client(), hex_address) == 1 + 2 + 1 + 3
    with Session(app.extensions["misskissing.runtime"].engine) as session:
        keys = [h.reader_key for h in session.exec(select(Heart))]
    assert len(keys) == len(set(keys)) == 7
    assert all(reader_id not in key for key in keys)
