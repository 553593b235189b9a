"""Log lines are JSON with request ids, and never carry letter text, tokens or addresses."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from misskissing.logs import bound_request_id, configure_logging, new_request_id
from misskissing.runtime import set_runtime
from tests.conftest import make_settings
from web import create_app

SECRET_TEXT = "Mum, the blue kettle still whistles every morning and I still miss you so."
ADDRESS = "203.0.113.9"
AGENT = "VerySpecificBrowser/9.9 (fingerprint-42)"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_filters = {h: list(h.filters) for h in saved_handlers}
    stream = io.StringIO()
    configure_logging(logging.DEBUG, stream=stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        handler.filters[:] = saved_filters[handler]
        root.addHandler(handler)
    root.setLevel(saved_level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    from misskissing.migrate import upgrade_database

    app = create_app(make_settings(tmp_path, **overrides), {"TESTING": True})
    upgrade_database(app.extensions["misskissing.runtime"].engine)
    return app


@pytest.fixture
def logged_app(tmp_path: Path, log_stream: io.StringIO) -> Iterator[Flask]:
    app = make_app(tmp_path)

    @app.get("/explode")
    def explode() -> str:
        raise ValueError(SECRET_TEXT)

    yield app
    app.extensions["misskissing.runtime"].engine.dispose()
    set_runtime(None)


def test_a_writer_s_journey_leaves_no_text_token_address_or_agent_in_the_logs(
    logged_app: Flask, log_stream: io.StringIO
) -> None:
    client = logged_app.test_client()
    env = {"REMOTE_ADDR": ADDRESS}
    headers = {"User-Agent": AGENT}
    submitted = client.post(
        "/api/v1/letters",
        json={"body": SECRET_TEXT, "addressed_to": "Mum"},
        environ_base=env,
        headers=headers,
    )
    assert submitted.status_code == 202
    token = submitted.get_json()["receipt"]
    client.get(f"/api/v1/receipts/{token}", environ_base=env, headers=headers)
    client.get(f"/receipt/{token}", environ_base=env, headers=headers)
    client.post("/write", data={"body": SECRET_TEXT + " again"}, environ_base=env, headers=headers)
    client.get("/explode", environ_base=env, headers=headers)
    client.get("/api/v1/letters", query_string={"q": SECRET_TEXT[:30]}, environ_base=env)
    output = log_stream.getvalue()
    assert output, "nothing was logged"
    for secret in (SECRET_TEXT, SECRET_TEXT[:30], token, ADDRESS, AGENT, "fingerprint-42"):
        assert secret not in output
    records = lines(log_stream)
    access = [r for r in records if r["logger"] == "misskissing.access"]
    assert len(access) == 6, [r["message"] for r in access]
    assert all(r["request_id"] and r["endpoint"] and r["status"] for r in access)
    assert any(r["message"] == "GET /receipt/<token> 200" for r in access)


def test_every_line_carries_the_request_id_the_response_announces(
    logged_app: Flask, log_stream: io.StringIO
) -> None:
    response = logged_app.test_client().get("/explode")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    mine = [r for r in lines(log_stream) if r["request_id"] == request_id]
    assert {r["logger"] for r in mine} >= {"web.app", "misskissing.access"}
    [error] = [r for r in mine if r["level"] == "error"]
    assert error["exc_type"] == "builtins.ValueError"
    assert "explode" in str(error["stack"])  # the frames, but not the message


def test_an_incoming_request_id_is_ignored_unless_a_trusted_proxy_sent_it(
    tmp_path: Path, logged_app: Flask
) -> None:
    chosen = "client-chosen-id-123"
    plain = logged_app.test_client().get("/healthz", headers={"X-Request-ID": chosen})
    assert plain.headers["X-Request-ID"] != chosen
    proxied = make_app(tmp_path / "proxied", proxy_hops=1)
    try:
        answer = proxied.test_client().get("/healthz", headers={"X-Request-ID": chosen})
        assert answer.headers["X-Request-ID"] == chosen
        hostile = proxied.test_client().get("/healthz", headers={"X-Request-ID": "a b;c"})
        assert hostile.headers["X-Request-ID"] != "a b;c"
    finally:
        proxied.extensions["misskissing.runtime"].engine.dispose()


def test_receipt_paths_and_addresses_are_redacted_from_any_message(log_stream: io.StringIO) -> None:
    log = logging.getLogger("misskissing.test")
    with bound_request_id("task-1234567"):
        log.warning("fetching %s for %s", "/api/v1/receipts/SeCrEtToKeN_abc-123", "198.51.100.77")
        log.info("done", extra={"peer": "198.51.100.77", "count": 3})
    records = lines(log_stream)
    assert "SeCrEtToKeN" not in log_stream.getvalue()
    assert "198.51.100.77" not in log_stream.getvalue()
    assert records[0]["message"] == "fetching /api/v1/receipts/[redacted] for [address]"
    assert records[1]["count"] == 3 and records[1]["peer"] == "[address]"
    assert {r["request_id"] for r in records} == {"task-1234567"}


def test_new_request_ids_are_random_hex() -> None:
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 32 for i in ids)
