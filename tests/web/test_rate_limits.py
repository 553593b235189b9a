"""Per-client limits: 429 with Retry-After, the off switch, Redis storage, daily salts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from flask import Flask

from misskissing.runtime import set_runtime
from tests.conftest import make_settings
from tests.support.services import fresh_redis_database
from tests.web.helpers import KIND, migrated, publish
from web import create_app
from web.limits import SALT_KEY_PREFIX, SALT_TTL, MemorySaltStore, RedisSaltStore, client_key

CLIENT = "203.0.113.7"


def build(tmp_path: Path, **overrides: object) -> Iterator[Flask]:
    settings = make_settings(tmp_path, **{"rate_limits": "on", **overrides})
    app = migrated(create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": False}))
    yield app
    app.extensions["misskissing.runtime"].engine.dispose()
    set_runtime(None)


@pytest.fixture
def limited_app(tmp_path: Path) -> Iterator[Flask]:
    yield from build(tmp_path)


def submit(app: Flask, n: int, address: str = CLIENT):
    client = app.test_client()
    return client.post(
        "/api/v1/letters",
        data=json.dumps({"body": f"{KIND} Letter {n}."}),
        content_type="application/json",
        environ_base={"REMOTE_ADDR": address},
    )


def test_sixth_submission_in_a_minute_is_429_with_retry_after(limited_app: Flask) -> None:
    assert [submit(limited_app, n).status_code for n in range(5)] == [202] * 5
    refused = submit(limited_app, 5)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    # Another client is not affected.
    assert submit(limited_app, 6, address="198.51.100.2").status_code == 202


def test_form_and_api_share_one_submission_budget(limited_app: Flask) -> None:
    for n in range(5):
        assert submit(limited_app, n).status_code == 202
    form = limited_app.test_client().post(
        "/write", data={"body": KIND + " by form"}, environ_base={"REMOTE_ADDR": CLIENT}
    )
    assert form.status_code == 429
    assert "Retry-After" in form.headers


def test_rate_limits_off_turns_every_client_limit_off(tmp_path: Path) -> None:
    for app in build(tmp_path, rate_limits="off"):
        assert [submit(app, n).status_code for n in range(12)] == [202] * 12
        hex_address, _ = publish(app)
        for _ in range(80):
            fresh = app.test_client()
            assert fresh.post(f"/api/v1/letters/{hex_address}/hearts").status_code == 200


def test_a_thousand_hearts_from_one_client_clearing_cookies_barely_move_the_count(
    limited_app: Flask,
) -> None:
    hex_address, _ = publish(limited_app)
    statuses: list[int] = []
    for _ in range(1000):
        fresh_browser = limited_app.test_client()  # no reader cookie: a new reader each time
        response = fresh_browser.post(
            f"/api/v1/letters/{hex_address}/hearts", environ_base={"REMOTE_ADDR": CLIENT}
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
            assert response.get_json()["error"]["code"] == "rate_limited"
    assert statuses.count(200) == 30
    assert statuses.count(429) == 970
    reader = limited_app.test_client()
    counted = reader.get(f"/api/v1/letters/{hex_address}").get_json()["hearts"]
    assert counted == 30


def test_one_reader_counts_once_however_often_they_press(app: Flask) -> None:
    hex_address, _ = publish(app)
    reader = app.test_client()
    counts = {
        reader.post(f"/api/v1/letters/{hex_address}/hearts").get_json()["hearts"] for _ in range(50)
    }
    assert counts == {1}
    page_heart = reader.post(f"/letters/{hex_address}/heart")
    assert page_heart.status_code == 303
    assert app.test_client().get(f"/api/v1/letters/{hex_address}").get_json()["hearts"] == 1


def test_reports_are_limited_per_client(limited_app: Flask) -> None:
    hex_address, _ = publish(limited_app)
    statuses = []
    for _ in range(12):
        statuses.append(
            limited_app.test_client()
            .post(
                f"/api/v1/letters/{hex_address}/reports",
                data=json.dumps({"category": "spam"}),
                content_type="application/json",
                environ_base={"REMOTE_ADDR": CLIENT},
            )
            .status_code
        )
    assert statuses == [202] * 10 + [429] * 2


def test_client_key_is_a_salted_hash_never_the_address(limited_app: Flask) -> None:
    keys = []
    for address in [CLIENT, "198.51.100.2", "2001:db8::1"]:
        with limited_app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            key = client_key()
        assert address not in key
        assert len(key) == 32
        keys.append(key)
    assert len(set(keys)) == 3


def test_client_key_changes_with_the_day(
    limited_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with limited_app.test_request_context(environ_base={"REMOTE_ADDR": CLIENT}):
        monkeypatch.setattr("web.limits.today", lambda: "2030-01-01")
        first = client_key()
        assert client_key() == first
        monkeypatch.setattr("web.limits.today", lambda: "2030-01-02")
        assert client_key() != first


def test_memory_salts_are_random_per_day_and_forgotten_after_48_hours() -> None:
    store = MemorySaltStore()
    monday, tuesday = store.salt_for("2030-01-07"), store.salt_for("2030-01-08")
    assert monday != tuesday
    assert store.salt_for("2030-01-07") == monday
    assert MemorySaltStore().salt_for("2030-01-07") != monday  # random, not derived
    # Age Monday's salt past its lifetime: it is deleted, and cannot be recreated.
    salt, _ = store._salts["2030-01-07"]
    store._salts["2030-01-07"] = (salt, datetime.now(UTC) - SALT_TTL - timedelta(seconds=1))
    store.salt_for("2030-01-08")
    assert store.days() == ["2030-01-08"]


@pytest.mark.redis
def test_redis_salt_is_shared_set_once_and_expires_within_48_hours() -> None:
    with fresh_redis_database() as url:
        first, second = RedisSaltStore(url), RedisSaltStore(url)
        assert first.salt_for("2030-01-07") == second.salt_for("2030-01-07")
        assert first.salt_for("2030-01-08") != first.salt_for("2030-01-07")
        client = redis.Redis.from_url(url)
        ttl = client.ttl(SALT_KEY_PREFIX + "2030-01-07")
        assert 0 < ttl <= int(SALT_TTL.total_seconds())
        client.close()


@pytest.mark.redis
def test_limits_are_stored_in_redis_under_hashed_keys_only(tmp_path: Path) -> None:
    with fresh_redis_database() as url:
        for app in build(tmp_path, redis_url=url):
            assert [submit(app, n).status_code for n in range(6)] == [202] * 5 + [429]
            hex_address, _ = publish(app)
            app.test_client().post(
                f"/api/v1/letters/{hex_address}/hearts", environ_base={"REMOTE_ADDR": CLIENT}
            )
            client = redis.Redis.from_url(url)
            keys = [k.decode() for k in client.keys("*")]
            assert any("misskissing/" in k and "/submissions/" in k for k in keys), keys
            assert any(k.startswith(SALT_KEY_PREFIX) for k in keys)
            for key in keys:
                assert CLIENT not in key
                # Counters only (fixed windows): no per-request timestamps to match against
                # the times letters were written.
                assert client.type(key) == b"string", key
                if client.type(key) == b"string":
                    assert CLIENT.encode() not in (client.get(key) or b"")
                elif client.type(key) == b"list":
                    assert all(CLIENT.encode() not in v for v in client.lrange(key, 0, -1))
            client.close()


def test_forwarded_for_is_ignored_unless_a_proxy_is_configured(limited_app: Flask) -> None:
    statuses = []
    for n in range(6):
        spoofed = {"X-Forwarded-For": f"192.0.2.{n}"}
        statuses.append(
            limited_app.test_client()
            .post(
                "/api/v1/letters",
                data=json.dumps({"body": f"{KIND} {n}"}),
                content_type="application/json",
                headers=spoofed,
                environ_base={"REMOTE_ADDR": CLIENT},
            )
            .status_code
        )
    assert statuses == [202] * 5 + [429]


def test_behind_a_configured_proxy_each_forwarded_client_has_its_own_budget(
    tmp_path: Path,
) -> None:
    for app in build(tmp_path, proxy_hops=1):
        for n in range(6):
            response = app.test_client().post(
                "/api/v1/letters",
                data=json.dumps({"body": f"{KIND} {n}"}),
                content_type="application/json",
                headers={"X-Forwarded-For": f"192.0.2.{n}"},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
            )
            assert response.status_code == 202


def test_searches_have_a_budget_and_plain_wall_reads_do_not(limited_app: Flask) -> None:
    client = limited_app.test_client()
    env = {"REMOTE_ADDR": CLIENT}
    for n in range(30):
        path = "/api/v1/letters" if n % 2 else "/"
        assert (
            client.get(path, query_string={"q": f"rain {n}"}, environ_base=env).status_code == 200
        )
    refused = client.get("/api/v1/letters", query_string={"q": "rain"}, environ_base=env)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    for _ in range(40):
        assert client.get("/api/v1/letters", environ_base=env).status_code == 200
