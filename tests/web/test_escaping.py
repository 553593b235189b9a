"""Letter text is escaped wherever it is shown: wall, letter page, receipt, feed, console."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import col

from misskissing import journey
from misskissing.accounts import create_user
from misskissing.models import Submission, SubmissionStatus
from tests.web.helpers import publish

PAYLOADS = [
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>",
    '"><svg/onload=alert(1)>',
    "</textarea><script>alert(1)</script>",
    "javascript:alert(1)",
    "'; DROP TABLE letter; --",
    "]]></content><entry>injected</entry>",
]
FILLER = "Goodbye, and thank you for every summer we had together by the sea. "


def assert_escaped(html: str, payload: str) -> None:
    if any(c in payload for c in '<>"'):
        assert payload not in html
    for raw in ("<script>alert", "<img src=x", "<svg/onload", "<entry>injected"):
        assert raw not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_escaped_on_the_wall_letter_page_and_receipt(
    client: FlaskClient, app: Flask, payload: str
) -> None:
    hex_address, token = publish(app, FILLER + payload, addressed_to=payload[:200])
    for path in [
        "/",
        "/?sort=hearts",
        f"/letters/{hex_address}",
        f"/receipt/{token}",
        "/?q=" + "alert",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_feed_is_well_formed_xml_that_carries_the_text_verbatim(
    client: FlaskClient, app: Flask, payload: str
) -> None:
    publish(app, FILLER + payload, addressed_to=payload[:200])
    response = client.get("/feed.atom")
    assert response.mimetype == "application/atom+xml"
    raw = response.get_data(as_text=True)
    assert "<script>" not in raw and "<entry>injected" not in raw
    root = ET.fromstring(raw)  # noqa: S314  (our own output, parsed to prove it is well formed)
    texts = "".join(root.itertext())
    assert payload in texts  # escaped in the markup, intact once parsed


def test_json_carries_text_as_data_under_nosniff(client: FlaskClient, app: Flask) -> None:
    payload = PAYLOADS[0]
    hex_address, _ = publish(app, FILLER + payload, addressed_to="x")
    response = client.get(f"/api/v1/letters/{hex_address}")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_json()["body"].endswith(payload)


def test_console_queue_escapes_held_letters(client: FlaskClient, app: Flask) -> None:
    runtime = app.extensions["misskissing.runtime"]
    with runtime.session() as session:
        create_user(session, "mod@example.org", "a long enough passphrase", "moderator")
        submission, _ = journey.submit_letter(session, FILLER + PAYLOADS[1], PAYLOADS[2])
        session.execute(
            update(Submission)
            .where(col(Submission.id) == submission.id)
            .values(status=SubmissionStatus.HELD, reasons=[PAYLOADS[0]])
        )
    login = client.post(
        "/console/login", data={"email": "mod@example.org", "password": "a long enough passphrase"}
    )
    assert login.status_code == 302
    html = client.get("/console/").get_data(as_text=True)
    assert "#" + str(submission.id) in html
    assert_escaped(html, PAYLOADS[1])
    assert "&lt;img src=x" in html
