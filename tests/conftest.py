"""Shared fixtures: settings on real SQLite and PostgreSQL, the app and its client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from misskissing.migrate import upgrade_database
from misskissing.runtime import Runtime, set_runtime
from misskissing.settings import Settings
from tests.support.services import fresh_postgres_database

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
for _name in ("DATABASE_URL", "BROKER_URL", "REDIS_URL"):
    os.environ.pop(_name, None)

TEST_SECRET = "test-secret-key-for-misskissing-0123456789"


def make_settings(data_dir: Path, database_url: str | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "broker_url": None,
        "redis_url": None,
        "secret_key": TEST_SECRET,
        "rate_limits": "off",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database("mk_session") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings on a fresh database: SQLite in a temporary folder, or a new PostgreSQL one."""
    if request.param == "sqlite":
        yield make_settings(tmp_path)
    else:
        with fresh_postgres_database() as url:
            yield make_settings(tmp_path, url)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def runtime(db_settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(db_settings)
    upgrade_database(rt.engine)
    set_runtime(rt)
    yield rt
    rt.engine.dispose()
    set_runtime(None)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    from web import create_app

    flask_app = create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    upgrade_database(flask_app.extensions["misskissing.runtime"].engine)
    yield flask_app
    flask_app.extensions["misskissing.runtime"].engine.dispose()
    set_runtime(None)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
