"""The JSON API's intake and error answers, through the real app on real SQLite."""

from __future__ import annotations

import json
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from misskissing.models import Submission

KIND = "Dad, I finally planted the apple tree you always talked about. I miss you."


def post_letter(client: FlaskClient, payload: object, **headers: str):
    return client.post(
        "/api/v1/letters",
        data=json.dumps(payload),
        content_type="application/json",
        headers=headers,
    )


def assert_error(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"}
    assert error["message"]
    if code:
        assert error["code"] == code
    assert "Traceback" not in response.get_data(as_text=True)


def rows(app: Flask) -> list[Submission]:
    with Session(app.extensions["misskissing.runtime"].engine) as session:
        return list(session.exec(select(Submission)))


def test_accepted_letter_returns_receipt_and_stores_only_its_hash(
    client: FlaskClient, app: Flask
) -> None:
    response = post_letter(client, {"body": KIND + "\r\n", "addressed_to": "Dad"})
    assert response.status_code == 202
    data = response.get_json()
    assert set(data) == {"receipt", "receipt_url"}
    assert data["receipt_url"].endswith("/receipt/" + data["receipt"])
    [row] = rows(app)
    assert row.status == "pending"
    assert row.body == KIND  # canonical: CRLF gone, trailing newline trimmed
    assert data["receipt"] not in row.receipt_hash
    assert row.addressed_to == "Dad"


def test_letter_is_normalised_to_nfc(client: FlaskClient, app: Flask) -> None:
    decomposed = "Caf\u0065\u0301 mornings with you were the best part of every week."
    assert post_letter(client, {"body": decomposed}).status_code == 202
    assert rows(app)[0].body == "Caf\u00e9 mornings with you were the best part of every week."


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"body": ""}, 400, "empty_letter"),
        ({"body": "   \n\t  "}, 400, "empty_letter"),
        ({"body": "\u200b\u200d\u2060\ufeff\u200b"}, 400, "empty_letter"),
        ({"body": "bye"}, 400, "letter_too_short"),
        ({"body": 7}, 400, "invalid_body"),
        ({"body": ["a list"]}, 400, "invalid_body"),
        ({"body": None}, 400, "invalid_body"),
        ({}, 400, "missing_body"),
        ({"body": KIND, "extra": 1}, 400, "unknown_field"),
        ({"body": KIND, "addressed_to": 5}, 400, "invalid_addressed_to"),
        ({"body": KIND, "addressed_to": "a" * 201}, 400, "invalid_addressed_to"),
        ({"body": KIND, "addressed_to": "two\nlines"}, 400, "invalid_addressed_to"),
        ({"body": KIND + "\x00"}, 400, "invalid_characters"),
        ({"body": KIND + "\x1b[31m"}, 400, "invalid_characters"),
        ({"body": "a" * 20_001}, 413, "letter_too_long"),
    ],
)
def test_invalid_letters_get_a_clear_error_and_store_nothing(
    client: FlaskClient, app: Flask, payload: object, status: int, code: str
) -> None:
    assert_error(post_letter(client, payload), status, code)
    assert rows(app) == []


def test_hundred_thousand_character_letter_is_refused_as_too_large(client: FlaskClient) -> None:
    response = post_letter(client, {"body": "word " * 20_000})
    assert_error(response, 413)


def test_oversized_request_is_413_json(client: FlaskClient) -> None:
    assert_error(post_letter(client, {"body": "a" * 2_000_000}), 413)


def test_invalid_utf8_is_400(client: FlaskClient, app: Flask) -> None:
    raw = b'{"body": "I miss you so much \xff\xfe every day, goodbye"}'
    response = client.post("/api/v1/letters", data=raw, content_type="application/json")
    assert_error(response, 400, "invalid_utf8")
    assert rows(app) == []


def test_lone_surrogate_escape_is_refused(client: FlaskClient) -> None:
    raw = b'{"body": "I miss you so much \\ud800 every day, goodbye"}'
    response = client.post("/api/v1/letters", data=raw, content_type="application/json")
    assert_error(response, 400, "invalid_characters")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_wrong_content_type_is_415(client: FlaskClient, content_type: str) -> None:
    response = client.post(
        "/api/v1/letters", data=json.dumps({"body": KIND}), content_type=content_type
    )
    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "raw", [b"{", b"[]", b'"body"', b"null", b'{"body": NaN}', b"[" * 5000 + b"]" * 5000]
)
def test_malformed_json_is_400(client: FlaskClient, raw: bytes) -> None:
    assert_error(client.post("/api/v1/letters", data=raw, content_type="application/json"), 400)


def test_deeply_nested_json_object_is_400(client: FlaskClient) -> None:
    nested: dict = {"body": KIND}
    for _ in range(50):
        nested = {"body": nested}
    assert_error(post_letter(client, nested), 400)


def test_cross_site_submission_is_refused(client: FlaskClient, app: Flask) -> None:
    response = post_letter(client, {"body": KIND}, Origin="https://evil.example")
    assert_error(response, 403, "cross_origin")
    response = post_letter(client, {"body": KIND}, **{"Sec-Fetch-Site": "cross-site"})
    assert_error(response, 403, "cross_origin")
    assert rows(app) == []


def test_same_origin_submission_is_accepted(client: FlaskClient) -> None:
    response = post_letter(
        client, {"body": KIND}, Origin="http://localhost", **{"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code == 202


def test_wrong_method_is_405_json(client: FlaskClient) -> None:
    assert_error(client.delete("/api/v1/letters"), 405)
    assert_error(client.put("/api/v1/letters/" + "0" * 64), 405)


def test_unknown_receipt_and_letter_are_404(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/receipts/nope"), 404)
    assert_error(client.get("/api/v1/letters/" + "0" * 64), 404)
    assert_error(client.get("/api/v1/letters/not-a-hash"), 404)
    assert_error(client.post("/api/v1/letters/" + "0" * 64 + "/hearts"), 404)


def test_receipt_of_a_new_letter_is_pending(client: FlaskClient) -> None:
    token = post_letter(client, {"body": KIND}).get_json()["receipt"]
    assert client.get(f"/api/v1/receipts/{token}").get_json() == {"status": "pending"}


def _cursor(raw: str) -> str:
    import base64

    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "query",
    [
        "sort=sideways",
        "cursor=%%%",
        "cursor=eyJ4IjoxfQ",
        "limit=abc",
        "cursor=" + _cursor('{"s": 1000000000000000000000000000000}'),
        "cursor=" + _cursor('{"s": -1}'),
        "cursor=" + _cursor("[" * 3000),
        "cursor=" + "A" * 5000,
    ],
)
def test_bad_wall_queries_are_400(client: FlaskClient, query: str) -> None:
    assert_error(client.get("/api/v1/letters?" + query), 400)


def test_hostile_search_is_just_text(client: FlaskClient) -> None:
    for q in ["' OR 1=1 --", "%", "_", "\\", "<script>alert(1)</script>"]:
        response = client.get("/api/v1/letters", query_string={"q": q})
        assert response.status_code == 200
        assert response.get_json() == {"letters": [], "next_cursor": None}


def test_concurrent_submissions_are_all_kept(app: Flask) -> None:
    results: list[int] = []

    def submit(n: int) -> None:
        client = app.test_client()
        response = post_letter(client, {"body": f"{KIND} Letter number {n}."})
        results.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [202] * 16
    assert len({row.receipt_hash for row in rows(app)}) == 16


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ["/", "/write", "/api/v1/letters", "/nowhere"]:
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
