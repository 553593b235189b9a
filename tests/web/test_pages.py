"""The HTML pages without JavaScript: forms, the letter page, feed, transparency, console."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient

from misskissing import journey
from misskissing.accounts import create_user
from misskissing.models import AuditEvent, Letter, Submission
from misskissing.runtime import Runtime
from moderation import Decision

KIND = "Goodbye, old flat on Elm Street. Thank you for the light in the kitchen every morning."


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["misskissing.runtime"]


def publish(app: Flask, text: str = KIND, to: str | None = None) -> str:
    rt = runtime_of(app)
    with rt.session() as session:
        submission, _ = journey.submit_letter(session, text, to)
    assert journey.screen_submission(rt, submission.id) == "published"  # type: ignore[arg-type]
    with rt.session() as session:
        return session.get(Submission, submission.id).letter_hex  # type: ignore[union-attr,return-value]


def test_write_form_without_javascript_redirects_to_a_private_receipt(
    client: FlaskClient, app: Flask
) -> None:
    response = client.post("/write", data={"body": KIND, "addressed_to": "the flat"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.search(r"/receipt/[A-Za-z0-9_\-]{40,}\?new=1$", location)
    page = client.get(location)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Keep this page" in page.get_data(as_text=True)
    assert "pending" in page.get_data(as_text=True)


def test_write_form_error_keeps_the_text(client: FlaskClient) -> None:
    response = client.post("/write", data={"body": "short"})
    assert response.status_code == 400
    assert "short</textarea>" in response.get_data(as_text=True)


def test_letter_page_and_heart_form(client: FlaskClient, app: Flask) -> None:
    hex_address = publish(app, to="the flat")
    page = client.get(f"/letters/{hex_address}")
    assert page.status_code == 200 and "light in the kitchen" in page.get_data(as_text=True)
    for _ in range(3):
        assert client.post(f"/letters/{hex_address}/heart").status_code == 303
    with runtime_of(app).session() as session:
        assert session.get(Letter, hex_address).hearts == 1  # type: ignore[union-attr]
    assert client.get("/letters/" + "f" * 64).status_code == 404
    assert client.get("/letters/nonsense").status_code == 404


def test_wall_page_lists_and_pages_letters(client: FlaskClient, app: Flask) -> None:
    for n in range(3):
        publish(app, f"{KIND} Morning number {n}.")
    html = client.get("/").get_data(as_text=True)
    assert html.index("Morning number 2") < html.index("Morning number 1")
    assert client.get("/?sort=hearts").status_code == 200
    assert client.get("/?q=number%201").get_data(as_text=True).count("letter-card") == 1
    assert client.get("/?cursor=garbage").status_code == 400


def test_feed_is_valid_atom(client: FlaskClient, app: Flask) -> None:
    publish(app, KIND + " <b>&amp;</b>")
    response = client.get("/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry] = root.findall("a:entry", ns)
    assert entry.find("a:content", ns).text.endswith("<b>&amp;</b>")  # type: ignore[union-attr]


def test_transparency_page_counts(client: FlaskClient, app: Flask) -> None:
    publish(app)
    html = client.get("/transparency").get_data(as_text=True)
    assert "On the wall</td><td>1" in html


def test_receipt_of_a_held_crisis_letter_shows_support(client: FlaskClient, app: Flask) -> None:
    rt = runtime_of(app)
    with rt.session() as session:
        submission, token = journey.submit_letter(session, KIND, None)
        claim = journey.claim_submission(session, submission.id, rt.settings.screening_lease, 5)  # type: ignore[arg-type]
    decision = Decision("review", True, {}, [], ["crisis signal"], "m", KIND)
    assert journey.finish_screening(rt, claim, decision) == "held"  # type: ignore[arg-type]
    data = client.get(f"/api/v1/receipts/{token}").get_json()
    assert data["status"] == "held" and data["support"]["resources"]
    assert "988" in client.get(f"/receipt/{token}").get_data(as_text=True)


def test_console_requires_login(client: FlaskClient) -> None:
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert client.get("/console/login").status_code == 200


@pytest.fixture
def moderator(app: Flask) -> tuple[str, str]:
    with runtime_of(app).session() as session:
        create_user(session, "mod@example.org", "correct horse battery", "moderator")
    return "mod@example.org", "correct horse battery"


def test_moderator_approves_and_rejects_held_letters_with_audit(
    client: FlaskClient, app: Flask, moderator: tuple[str, str]
) -> None:
    rt = runtime_of(app)
    ids = []
    for text in (KIND, KIND + " Again."):
        with rt.session() as session:
            submission, _ = journey.submit_letter(session, text, None)
            claim = journey.claim_submission(session, submission.id, rt.settings.screening_lease, 5)  # type: ignore[arg-type]
        journey.finish_screening(
            rt, claim, Decision("review", False, {}, [], ["unsure"], "m", text)
        )  # type: ignore[arg-type]
        ids.append(submission.id)
    assert (
        client.post(
            "/console/login", data={"email": moderator[0], "password": "wrong password!"}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/console/login", data={"email": moderator[0], "password": moderator[1]}
        ).status_code
        == 302
    )
    response = client.get("/console/")
    assert response.headers["Cache-Control"] == "no-store"
    queue = response.get_data(as_text=True)
    assert "Held letters (2)" in queue
    client.post(f"/console/held/{ids[0]}", data={"action": "approve"})
    client.post(f"/console/held/{ids[1]}", data={"action": "reject", "reason": "spam"})
    with rt.session() as session:
        first, second = session.get(Submission, ids[0]), session.get(Submission, ids[1])
        assert first.status == "published" and first.body is None  # type: ignore[union-attr]
        assert second.status == "rejected" and second.reasons == ["It is advertising or spam."]  # type: ignore[union-attr]
        actions = sorted(e.action for e in session.query(AuditEvent).all())
    assert actions == ["approve", "reject"]


def test_a_scheduled_letter_shows_as_screening_to_its_writer(
    client: FlaskClient, app: Flask
) -> None:
    rt = runtime_of(app)
    rt.settings.publish_delay_seconds = 3600
    with rt.session() as session:
        submission, token = journey.submit_letter(session, KIND, None)
    assert journey.screen_submission(rt, submission.id) == "scheduled"  # type: ignore[arg-type]
    assert client.get(f"/api/v1/receipts/{token}").get_json() == {"status": "screening"}
    assert "random moment" in client.get(f"/receipt/{token}").get_data(as_text=True)
