"""CSRF on every form, same-origin JSON writes, security headers, TLS-only Secure cookies."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from misskissing.runtime import set_runtime
from tests.conftest import make_settings
from tests.web.helpers import KIND, migrated, publish
from web import create_app

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def csrf_app(tmp_path: Path) -> Iterator[Flask]:
    app = migrated(create_app(make_settings(tmp_path), {"TESTING": True}))
    yield app
    app.extensions["misskissing.runtime"].engine.dispose()
    set_runtime(None)


def form_token(client: FlaskClient, path: str) -> str:
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"{path} has no CSRF token"
    return match.group(1)


def test_write_form_without_token_is_refused(csrf_app: Flask) -> None:
    response = csrf_app.test_client().post("/write", data={"body": KIND})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_write_form_with_its_token_is_accepted(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    token = form_token(client, "/write")
    response = client.post("/write", data={"body": KIND, "csrf_token": token})
    assert response.status_code == 303
    assert "/receipt/" in response.headers["Location"]


def test_a_token_from_another_browser_is_refused(csrf_app: Flask) -> None:
    token = form_token(csrf_app.test_client(), "/write")
    response = csrf_app.test_client().post("/write", data={"body": KIND, "csrf_token": token})
    assert response.status_code == 400


def test_heart_form_and_console_login_need_a_token(csrf_app: Flask) -> None:
    hex_address, _ = publish(csrf_app)
    client = csrf_app.test_client()
    assert client.post(f"/letters/{hex_address}/heart").status_code == 400
    assert (
        client.post("/console/login", data={"email": "a@b.c", "password": "x"}).status_code == 400
    )
    token = form_token(client, f"/letters/{hex_address}")
    assert (
        client.post(f"/letters/{hex_address}/heart", data={"csrf_token": token}).status_code == 303
    )


def test_json_api_needs_no_token_but_refuses_cross_site_writes(csrf_app: Flask) -> None:
    hex_address, _ = publish(csrf_app)
    client = csrf_app.test_client()
    ok = client.post(
        "/api/v1/letters",
        data=json.dumps({"body": KIND}),
        content_type="application/json",
        headers={"Origin": "http://localhost"},
    )
    assert ok.status_code == 202
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        heart = client.post(f"/api/v1/letters/{hex_address}/hearts", headers=headers)
        assert heart.status_code == 403, headers
        assert heart.get_json()["error"]["code"] == "cross_origin"
        report = client.post(
            f"/api/v1/letters/{hex_address}/reports",
            headers=headers,
            data=json.dumps({"category": "spam"}),
            content_type="application/json",
        )
        assert report.status_code == 403
    # A form post (the only kind a cross-site page can send without CORS) is not JSON.
    form = client.post(f"/api/v1/letters/{hex_address}/reports", data={"category": "spam"})
    assert form.status_code == 415


def test_heart_without_body_from_this_site_still_counts(csrf_app: Flask) -> None:
    hex_address, _ = publish(csrf_app)
    response = csrf_app.test_client().post(
        f"/api/v1/letters/{hex_address}/hearts", headers={"Origin": "http://localhost"}
    )
    assert response.get_json() == {"hearts": 1}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/write",
        "/feed.atom",
        "/transparency",
        "/console/login",
        "/api/v1/letters",
        "/healthz",
        "/nowhere",
        "/api/v1/nowhere",
    ],
)
def test_security_headers_on_every_kind_of_response(client: FlaskClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in headers  # plain HTTP
    assert headers["X-Request-ID"]


def test_hsts_only_over_tls(client: FlaskClient) -> None:
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_carry_no_inline_script(client: FlaskClient, app: Flask) -> None:
    hex_address, token = publish(app)
    for path in ["/", "/write", f"/letters/{hex_address}", f"/receipt/{token}", "/transparency"]:
        html = client.get(path).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == [], path
        assert " on" + "click=" not in html.lower()


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_cookies_are_secure_only_over_tls(csrf_app: Flask) -> None:
    hex_address, _ = publish(csrf_app)
    for base, secure in (("http://localhost", False), ("https://localhost", True)):
        client = csrf_app.test_client()
        session = _set_cookies(client.get("/write", base_url=base))
        assert session and all(("; Secure" in c) is secure for c in session), session
        reader = _set_cookies(client.post(f"/api/v1/letters/{hex_address}/hearts", base_url=base))
        [reader_cookie] = [c for c in reader if c.startswith("mk_reader=")]
        assert ("; Secure" in reader_cookie) is secure
        assert "HttpOnly" in reader_cookie and "SameSite=Lax" in reader_cookie


def test_receipt_page_is_never_cached(client: FlaskClient, app: Flask) -> None:
    _, token = publish(app)
    assert client.get(f"/receipt/{token}").headers["Cache-Control"] == "no-store"
    assert client.get(f"/api/v1/receipts/{token}").headers["Cache-Control"] == "no-store"
